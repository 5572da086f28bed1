"""The shape of the agreement document: every field, its type and its allowed values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from smarketing.agreement.choices import (
    FIT_FIELD_MATCH,
    Disposition,
    EscalationAction,
    RoutingKind,
)
from smarketing.tracking.choices import EventType

FIT_FIELDS = {str(name): match for name, match in FIT_FIELD_MATCH.items()}
EVENT_TYPES = tuple(EventType.values)  # one definition: the events tracking records


# the list fields whose items are words (matched as text): never numbers, booleans or lists
TEXT_LISTS = frozenset(
    {
        "contains_any",
        "in",
        "competitor_domains",
        "free_mail_domains",
        "student_titles",
        "countries_out_of_target",
        "countries",
        "sectors",
        "size_bands",
    }
)


# a label: text, or a mapping language → text ({en: Hot lead, fr: Lead chaud})
LABEL = (str, dict)
LABEL_FIELDS = frozenset({"name", "label"})
LANGUAGE = re.compile(r"[a-z]{2,3}([-_][a-z0-9]{2,8})?", re.IGNORECASE)


def label_problems(value: Any) -> list[tuple[str, str]]:
    """What is wrong with a label given as a mapping: (the language at fault, the message)."""
    if not isinstance(value, dict):
        return []
    if not value:
        return [("", "gives no language: write text, or e.g. {en: Hot lead, fr: Lead chaud}")]
    problems = []
    for language, text in value.items():
        if not isinstance(language, str) or not LANGUAGE.fullmatch(language):
            problems.append(
                (f".{language}", f"{language!r} is not a language code (such as en, fr, fr-CA)")
            )
        elif not isinstance(text, str) or not text.strip():
            problems.append((f".{language}", "must be text, not empty (put it in quotes)"))
    return problems


@dataclass(frozen=True)
class Spec:
    """What a mapping may hold: field → (type, required)."""

    fields: dict[str, tuple[Any, bool]]


CRITERION = Spec(
    {
        "field": (str, True),
        "contains_any": (list, False),
        "in": (list, False),
        "min": ((int, float), False),
        "max": ((int, float), False),
        "weight": (int, True),
    }
)
PERSONA = Spec({"key": (str, True), "name": (LABEL, True), "criteria": (list, True)})
FIT = Spec({"grades": (dict, True), "personas": (list, True)})
CAP = Spec({"count": (int, True), "per_days": (int, True)})
RULE = Spec(
    {
        "key": (str, True),
        "event": (str, True),
        "where": (dict, False),
        "points": ((int, float), True),
        "cap": (dict, False),
    }
)
ENGAGEMENT = Spec({"half_life_days": ((int, float), True), "rules": (list, True)})
FAST_TRACK = Spec({"event": (str, True), "min_fit": (str, True)})
MQL = Spec(
    {"min_fit": (str, True), "min_engagement": ((int, float), True), "fast_track": (list, False)}
)
EXCLUSIONS = Spec(
    {
        "competitor_domains": (list, False),
        "free_mail_domains": (list, False),
        "student_titles": (list, False),
        "countries_out_of_target": (list, False),
        "opted_out": (bool, False),
    }
)
DISPOSITIONS = tuple(Disposition.values)
REASON = Spec({"code": (str, True), "label": (LABEL, True), "disposition": (str, True)})
SLA_TERM = Spec(
    {
        "key": (str, True),
        "label": (LABEL, False),
        "min_fit": (str, False),
        "persona": (str, False),
        "accept_hours": ((int, float), True),
        "first_touch_hours": ((int, float), True),
        "follow_ups": (int, True),
        "follow_up_days": (int, True),
    }
)
SLA_TARGETS = Spec(
    {
        "accepted_in_time_percent": ((int, float), False),
        "first_touch_in_time_percent": ((int, float), False),
    }
)
SLA = Spec(
    {
        "terms": (list, True),
        "at_risk_percent": (int, False),
        "escalation": (list, False),
        "targets": (dict, False),
    }
)
ESCALATION_ACTIONS = tuple(EscalationAction.values)
ESCALATION_STEP = Spec({"at_percent": (int, True), "action": (str, True)})
QUOTA = Spec({"persona": (str, False), "mqls_per_month": (int, True)})
RECALIBRATION = Spec({"months": (int, True)})
ROUTING_KINDS = tuple(RoutingKind.values)
ROUTING_RULE = Spec(
    {
        "key": (str, True),
        "label": (LABEL, False),
        "kind": (str, True),
        "team": (str, False),
        "countries": (list, False),
        "sectors": (list, False),
        "size_bands": (list, False),
    }
)
ROUTING = Spec({"rules": (list, True), "max_open_mqls": (int, False)})
DOCUMENT = Spec(
    {
        "name": (str, True),
        "fit": (dict, True),
        "engagement": (dict, True),
        "mql": (dict, True),
        "exclusions": (dict, False),
        "routing": (dict, False),
        "sla": (dict, False),
        "quotas": (list, False),
        "reasons": (list, False),
        "recalibration": (dict, False),
        "extensions": (dict, False),
    }
)
