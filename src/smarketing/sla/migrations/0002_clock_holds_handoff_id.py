# A clock holds its hand-off's id in a plain integer column (``handoff_id``, as before), with no
# foreign key to the hand-offs: ``sla`` sits below ``handoff`` and names none of its models
# (docs/architecture.md). The rows and the column's values are kept; only the constraint goes
# (on SQLite the table is rebuilt). The unique (hand-off, kind) still serves reads by hand-off.

import smarketing.sla.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0001_clocks_from_handoff'),
    ]

    operations = [
        migrations.AlterField(
            model_name='slaclock',
            name='handoff',
            field=smarketing.sla.models.SubjectId(verbose_name='hand-off'),
        ),
    ]
