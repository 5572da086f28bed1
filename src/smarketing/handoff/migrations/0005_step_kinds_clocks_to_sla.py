# The SLA clocks move to the ``sla`` app (ADR 0013): the table stays, only Django's state of it
# leaves this app (``sla.0001`` takes it over and renames the table). Step kinds get choices.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('handoff', '0004_capacity_overrides'),
    ]

    operations = [
        migrations.AlterField(
            model_name='handoffstep',
            name='kind',
            field=models.CharField(choices=[('assigned', 'Assigned'), ('queued', "Waiting in the manager's queue"), ('reassigned', 'Reassigned'), ('escalated', 'Escalated'), ('accepted', 'Accepted'), ('rejected', 'Rejected')], max_length=20, verbose_name='what'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='SlaClock')],
            database_operations=[],
        ),
    ]
