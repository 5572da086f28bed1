"""Routing reads the journal's ``mql_reached`` facts (ADR 0015): the MQLs waiting for a
hand-off when this runs get theirs, so that none is left behind."""

from django.db import migrations
from django.db.models import Exists, OuterRef
from django.utils import timezone


def waiting_facts(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    Handoff = apps.get_model("handoff", "Handoff")
    Fact = apps.get_model("journal", "Fact")
    since = Handoff.objects.filter(
        contact=OuterRef("pk"), created_at__gte=OuterRef("stage_changed_at")
    )
    waiting = (
        Contact.objects.filter(lifecycle_stage="mql")
        .exclude(Exists(since))
        .order_by("stage_changed_at", "id")
        .values_list("id", "stage_changed_at")
    )
    now = timezone.now()
    Fact.objects.bulk_create(
        [
            Fact(
                kind="mql_reached",
                subject_kind="contact",
                subject_id=contact_id,
                contact_id=contact_id,
                source="system",
                occurred_at=changed_at,
                recorded_at=now,
                payload={"from_stage": "", "rule": ""},
            )
            for contact_id, changed_at in waiting.iterator()
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("handoff", "0007_dues_live_on_clocks"),
        ("journal", "0001_initial"),
        ("contacts", "0006_consent_confirmations"),
    ]

    operations = [migrations.RunPython(waiting_facts, migrations.RunPython.noop)]
