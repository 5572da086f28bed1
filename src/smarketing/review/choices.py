"""The vocabularies of the review: what a decision is, what a recommendation proposes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionKind(models.TextChoices):
    """A recommendation accepted or dismissed, or a decision of the meeting's own."""

    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")
    FREE = "free", _("Decision")


class RecommendationKind(models.TextChoices):
    """What a recommendation proposes (``docs/review.md``, "Recommendations")."""

    RAISE = "raise", _("Raise a commitment")
    BELOW = "below", _("Find the cause of a missed commitment")
    CRITERIA = "criteria", _("Review the criteria of a reject reason")
    CAPACITY = "capacity", _("Change a salesperson's capacity")
    CONTENT = "content", _("Produce requested content")


class ExperimentKind(models.TextChoices):
    """What an experiment changes, and so its control group and its measure."""

    PROGRAM_HOLDOUT = "program_holdout", _("A nurturing program against its held-out contacts")
    AGREEMENT_CHANGE = "agreement_change", _("An agreement version against the time before it")
