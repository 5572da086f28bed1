"""The MQL rule of the agreement: fit and engagement, fast tracks, and exclusions that win."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from smarketing.agreement.document import Agreement, ExclusionRules, grade_at_least, grades_from
from smarketing.core.text import search_key

GRADE_ORDER = "ABCD"
EXCLUDED = "excluded: "  # how the MQL verdict of an excluded contact starts

# The MQL verdict as a code (stored with each score's state): out of target, rule not met, met
# by fit and engagement, or met by the fast track at index ``code - FAST_TRACK``.
OUT_OF_TARGET, UNMET, MET, FAST_TRACK = -1, 0, 1, 2


def excluded_reason(verdict: str) -> str:
    """The exclusion a stored MQL verdict names ('' when the contact is not excluded)."""
    return verdict[len(EXCLUDED) :] if verdict.startswith(EXCLUDED) else ""


@dataclass(frozen=True)
class Person:
    """What exclusions look at."""

    email: str
    job_title: str = ""
    account_domain: str = ""
    country: str = ""
    opted_out: bool = False


def at_least(grade: str, minimum: str) -> bool:
    """Whether ``grade`` is ``minimum`` or better (A is best)."""
    return grade_at_least(grade, minimum)


class Exclusions:
    """The agreement's exclusions, prepared once for checking many people."""

    def __init__(self, exclusions: ExclusionRules) -> None:
        self.competitors = {d.casefold() for d in exclusions.competitor_domains}
        self.free_mail = {d.casefold() for d in exclusions.free_mail_domains}
        self.student_words = [search_key(word) for word in exclusions.student_titles]
        self.countries = {c.upper() for c in exclusions.countries_out_of_target}
        self.opted_out = exclusions.opted_out
        self._students: dict[str, bool] = {}

    def is_student(self, job_title: str) -> bool:
        """Whether the title holds one of the student words (remembered per title)."""
        student = self._students.get(job_title)
        if student is None:
            if len(self._students) >= 100_000:
                self._students.clear()
            title = search_key(job_title)
            student = self._students[job_title] = any(w in title for w in self.student_words)
        return student

    def domain_reason(self, email: str, account_domain: str) -> str:
        """The exclusion decided by the e-mail's or the account's domain ('' when none); it
        comes before the others."""
        domain = email.rpartition("@")[2].casefold()
        if domain in self.competitors or account_domain.casefold() in self.competitors:
            return "competitor"
        if domain in self.free_mail:
            return "free-mail address"
        return ""

    def reason(self, person: Person) -> str:
        """Why the person is out of target ('' when not excluded)."""
        return self.reason_of(
            email=person.email,
            job_title=person.job_title,
            account_domain=person.account_domain,
            country=person.country,
            opted_out=person.opted_out,
        )

    def reason_of(
        self, *, email: str, job_title: str, account_domain: str, country: str, opted_out: bool
    ) -> str:
        """:meth:`reason` from the values themselves (no ``Person`` to build)."""
        by_domain = self.domain_reason(email, account_domain)
        if by_domain:
            return by_domain
        if self.is_student(job_title):
            return "student"
        if country.upper() in self.countries:
            return "country out of target"
        if self.opted_out and opted_out:
            return "opted out"
        return ""


def exclusion_reason(person: Person, exclusions: ExclusionRules) -> str:
    """Why the person is out of target ('' when not excluded)."""
    return Exclusions(exclusions).reason(person)


class MqlRule:
    """The agreement's MQL rule and exclusions, prepared once for deciding many contacts."""

    def __init__(self, agreement: Agreement) -> None:
        self.exclusions = Exclusions(agreement.exclusions)
        rule = agreement.mql
        fast_track = rule.fast_track
        # one bit per event type a fast track names, in the agreement's order
        self.fast_types = list(dict.fromkeys(fast.event for fast in fast_track))
        self.fast_track = [
            (fast.event, fast.min_fit, fast_track_reason(fast.event, fast.min_fit))
            for fast in fast_track
        ]
        self.bits = {kind: 1 << i for i, kind in enumerate(self.fast_types)}
        self._fast = [
            (1 << self.fast_types.index(fast.event), grades_from(fast.min_fit))
            for fast in fast_track
        ]
        self.min_fit = rule.min_fit
        self.min_engagement = rule.min_engagement
        self._grades = grades_from(rule.min_fit)
        self.met = met_reason(rule.min_fit, rule.min_engagement)
        self.unmet = "needs " + self.met
        self._reasons = [self.unmet, self.met, *(why for _, _, why in self.fast_track)]

    def seen(self, event_types: Iterable[str]) -> int:
        """The fast-track bits of ``event_types``."""
        return sum(1 << i for i, kind in enumerate(self.fast_types) if kind in event_types)

    def verdict(self, *, grade: str, engagement: float, seen: int, excluded: bool) -> int:
        """The verdict's code (``OUT_OF_TARGET``, ``UNMET``, ``MET`` or a fast track's):
        exclusions win, then the fast tracks in order, then fit and engagement."""
        if excluded:
            return OUT_OF_TARGET
        if seen:
            for index, (bit, grades) in enumerate(self._fast):
                if seen & bit and grade in grades:
                    return FAST_TRACK + index
        if grade in self._grades and engagement >= self.min_engagement:
            return MET
        return UNMET

    def reason(self, verdict: int, excluded: str = "") -> str:
        """The readable reason of a verdict's code (``excluded``: why, when out of target)."""
        return EXCLUDED + excluded if verdict == OUT_OF_TARGET else self._reasons[verdict]

    def evaluate(
        self, *, grade: str, engagement: float, event_types: set[str], person: Person
    ) -> tuple[bool, str]:
        """Return (qualifies, why); exclusions win over points."""
        return self.decide(
            grade=grade,
            engagement=engagement,
            event_types=event_types,
            excluded=self.exclusions.reason(person),
        )

    def decide(
        self, *, grade: str, engagement: float, event_types: set[str], excluded: str
    ) -> tuple[bool, str]:
        """:meth:`evaluate` given the exclusion reason ('' when not excluded)."""
        code = self.verdict(
            grade=grade,
            engagement=engagement,
            seen=self.seen(event_types),
            excluded=bool(excluded),
        )
        return code >= MET, self.reason(code, excluded)


def fast_track_reason(event: str, min_fit: str) -> str:
    """The verdict of a fast track, e.g. ``fast track: demo_requested with fit ≥ C``."""
    return f"fast track: {event} with fit ≥ {min_fit}"


def met_reason(min_fit: str, min_engagement: float) -> str:
    """The verdict of the rule met by fit and engagement, e.g. ``fit ≥ B and engagement ≥ 40``."""
    return f"fit ≥ {min_fit} and engagement ≥ {min_engagement:g}"


def mql_evaluate(
    *,
    grade: str,
    engagement: float,
    event_types: set[str],
    person: Person,
    agreement: Agreement,
) -> tuple[bool, str]:
    """Return (qualifies, why) under the agreement's MQL rule; exclusions win over points."""
    return MqlRule(agreement).evaluate(
        grade=grade, engagement=engagement, event_types=event_types, person=person
    )
