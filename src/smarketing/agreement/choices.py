"""The agreement's vocabularies: grades, fit fields, routing kinds, escalation actions,
dispositions. The event types an engagement rule names are tracking's (``EventType``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GRADES = ("A", "B", "C", "D")  # best first


class FitField(models.TextChoices):
    """The profile fields a fit criterion may test."""

    JOB_TITLE = "job_title", _("Job title")
    SECTOR = "sector", _("Sector")
    SIZE_BAND = "size_band", _("Size")
    COUNTRY = "country", _("Country")
    ANNUAL_REVENUE = "annual_revenue", _("Annual revenue")


# how each field is matched: words the value contains, one of the values, or a number range
FIT_FIELD_MATCH = {
    FitField.JOB_TITLE: "keywords",
    FitField.SECTOR: "values",
    FitField.SIZE_BAND: "values",
    FitField.COUNTRY: "values",
    FitField.ANNUAL_REVENUE: "range",
}


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
