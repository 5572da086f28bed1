"""Vocabularies of nurturing."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecycleCause(models.TextChoices):
    """Why a contact went back to nurturing."""

    REJECTED = "rejected", _("Rejected by sales")
    RETURNED = "returned", _("Returned by sales after acceptance")
    DEAL_LOST = "deal_lost", _("Deal lost")
    IMPORTED = "imported", _("Imported history")
    MANUAL = "manual", _("Moved by a person")
    OTHER = "other", _("Other")


class ProgramStatus(models.TextChoices):
    """Whether a program enrols and runs."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")


class EnrolmentStatus(models.TextChoices):
    """Where a contact stands in a program."""

    ACTIVE = "active", _("In the program")
    CONVERTED = "converted", _("Converted")
    LEFT = "left", _("Left")
    DONE = "done", _("Went through")
    HOLDOUT = "holdout", _("Held out (the control group)")


class EnrolmentSource(models.TextChoices):
    """How a contact entered a program."""

    DISPOSITION = "disposition", _("Rejected with a reason the program takes")
    MANUAL = "manual", _("By hand")
    PROGRAM = "program", _("From another program")
