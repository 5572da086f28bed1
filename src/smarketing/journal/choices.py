"""What the journal records: the kinds of facts, what they are about, and each kind's payload."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FactKind(models.TextChoices):
    """Something that happened in the shared record (append the kinds new domains add)."""

    STAGE_CHANGED = "stage_changed", _("Stage changed")
    MQL_REACHED = "mql_reached", _("MQL reached")
    PROFILE_CHANGED = "profile_changed", _("Profile changed")
    CONSENT_CHANGED = "consent_changed", _("Consent changed")
    DEAL_CREATED = "deal_created", _("Deal created")
    DEAL_WON = "deal_won", _("Deal won")
    DEAL_LOST = "deal_lost", _("Deal lost")
    HANDOFF_ASSIGNED = "handoff_assigned", _("Hand-off assigned")
    HANDOFF_ANSWERED = "handoff_answered", _("Hand-off answered")
    HANDOFF_REASSIGNED = "handoff_reassigned", _("Hand-off reassigned")
    SLA_AT_RISK = "sla_at_risk", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")


class SubjectKind(models.TextChoices):
    """What a fact is about."""

    CONTACT = "contact", _("Contact")
    ACCOUNT = "account", _("Account")
    DEAL = "deal", _("Deal")
    HANDOFF = "handoff", _("Hand-off")


class FactSource(models.TextChoices):
    """Who or what caused a fact (besides the person, when there is one)."""

    MANUAL = "manual", _("A person")
    DEAL = "deal", _("A deal")
    SCORING = "scoring", _("A scoring rule")
    SYSTEM = "system", _("The system (rules, the worker)")
    IMPORT = "import", _("An import")
    API = "api", _("The API")
    FORM = "form", _("A form")
    DEMO = "demo", _("The demo generator")


# each kind's payload: exactly these keys (small values: stages, codes, amounts, ids)
PAYLOAD_KEYS: dict[str, frozenset[str]] = {
    FactKind.STAGE_CHANGED: frozenset({"from_stage", "to_stage", "reason", "rule"}),
    FactKind.MQL_REACHED: frozenset({"from_stage", "rule"}),
    FactKind.PROFILE_CHANGED: frozenset({"contact_ids", "not_before"}),
    FactKind.CONSENT_CHANGED: frozenset({"from_consent", "to_consent"}),
    FactKind.DEAL_CREATED: frozenset({"amount", "currency", "pipeline_stage"}),
    FactKind.DEAL_WON: frozenset({"amount", "currency"}),
    FactKind.DEAL_LOST: frozenset({"amount", "currency", "lost_reason"}),
    FactKind.HANDOFF_ASSIGNED: frozenset({"assignee_id", "team_id", "queued"}),
    FactKind.HANDOFF_ANSWERED: frozenset({"status", "reason_code"}),
    FactKind.HANDOFF_REASSIGNED: frozenset({"from_id", "to_id", "why"}),
    FactKind.SLA_AT_RISK: frozenset({"clock_id", "clock_kind", "due_at"}),
    FactKind.SLA_BREACHED: frozenset({"clock_id", "clock_kind", "due_at"}),
}
