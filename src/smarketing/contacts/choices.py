"""Choices of the shared record: the one vocabulary both teams use."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LifecycleStage(models.TextChoices):
    """Where a contact stands in the funnel. Changed only by the lifecycle service."""

    SUBSCRIBER = "subscriber", _("Subscriber")
    LEAD = "lead", _("Lead")
    MQL = "mql", _("MQL (marketing qualified)")
    SAL = "sal", _("SAL (sales accepted)")
    SQL = "sql", _("SQL (sales qualified)")
    OPPORTUNITY = "opportunity", _("Opportunity")
    CUSTOMER = "customer", _("Customer")
    NURTURING = "nurturing", _("Nurturing")
    DISQUALIFIED = "disqualified", _("Disqualified")


class ConsentState(models.TextChoices):
    """Whether marketing may contact the person (consent, not a stage)."""

    UNKNOWN = "unknown", _("Unknown")
    GRANTED = "granted", _("Opted in")
    WITHDRAWN = "withdrawn", _("Opted out")


class ContactSource(models.TextChoices):
    """Where the contact came from first."""

    WEBSITE = "website", _("Website")
    FORM = "form", _("Form")
    EVENT = "event", _("Event / trade show")
    WEBINAR = "webinar", _("Webinar")
    PAID = "paid", _("Paid campaign")
    REFERRAL = "referral", _("Referral")
    PARTNER = "partner", _("Partner")
    OUTBOUND = "outbound", _("Sales outbound")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    OTHER = "other", _("Other")


class SizeBand(models.TextChoices):
    """Company size by headcount."""

    MICRO = "1-10", _("1–10")
    SMALL = "11-50", _("11–50")
    MEDIUM = "51-200", _("51–200")
    LARGE = "201-1000", _("201–1,000")
    ENTERPRISE = "1001-5000", _("1,001–5,000")
    GLOBAL = "5000+", _("5,000+")


class DealStatus(models.TextChoices):
    """Whether a deal is still being worked."""

    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class PipelineStage(models.TextChoices):
    """The sales pipeline of a deal."""

    DISCOVERY = "discovery", _("Discovery")
    DEMO = "demo", _("Demo")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    CLOSED_WON = "closed_won", _("Closed won")
    CLOSED_LOST = "closed_lost", _("Closed lost")


class DealType(models.TextChoices):
    """What a deal sells: a first purchase, its renewal, or more to a customer."""

    NEW = "new", _("New business")
    RENEWAL = "renewal", _("Renewal")
    UPSELL = "upsell", _("Upsell")


class LostReason(models.TextChoices):
    """Why a deal was lost."""

    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_DECISION = "no_decision", _("No decision")
    TIMING = "timing", _("Bad timing")
    PRODUCT_FIT = "product_fit", _("Product does not fit")
    OTHER = "other", _("Other")


class ActivityKind(models.TextChoices):
    """What a person logged."""

    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")
    NOTE = "note", _("Note")


class TransitionSource(models.TextChoices):
    """What made a stage change."""

    MANUAL = "manual", _("Manual")
    DEAL = "deal", _("Deal")
    SCORING = "scoring", _("Scoring rule")
    IMPORT = "import", _("Import")
    DEMO = "demo", _("Demo data")
    API = "api", _("API")
    SYSTEM = "system", _("System")
