# The SLA clocks, taken over from ``handoff`` (its 0002 created the table ``handoff_slaclock``;
# its 0005 let go of Django's state of it). The table is renamed to this app's name, and each
# clock gets its contact (copied from its hand-off) so that a touch finds the clocks it moves
# without reading the hand-offs.

import django.db.models.deletion
from django.db import migrations, models

CONTACT_FROM_HANDOFF = (
    "UPDATE sla_slaclock SET contact_id = "
    "(SELECT h.contact_id FROM handoff_handoff h WHERE h.id = sla_slaclock.handoff_id)"
)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contacts', '0004_deal_external_ids'),
        ('handoff', '0005_step_kinds_clocks_to_sla'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SlaClock',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('accept', 'Answer (accept or reject)'), ('first_touch', 'First touch'), ('follow_up', 'Follow-ups')], max_length=12, verbose_name='commitment')),
                        ('state', models.CharField(choices=[('running', 'Running'), ('at_risk', 'At risk'), ('breached', 'Breached'), ('met', 'Met'), ('cancelled', 'Cancelled')], default='running', max_length=10, verbose_name='state')),
                        ('started_at', models.DateTimeField(verbose_name='started at')),
                        ('at_risk_at', models.DateTimeField(verbose_name='at risk from')),
                        ('due_at', models.DateTimeField(verbose_name='due at')),
                        ('allowance_seconds', models.FloatField(default=0, verbose_name='allowed working seconds')),
                        ('stopped_at', models.DateTimeField(blank=True, null=True, verbose_name='stopped at')),
                        ('needed', models.PositiveSmallIntegerField(default=1, verbose_name='actions needed')),
                        ('done', models.PositiveSmallIntegerField(default=0, verbose_name='actions done')),
                        ('step', models.PositiveSmallIntegerField(default=0, verbose_name='escalation steps taken')),
                        ('next_step_at', models.DateTimeField(blank=True, null=True, verbose_name='next escalation')),
                        ('handoff', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clocks', to='handoff.handoff')),
                    ],
                    options={
                        'verbose_name': 'SLA clock',
                        'verbose_name_plural': 'SLA clocks',
                        'ordering': ['due_at', 'id'],
                        'db_table': 'handoff_slaclock',
                        'indexes': [models.Index(condition=models.Q(('stopped_at', None)), fields=['state', 'due_at'], name='clock_open'), models.Index(condition=models.Q(('stopped_at', None)), fields=['next_step_at'], name='clock_escalation')],
                        'constraints': [models.UniqueConstraint(fields=('handoff', 'kind'), name='clock_once_per_kind')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='slaclock', table=None),
        migrations.AddField(
            model_name='slaclock',
            name='contact',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contacts.contact', verbose_name='contact'),
        ),
        migrations.RunSQL(CONTACT_FROM_HANDOFF, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='slaclock',
            name='contact',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contacts.contact', verbose_name='contact'),
        ),
    ]
