# A hand-off's deadlines live on its SLA clocks only (``sla_slaclock.due_at``): the copies
# ``accept_due`` and ``first_touch_due`` on the hand-off go.
#
# Forwards, a hand-off with a deadline but without the clock that holds it (made before the
# clocks existed, or by an older demo that gave clocks to its recent hand-offs only) gets that
# clock, carrying the stored deadline. Such a clock never ran — the sweep and the SLA board never
# saw it — so it is made stopped, as it would have ended: met or breached when the answer (for
# the answer clock) or the first call, e-mail or meeting since the hand-off (for the first-touch
# clock) came, by its deadline or after; cancelled otherwise (and a rejected lead's first touch
# at its answer, as a rejection cancels it). Its allowance in working time is unknown (0) and
# it is at risk from its deadline. Where a clock exists, its deadline is the one kept.
#
# Backwards, the columns come back filled with the deadlines of the clocks; the clocks stay.

from django.db import migrations, models
from django.utils import timezone

BATCH = 2000
TOUCHES = ("call", "email", "meeting")
KINDS = {"accept": "accept_due", "first_touch": "first_touch_due"}


def _stopped(due, when, now):
    """(state, stopped_at, done) of a clock that never ran, stopped by ``when`` if any."""
    if when is None:
        return "cancelled", now, 0
    return ("met" if when <= due else "breached"), when, 1


def _ended(h, kind, due, first_touch, now):
    """How the ``kind`` clock of hand-off ``h`` ended: the answer stops the answer clock; the
    first touch the first-touch clock, unless a rejection cancelled it before."""
    if kind == "accept":
        return _stopped(due, h.decided_at, now)
    if h.status == "rejected" and (first_touch is None or first_touch > h.decided_at):
        return "cancelled", h.decided_at or now, 0
    return _stopped(due, first_touch, now)


def _first_touches(Activity, handoffs):
    """Hand-off id → its contact's first touch at or after the hand-off (None: none)."""
    firsts = {}
    contact_ids = {h.contact_id for h in handoffs}
    touches = {}
    rows = Activity.objects.filter(contact_id__in=contact_ids, kind__in=TOUCHES).order_by(
        "occurred_at", "id"
    )
    for contact_id, at in rows.values_list("contact_id", "occurred_at"):
        touches.setdefault(contact_id, []).append(at)
    for h in handoffs:
        firsts[h.pk] = next((at for at in touches.get(h.contact_id, ()) if at >= h.created_at), None)
    return firsts


def clocks_from_columns(apps, schema_editor):
    Handoff = apps.get_model("handoff", "Handoff")
    SlaClock = apps.get_model("sla", "SlaClock")
    Activity = apps.get_model("contacts", "Activity")
    now = timezone.now()
    dated = Handoff.objects.filter(
        models.Q(accept_due__isnull=False) | models.Q(first_touch_due__isnull=False)
    ).order_by("pk")
    after = 0
    while batch := list(dated.filter(pk__gt=after)[:BATCH]):
        after = batch[-1].pk
        have = set(
            SlaClock.objects.filter(handoff_id__in=[h.pk for h in batch]).values_list(
                "handoff_id", "kind"
            )
        )
        firsts = _first_touches(Activity, batch)
        clocks = []
        for h in batch:
            for kind, column in KINDS.items():
                due = getattr(h, column)
                if due is None or (h.pk, kind) in have:
                    continue
                state, stopped, done = _ended(h, kind, due, firsts[h.pk], now)
                clocks.append(
                    SlaClock(
                        handoff_id=h.pk,
                        contact_id=h.contact_id,
                        kind=kind,
                        state=state,
                        started_at=h.created_at,
                        at_risk_at=due,
                        due_at=due,
                        allowance_seconds=0,
                        stopped_at=stopped,
                        needed=1,
                        done=done,
                    )
                )
        SlaClock.objects.bulk_create(clocks)


def columns_from_clocks(apps, schema_editor):
    Handoff = apps.get_model("handoff", "Handoff")
    SlaClock = apps.get_model("sla", "SlaClock")
    for kind, column in KINDS.items():
        due = SlaClock.objects.filter(handoff_id=models.OuterRef("pk"), kind=kind).values(
            "due_at"
        )[:1]
        Handoff.objects.update(**{column: models.Subquery(due)})


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0006_consent_confirmations'),
        ('handoff', '0006_webhook_addresses'),
        ('sla', '0002_clock_holds_handoff_id'),
    ]

    operations = [
        migrations.RunPython(clocks_from_columns, columns_from_clocks),
        migrations.RemoveIndex(
            model_name='handoff',
            name='handoff_inbox',
        ),
        migrations.RemoveField(
            model_name='handoff',
            name='accept_due',
        ),
        migrations.RemoveField(
            model_name='handoff',
            name='first_touch_due',
        ),
        migrations.AddIndex(
            model_name='handoff',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['assignee', 'created_at'], name='handoff_inbox'),
        ),
    ]
