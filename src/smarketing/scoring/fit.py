"""Fit: how well a contact and its account match the agreement's personas (grade A–D)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from smarketing.agreement.document import Criterion, FitRules, GradeThresholds
from smarketing.core.fitfields import FIT_FIELD_NAMES
from smarketing.core.text import search_key


@dataclass(frozen=True)
class Profile:
    """What fit looks at: the contact's and its account's fields, one attribute per declared
    fit field (``core.fitfields.FIT_FIELDS``), in its order; '' or None when unknown."""

    job_title: str = ""
    sector: str = ""
    size_band: str = ""
    country: str = ""
    annual_revenue: Decimal | None = None


@dataclass(frozen=True)
class Fit:
    """The best persona match: its points, grade and a readable line."""

    points: int
    grade: str
    persona: str
    breakdown: str
    marks: str = ""


def criterion_matches(criterion: Criterion, profile: Profile) -> bool:
    """Whether ``profile`` meets ``criterion`` (words and values compared without case)."""
    value = getattr(profile, criterion.field)
    if criterion.contains_any is not None:
        title = search_key(str(value))
        return any(search_key(word) in title for word in criterion.contains_any)
    if criterion.values is not None:
        return str(value).casefold() in {str(v).casefold() for v in criterion.values}
    if value is None:
        return False
    low, high = criterion.min, criterion.max
    return (low is None or value >= low) and (high is None or value <= high)


def grade_for(points: int, grades: GradeThresholds) -> str:
    """A, B or C when ``points`` reach that threshold, else D."""
    return grades.grade_for(points)


def fit_line(fit: FitRules, persona_key: str, points: int, marks: str) -> str:
    """The readable line of a fit, from the persona and which criteria are met (``marks``)."""
    grade = grade_for(points, fit.grades)
    persona = fit.persona(persona_key)
    if persona is None:
        return f"fit {grade}: no persona defined"
    checks = " ".join(
        f"{criterion.field} {'✔' if mark == '1' else '✘'}"
        for criterion, mark in zip(persona.criteria, marks, strict=False)
    )
    return f"fit {grade} ({persona.name}, {points} pts): {checks}"


def fit_evaluate(profile: Profile, fit: FitRules) -> Fit:
    """Score ``profile`` against every persona and keep the best (first one on a tie)."""
    best: Fit | None = None
    for persona in fit.personas:
        marks = "".join("1" if criterion_matches(c, profile) else "0" for c in persona.criteria)
        weights = [c.weight for c, m in zip(persona.criteria, marks, strict=True) if m == "1"]
        points = min(sum(weights), 100)
        if best is None or points > best.points:
            line = fit_line(fit, persona.key, points, marks)
            best = Fit(points, grade_for(points, fit.grades), persona.key, line, marks)
    return best or Fit(0, "D", "", "fit D: no persona defined")


PROFILE_FIELDS = FIT_FIELD_NAMES  # ``Profile``'s attributes, in order
MEMO_LIMIT = 100_000


class FitMemo:
    """``fit_evaluate`` for many profiles, remembered.

    A fit depends only on which criteria the profile meets, and each criterion looks at one
    field: so each distinct value of a field is matched once, and each combination of matches
    is evaluated once (by ``fit_evaluate`` itself, on the first profile that shows it).
    """

    def __init__(self, fit: FitRules) -> None:
        self.fit = fit
        criteria = [c for persona in fit.personas for c in persona.criteria]
        fields = {c.field for c in criteria}
        self._fields = [
            (PROFILE_FIELDS.index(name), [c for c in criteria if c.field == name])
            for name in PROFILE_FIELDS
            if name in fields
        ]
        self._matches: list[dict[Any, tuple[bool, ...]]] = [{} for _ in self._fields]
        self._fits: dict[tuple[tuple[bool, ...], ...], Fit] = {}

    def evaluate(self, values: tuple[Any, ...]) -> Fit:
        """The fit of a profile given as values in ``PROFILE_FIELDS`` order."""
        key = []
        profile: Profile | None = None
        for (index, criteria), memo in zip(self._fields, self._matches, strict=True):
            value = values[index]
            matches = memo.get(value)
            if matches is None:
                profile = profile or Profile(*values)
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                matches = memo[value] = tuple(criterion_matches(c, profile) for c in criteria)
            key.append(matches)
        signature = tuple(key)
        fit = self._fits.get(signature)
        if fit is None:
            fit = self._fits[signature] = fit_evaluate(profile or Profile(*values), self.fit)
        return fit
