"""The readable explanation of a stored score, rendered when it is read (decayed to then).

The engagement is the score's state row decayed to the moment; the hit and capped counts per
rule are counted from the contact's events scored so far (the state row keeps only what the
next event needs, ADR 0012).
"""

from __future__ import annotations

from datetime import datetime

from smarketing.scoring.batch import Hot, histories, hot_rows
from smarketing.scoring.engagement import EngagementState, decay, engagement_breakdown
from smarketing.scoring.fit import fit_line
from smarketing.scoring.folding import explained
from smarketing.scoring.models import ContactScore, ScoringCursor
from smarketing.scoring.prepared import scorer_for


def score_hot(score: ContactScore) -> Hot | None:
    """The state row of ``score`` (None if missing)."""
    return hot_rows([score.contact_id], version_id=score.version_id).get(score.contact_id)


def score_engagement(score: ContactScore, now: datetime, hot: Hot | None = None) -> float:
    """The engagement of ``score`` decayed to ``now`` (``hot``: its state row, if read)."""
    hot = hot or score_hot(score)
    if hot is None:
        return score.engagement
    half_life = score.version.agreement.engagement.half_life_days
    return decay(hot.value, now.timestamp() - hot.at, half_life)


def score_counts(score: ContactScore) -> EngagementState:
    """The engagement of the contact's events scored so far (up to the consumer's cursor), with
    the hit and capped counts per rule of ``score``'s version."""
    scored_up_to = ScoringCursor.objects.filter(name="events").values_list(
        "last_event_id", flat=True
    )
    history = histories([score.contact_id], up_to=scored_up_to.first() or 0)
    return explained(history.get(score.contact_id, ()), scorer_for(score.version.agreement))


def score_breakdown(score: ContactScore, now: datetime, hot: Hot | None = None) -> list[str]:
    """Lines such as ``fit B (…): sector ✔ size ✘``, ``engagement 37.5: +15 pricing ×3 (capped)``
    and the MQL rule's verdict, with the version that produced them (``hot``: the score's
    state row, if read)."""
    agreement = score.version.agreement
    state = score_counts(score)
    hot = hot or score_hot(score)
    if hot is not None:  # the value scored, which the cap windows it dropped may not refold
        state.value, state.at = hot.value, hot.at
    return [
        fit_line(agreement.fit, score.persona, score.fit_points, score.fit_marks),
        engagement_breakdown(state, agreement.engagement, now.timestamp()),
        f"MQL rule v{score.version.number}: {score.reason}",
    ]
