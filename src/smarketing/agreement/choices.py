"""The agreement's vocabularies: grades, fit fields, routing kinds, escalation actions,
dispositions. The event types an engagement rule names are tracking's (``EventType``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from smarketing.core.fitfields import FIT_FIELDS

GRADES = ("A", "B", "C", "D")  # best first


# the profile fields a fit criterion may test, and how each is matched (words the value
# contains, one of the values, or a number range): both as ``core.fitfields`` declares them
FitField: type[models.TextChoices] = models.TextChoices(  # type: ignore[call-overload]
    "FitField",
    [(field.name.upper(), (field.name, field.label)) for field in FIT_FIELDS],
    module=__name__,
    qualname="FitField",
)
FIT_FIELD_MATCH = {FitField(field.name): field.match for field in FIT_FIELDS}


class RoutingKind(models.TextChoices):
    """How a routing rule picks a salesperson."""

    ACCOUNT_OWNER = "account_owner", _("The account's owner")
    TERRITORY = "territory", _("A territory's team, in turn")
    ROUND_ROBIN = "round_robin", _("A team, in turn")


class EscalationAction(models.TextChoices):
    """What a step of the escalation ladder does to an unanswered lead."""

    REMIND = "remind", _("Remind the salesperson")
    NOTIFY_MANAGER = "notify_manager", _("Notify the manager")
    REASSIGN = "reassign", _("Reassign")


class Disposition(models.TextChoices):
    """Where a lead rejected with a reason code goes."""

    NURTURING = "nurturing", _("Nurturing")
    DISQUALIFIED = "disqualified", _("Disqualified")
    BACK_TO_MARKETING = "back_to_marketing", _("Back to marketing")
