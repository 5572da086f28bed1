"""The MQL rule of the agreement: fit and engagement, fast tracks, and exclusions that win."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smarketing.core.text import search_key

GRADE_ORDER = "ABCD"


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
    return GRADE_ORDER.index(grade) <= GRADE_ORDER.index(minimum)


def exclusion_reason(person: Person, exclusions: dict[str, Any]) -> str:
    """Why the person is out of target ('' when not excluded)."""
    domain = person.email.rpartition("@")[2].casefold()
    if domain in {d.casefold() for d in exclusions.get("competitor_domains", [])} or (
        person.account_domain.casefold()
        in {d.casefold() for d in exclusions.get("competitor_domains", [])}
    ):
        return "competitor"
    if domain in {d.casefold() for d in exclusions.get("free_mail_domains", [])}:
        return "free-mail address"
    title = search_key(person.job_title)
    if any(search_key(word) in title for word in exclusions.get("student_titles", [])):
        return "student"
    if person.country.upper() in {c.upper() for c in exclusions.get("countries_out_of_target", [])}:
        return "country out of target"
    if exclusions.get("opted_out") and person.opted_out:
        return "opted out"
    return ""


def mql_evaluate(
    *,
    grade: str,
    engagement: float,
    event_types: set[str],
    person: Person,
    document: dict[str, Any],
) -> tuple[bool, str]:
    """Return (qualifies, why) under the agreement's MQL rule; exclusions win over points."""
    excluded = exclusion_reason(person, document.get("exclusions", {}))
    if excluded:
        return False, f"excluded: {excluded}"
    rule = document["mql"]
    for fast in rule.get("fast_track", []):
        if fast["event"] in event_types and at_least(grade, fast["min_fit"]):
            return True, f"fast track: {fast['event']} with fit ≥ {fast['min_fit']}"
    if at_least(grade, rule["min_fit"]) and engagement >= rule["min_engagement"]:
        return True, f"fit ≥ {rule['min_fit']} and engagement ≥ {rule['min_engagement']:g}"
    return False, f"needs fit ≥ {rule['min_fit']} and engagement ≥ {rule['min_engagement']:g}"
