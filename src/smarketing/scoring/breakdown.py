"""The readable explanation of a stored score, rendered when it is read (decayed to then)."""

from __future__ import annotations

from datetime import datetime

from smarketing.scoring.engagement import engagement_breakdown, value_at
from smarketing.scoring.fit import fit_line
from smarketing.scoring.models import ContactScore
from smarketing.scoring.services import state_load


def score_engagement(score: ContactScore, now: datetime) -> float:
    """The engagement of ``score`` decayed to ``now``."""
    state, _ = state_load(score)
    half_life = float(score.version.document["engagement"]["half_life_days"])
    return value_at(state, now.timestamp(), half_life)


def score_breakdown(score: ContactScore, now: datetime) -> list[str]:
    """Lines such as ``fit B (…): sector ✔ size ✘``, ``engagement 37.5: +15 pricing ×3 (capped)``
    and the MQL rule's verdict, with the version that produced them."""
    document = score.version.document
    state, _ = state_load(score)
    return [
        fit_line(document["fit"], score.persona, score.fit_points, score.fit_marks),
        engagement_breakdown(state, document["engagement"], now.timestamp()),
        f"MQL rule v{score.version.number}: {score.reason}",
    ]
