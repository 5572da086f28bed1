"""Building the typed agreement (``document.py``) from a document ``agreement_parse`` checked.

Each section has its builder (``fit_from``, ``routing_from``…), which tests and tools may use on
their own; :func:`agreement_from_document` builds them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import orjson

from smarketing.agreement.choices import Disposition, EscalationAction, RoutingKind
from smarketing.agreement.document import (
    DEFAULT_LADDER,
    Agreement,
    Cap,
    Criterion,
    Engagement,
    EngagementRule,
    EscalationStep,
    ExclusionRules,
    FastTrack,
    FitRules,
    GradeThresholds,
    MqlThreshold,
    Persona,
    Quota,
    Reason,
    Routing,
    RoutingRule,
    Sla,
    SlaTargets,
    SlaTerm,
)


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def _optional(values: Any) -> tuple[str, ...] | None:
    return None if values is None else _texts(values)


def _labels(value: Any) -> tuple[str, Mapping[str, str]]:
    """A label written as text or as a mapping language → text: the default (English, else
    the first language written) and every language (none for plain text)."""
    if isinstance(value, Mapping):
        labels = {str(k).lower().replace("_", "-"): str(v) for k, v in value.items()}
        return labels.get("en", next(iter(labels.values()), "")), MappingProxyType(labels)
    return ("" if value is None else str(value)), MappingProxyType({})


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _criterion(raw: Mapping[str, Any]) -> Criterion:
    return Criterion(
        field=raw["field"],
        weight=int(raw["weight"]),
        contains_any=_optional(raw.get("contains_any")),
        values=None if raw.get("in") is None else tuple(raw["in"]),
        min=_number(raw.get("min")),
        max=_number(raw.get("max")),
    )


def _rule(raw: Mapping[str, Any]) -> EngagementRule:
    cap = raw.get("cap")
    return EngagementRule(
        key=str(raw["key"]),
        event=str(raw["event"]),
        points=float(raw["points"]),
        where=MappingProxyType(dict(raw.get("where") or {})),
        cap=Cap(int(cap["count"]), int(cap["per_days"])) if cap else None,
    )


def routing_from(raw: Mapping[str, Any] | None) -> Routing | None:
    """The typed ``routing`` section of a checked document (None when it has none)."""
    if not raw:
        return None
    rules = tuple(
        RoutingRule(
            key=str(r["key"]),
            kind=RoutingKind(r["kind"]),
            team=None if r.get("team") is None else str(r["team"]),
            countries=_optional(r.get("countries")),
            sectors=_optional(r.get("sectors")),
            size_bands=_optional(r.get("size_bands")),
            label=_labels(r.get("label"))[0],
            labels=_labels(r.get("label"))[1],
        )
        for r in raw.get("rules") or ()
    )
    limit = raw.get("max_open_mqls")
    return Routing(rules=rules, max_open_mqls=None if limit is None else int(limit))


def sla_from(raw: Mapping[str, Any] | None) -> Sla:
    """The typed ``sla`` section of a checked document (its defaults when it has none)."""
    raw = raw or {}
    terms = tuple(
        SlaTerm(
            key=str(t["key"]),
            accept_hours=float(t["accept_hours"]),
            first_touch_hours=float(t["first_touch_hours"]),
            follow_ups=int(t["follow_ups"]),
            follow_up_days=int(t["follow_up_days"]),
            min_fit=t.get("min_fit"),
            persona=t.get("persona"),
            label=_labels(t.get("label"))[0],
            labels=_labels(t.get("label"))[1],
        )
        for t in raw.get("terms") or ()
    )
    ladder = tuple(
        EscalationStep(int(s["at_percent"]), EscalationAction(s["action"]))
        for s in raw.get("escalation") or ()
    )
    targets = SlaTargets(**{k: float(v) for k, v in (raw.get("targets") or {}).items()})
    return Sla(
        terms=terms,
        at_risk_percent=float(raw.get("at_risk_percent", 75)),
        escalation=ladder or DEFAULT_LADDER,
        targets=targets,
    )


def fit_from(raw: Mapping[str, Any]) -> FitRules:
    """The typed ``fit`` section of a checked document."""
    grades = raw["grades"]
    return FitRules(
        grades=GradeThresholds(float(grades["A"]), float(grades["B"]), float(grades["C"])),
        personas=tuple(
            Persona(
                key=str(p["key"]),
                name=_labels(p["name"])[0],
                criteria=tuple(_criterion(c) for c in p["criteria"]),
                labels=_labels(p["name"])[1],
            )
            for p in raw["personas"]
        ),
    )


def engagement_from(raw: Mapping[str, Any]) -> Engagement:
    """The typed ``engagement`` section of a checked document."""
    return Engagement(
        half_life_days=float(raw["half_life_days"]),
        rules=tuple(_rule(r) for r in raw["rules"]),
    )


def mql_from(raw: Mapping[str, Any]) -> MqlThreshold:
    """The typed ``mql`` section of a checked document."""
    return MqlThreshold(
        min_fit=str(raw["min_fit"]),
        min_engagement=float(raw["min_engagement"]),
        fast_track=tuple(
            FastTrack(str(f["event"]), str(f["min_fit"])) for f in raw.get("fast_track") or ()
        ),
    )


def exclusions_from(raw: Mapping[str, Any] | None) -> ExclusionRules:
    """The typed ``exclusions`` section of a checked document (none: nobody is excluded)."""
    raw = raw or {}
    return ExclusionRules(
        competitor_domains=_texts(raw.get("competitor_domains")),
        free_mail_domains=_texts(raw.get("free_mail_domains")),
        student_titles=_texts(raw.get("student_titles")),
        countries_out_of_target=_texts(raw.get("countries_out_of_target")),
        opted_out=bool(raw.get("opted_out")),
    )


def _reason(raw: Mapping[str, Any]) -> Reason:
    label, labels = _labels(raw["label"])
    return Reason(str(raw["code"]), label, Disposition(raw["disposition"]), labels=labels)


def agreement_from_document(document: Mapping[str, Any]) -> Agreement:
    """The typed agreement of a checked document (``agreement_parse``'s result)."""
    return Agreement(
        name=str(document["name"]),
        fit=fit_from(document["fit"]),
        engagement=engagement_from(document["engagement"]),
        mql=mql_from(document["mql"]),
        exclusions=exclusions_from(document.get("exclusions")),
        routing=routing_from(document.get("routing")),
        sla=sla_from(document.get("sla")),
        quotas=tuple(
            Quota(str(q.get("persona", "")), int(q["mqls_per_month"]))
            for q in document.get("quotas") or ()
        ),
        reasons=tuple(_reason(r) for r in document.get("reasons") or ()),
        recalibration_months=int((document.get("recalibration") or {}).get("months", 3)),
        extensions=MappingProxyType(dict(document.get("extensions") or {})),
        fingerprint=hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest(),
    )
