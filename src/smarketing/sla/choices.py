"""The vocabularies of SLA clocks: which commitment a clock measures, and where it stands."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClockKind(models.TextChoices):
    """What sales committed to do about a hand-off."""

    ACCEPT = "accept", _("Answer (accept or reject)")
    FIRST_TOUCH = "first_touch", _("First touch")
    FOLLOW_UP = "follow_up", _("Follow-ups")


class ClockState(models.TextChoices):
    """Where a clock stands. A clock stopped after its deadline stays ``breached``; one whose
    holder passed the lead on before its deadline is ``handed_on`` (nobody's breach)."""

    RUNNING = "running", _("Running")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")
    HANDED_ON = "handed_on", _("Handed on")
