"""Turning a "raise" advice into a draft agreement version, noted in its text."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from smarketing.agreement.edit import text_value_set
from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.selectors import active_version, draft_with_text_of
from smarketing.agreement.services import agreement_draft_create
from smarketing.core.errors import DomainError
from smarketing.scorecard.advice import RAISE, Advice, recalibration_advice
from smarketing.scorecard.errors import ScorecardErrorCode
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can

NOTE_MEASURES = {
    "mqls": "MQLs delivered",
    "accepted_in_time_percent": "% answered in time",
    "first_touch_in_time_percent": "% first touch in time",
}


def _note(advice: Advice, today: date) -> str:
    """The comment left in the draft's text, e.g. ``was 60; MQLs delivered 68, 72, 75 in …``."""
    values = ", ".join("-" if v is None else f"{v:.0f}" for _, v in advice.figures)
    first, last = advice.figures[0][0], advice.figures[-1][0]
    return (
        f"scorecard advice of {today.isoformat()}: was {advice.current:g}; "
        f"{NOTE_MEASURES[advice.measure]} {values} in {first:%Y-%m}..{last:%Y-%m}, "
        f"commitment {advice.target:g}"
    )


def recalibration_draft_create(
    *, actor: User, key: str, now: datetime | None = None
) -> AgreementVersion:
    """Draft the active agreement with the value a "raise" advice proposes, noted in the text.

    The same change asked twice gives the draft already made.
    """
    ensure_can(actor, Capability.DRAFT_AGREEMENT)
    when = now or timezone.now()
    advice = next(
        (a for a in recalibration_advice(now=when) if a.kind == RAISE and a.key == key), None
    )
    active = active_version()
    if advice is None or active is None or advice.proposed is None:
        raise DomainError(
            "This advice no longer applies: the figures or the agreement changed.",
            code=ScorecardErrorCode.ADVICE_NOT_FOUND,
            field="key",
        )
    text = text_value_set(
        active.text, advice.steps, advice.proposed, note=_note(advice, timezone.localdate(when))
    )
    draft = draft_with_text_of(text)
    return draft if draft is not None else agreement_draft_create(actor=actor, text=text)
