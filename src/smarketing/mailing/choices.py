"""The vocabularies of e-mail to contacts."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    """Marketing e-mail needs consent and counts against the weekly cap; transactional does
    neither (a confirmation, a receipt) but still never goes to a suppressed address."""

    MARKETING = "marketing", _("Marketing")
    TRANSACTIONAL = "transactional", _("Transactional")


class Language(models.TextChoices):
    """The languages a template is written in (English is required, the fallback)."""

    EN = "en", _("English")
    FR = "fr", _("French")


class SuppressionReason(models.TextChoices):
    """Why an address receives no e-mail at all."""

    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    HARD_BOUNCED = "hard_bounced", _("Hard bounce")
    SOFT_BOUNCED = "soft_bounced", _("Soft bounces (3)")
    COMPLAINED = "complained", _("Complaint (marked as spam)")
    MANUAL = "manual", _("Added by hand")
    ROLE_ADDRESS = "role_address", _("Role address (postmaster@, abuse@…)")


class ConsentSource(models.TextChoices):
    """Where a consent (or its withdrawal) was given."""

    FORM = "form", _("Form")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
    ONE_CLICK = "one_click", _("One-click unsubscribe (mail client)")
    MANUAL = "manual", _("Entered by hand")


class MessageStatus(models.TextChoices):
    """Where an outgoing message stands. ``refused`` and ``failed`` are final, as is ``sent``."""

    QUEUED = "queued", _("Queued")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")


class RefusalReason(models.TextChoices):
    """Why a message was refused (recorded on the message, never sent)."""

    NO_EMAIL = "no_email", _("The contact has no e-mail address")
    SUPPRESSED = "suppressed", _("The address is on the suppression list")
    ROLE_ADDRESS = "role_address", _("Role address (postmaster@, abuse@…)")
    NO_CONSENT = "no_consent", _("No marketing consent")
    OVER_CAP = "over_cap", _("Over the weekly frequency cap")


class BounceKind(models.TextChoices):
    """What a delivery report or a feedback report says about one of our messages."""

    HARD = "hard", _("Hard bounce (5.x.x: the address does not work)")
    SOFT = "soft", _("Soft bounce (4.x.x or delayed: try again later)")
    COMPLAINT = "complaint", _("Complaint (marked as spam)")
