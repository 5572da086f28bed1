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
