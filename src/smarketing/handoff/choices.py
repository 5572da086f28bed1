"""The vocabularies of hand-offs: where one stands, and what happened to it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HandoffStatus(models.TextChoices):
    """Where a hand-off stands."""

    OPEN = "open", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class HandoffStepKind(models.TextChoices):
    """Something that happened to a hand-off, as its history lists it."""

    ASSIGNED = "assigned", _("Assigned")
    QUEUED = "queued", _("Waiting in the manager's queue")
    REASSIGNED = "reassigned", _("Reassigned")
    ESCALATED = "escalated", _("Escalated")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
