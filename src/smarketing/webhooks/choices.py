"""What webhooks publish and how deliveries stand: the events, one per kind of fact."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from smarketing.journal.choices import FactKind

# the journal's facts published as events (docs/webhooks.md): profile_changed is scoring's
# internal work list, not published
EVENTS: dict[str, str] = {
    FactKind.STAGE_CHANGED: "contact.stage_changed",
    FactKind.MQL_REACHED: "contact.mql",
    FactKind.CONSENT_CHANGED: "contact.consent_changed",
    FactKind.DEAL_CREATED: "deal.created",
    FactKind.DEAL_WON: "deal.won",
    FactKind.DEAL_LOST: "deal.lost",
    FactKind.HANDOFF_ASSIGNED: "handoff.assigned",
    FactKind.HANDOFF_ANSWERED: "handoff.answered",
    FactKind.HANDOFF_REASSIGNED: "handoff.reassigned",
    FactKind.SLA_AT_RISK: "sla.at_risk",
    FactKind.SLA_BREACHED: "sla.breached",
}
EVENT_TYPES: tuple[str, ...] = tuple(sorted(EVENTS.values()))
TEST_EVENT = "webhook.test"
# free text a person typed (a reason, a why) may hold personal data: never published
UNPUBLISHED_KEYS = frozenset({"reason", "why"})

# Standard Webhooks' retry schedule: the wait before each attempt (the first at once)
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(SCHEDULE)
JITTER = 0.1  # each wait is lengthened by up to 10 %, so that retries do not arrive in a herd


class DeliveryStatus(models.TextChoices):
    """Where a delivery stands."""

    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed (endpoint gone)")
    ABANDONED = "abandoned", _("Abandoned (every retry failed)")


class DisabledReason(models.TextChoices):
    """Why an endpoint no longer receives events."""

    NONE = "", _("Active")
    GONE = "gone", _("The receiver answered 410 Gone")
    FAILING = "failing", _("Every retry of a delivery failed")
    MANUAL = "manual", _("Disabled by a person")
