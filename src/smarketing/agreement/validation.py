"""Parse and check an agreement written in YAML; every problem names its line and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from smarketing.agreement import guards, schema
from smarketing.agreement.choices import GRADES
from smarketing.agreement.errors import AgreementErrorCode
from smarketing.agreement.schema import Spec
from smarketing.core.errors import DomainError

LABELS = schema.LABEL_FIELDS


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the document."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


class AgreementValidationError(DomainError):
    """The document cannot be used; ``problems`` lists every reason."""

    code = AgreementErrorCode.INVALID_AGREEMENT

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__("; ".join(str(p) for p in problems), field=first.field)


def _order(problem: Problem) -> tuple[int, str]:
    return problem.line, problem.field


def _plain(node: yaml.Node) -> Any:
    """The Python value of a YAML node (scalars typed as YAML 1.1 safe-loads them)."""
    return yaml.safe_load(yaml.serialize(node))


class Checker:
    """Walks the YAML node tree with the schema, collecting problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, node: yaml.Node, path: str, message: str) -> None:
        self.problems.append(Problem(node.start_mark.line + 1, path, message))

    def mapping(self, node: yaml.Node, path: str, spec: Spec) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, path, "must be a mapping of fields")
            return {}
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            where = f"{path}.{key}" if path else key
            if key not in spec.fields:
                allowed = ", ".join(spec.fields)
                self.fail(key_node, where, f"unknown field (allowed: {allowed})")
                continue
            if key in found:
                self.fail(key_node, where, "appears twice")
                continue
            expected, _ = spec.fields[key]
            value = _plain(value_node)
            if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
                self.fail(value_node, where, f"must be {_type_name(expected)}")
                continue
            if key in schema.TEXT_LISTS and not self.texts(value_node, where):
                continue
            for language, message in schema.label_problems(value) if key in LABELS else ():
                self.fail(value_node, f"{where}{language}", message)
            found[key] = value_node
        for key, (_, required) in spec.fields.items():
            if (
                required
                and key not in found
                and not any(p.field == (f"{path}.{key}" if path else key) for p in self.problems)
            ):
                self.fail(node, f"{path}.{key}" if path else key, "is required")
        return found

    def texts(self, node: yaml.Node, path: str) -> bool:
        """Whether every item of a list of words is text (``NO``, ``yes`` or ``2024`` unquoted
        are not: YAML reads them as false, true and a number)."""
        fine = True
        for index, item in enumerate(self.items(node)):
            if not isinstance(_plain(item), str):
                self.fail(item, f"{path}[{index}]", "must be text (put it in quotes)")
                fine = False
        return fine

    def items(self, node: yaml.Node) -> list[yaml.Node]:
        return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _type_name(expected: Any) -> str:
    names = {
        str: "text",
        int: "a whole number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
        bool: "true or false",
    }
    if expected == schema.LABEL:
        return "text or a mapping language → text (e.g. {en: Hot lead, fr: Lead chaud})"
    if isinstance(expected, tuple):
        return "a number"
    return names.get(expected, str(expected))


def agreement_parse(text: str) -> dict[str, Any]:
    """Return the document of a YAML agreement, or raise :class:`AgreementValidationError`."""
    limits = guards.text_problems(text)
    if limits:
        raise AgreementValidationError([Problem(*p) for p in limits])
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise AgreementValidationError(
            [Problem(line, "(document)", f"not valid YAML: {exc}")]
        ) from exc
    if root is None:
        raise AgreementValidationError([Problem(1, "(document)", "the document is empty")])
    limits = guards.value_problems(root)
    if limits:
        raise AgreementValidationError(sorted((Problem(*p) for p in limits), key=_order))
    check = Checker()
    top = check.mapping(root, "", schema.DOCUMENT)
    if "fit" in top:
        _fit(check, top["fit"])
    if "engagement" in top:
        _engagement(check, top["engagement"])
    if "mql" in top:
        _mql(check, top["mql"])
    if "exclusions" in top:
        check.mapping(top["exclusions"], "exclusions", schema.EXCLUSIONS)
    _terms(check, top, _persona_keys(top))
    if check.problems:
        raise AgreementValidationError(sorted(check.problems, key=_order))
    return dict(_plain(root))


def _fit(check: Checker, node: yaml.Node) -> None:
    fit = check.mapping(node, "fit", schema.FIT)
    if "grades" in fit:
        grades = _plain(fit["grades"])
        if set(grades) != {"A", "B", "C"}:
            check.fail(fit["grades"], "fit.grades", "must give the thresholds of A, B and C")
        elif not all(isinstance(v, int | float) and 0 <= v <= 100 for v in grades.values()):
            check.fail(fit["grades"], "fit.grades", "thresholds must be numbers from 0 to 100")
        elif not grades["A"] > grades["B"] > grades["C"]:
            check.fail(fit["grades"], "fit.grades", "thresholds must decrease: A > B > C")
    keys: set[str] = set()
    for index, persona_node in enumerate(check.items(fit.get("personas", yaml.ScalarNode("", "")))):
        path = f"fit.personas[{index}]"
        persona = check.mapping(persona_node, path, schema.PERSONA)
        if "key" in persona:
            key = str(_plain(persona["key"]))
            if key in keys:
                check.fail(persona["key"], f"{path}.key", f"the key {key!r} is used twice")
            keys.add(key)
        for number, criterion in enumerate(
            check.items(persona.get("criteria", yaml.ScalarNode("", "")))
        ):
            _criterion(check, criterion, f"{path}.criteria[{number}]")


def _criterion(check: Checker, node: yaml.Node, path: str) -> None:
    criterion = check.mapping(node, path, schema.CRITERION)
    if "field" in criterion:
        name = _plain(criterion["field"])
        kind = schema.FIT_FIELDS.get(name)
        if kind is None:
            check.fail(
                criterion["field"],
                f"{path}.field",
                f"unknown field {name!r} (allowed: {', '.join(schema.FIT_FIELDS)})",
            )
        elif kind == "keywords" and "contains_any" not in criterion:
            check.fail(node, f"{path}.contains_any", f"{name} is matched with contains_any")
        elif kind == "values" and "in" not in criterion:
            check.fail(node, f"{path}.in", f"{name} is matched with in")
        elif kind == "range" and "min" not in criterion and "max" not in criterion:
            check.fail(node, f"{path}.min", f"{name} is matched with min and/or max")
    if "weight" in criterion and not 0 <= _plain(criterion["weight"]) <= 100:
        check.fail(criterion["weight"], f"{path}.weight", "must be between 0 and 100")


def _engagement(check: Checker, node: yaml.Node) -> None:
    engagement = check.mapping(node, "engagement", schema.ENGAGEMENT)
    if "half_life_days" in engagement and not _plain(engagement["half_life_days"]) > 0:
        check.fail(engagement["half_life_days"], "engagement.half_life_days", "must be above 0")
    keys: set[str] = set()
    for index, rule_node in enumerate(
        check.items(engagement.get("rules", yaml.ScalarNode("", "")))
    ):
        path = f"engagement.rules[{index}]"
        rule = check.mapping(rule_node, path, schema.RULE)
        if "key" in rule:
            key = _plain(rule["key"])
            if key in keys:
                check.fail(rule["key"], f"{path}.key", f"the key {key!r} is used twice")
            keys.add(key)
        if "event" in rule and _plain(rule["event"]) not in schema.EVENT_TYPES:
            check.fail(
                rule["event"],
                f"{path}.event",
                f"unknown event type (allowed: {', '.join(schema.EVENT_TYPES)})",
            )
        if "points" in rule and not -100 <= _plain(rule["points"]) <= 100:
            check.fail(rule["points"], f"{path}.points", "must be between -100 and 100")
        if "cap" in rule:
            cap = check.mapping(rule["cap"], f"{path}.cap", schema.CAP)
            for name, cap_node in cap.items():
                if _plain(cap_node) < 1:
                    check.fail(cap_node, f"{path}.cap.{name}", "must be at least 1")


def _mql(check: Checker, node: yaml.Node) -> None:
    mql = check.mapping(node, "mql", schema.MQL)
    if "min_fit" in mql and _plain(mql["min_fit"]) not in GRADES:
        check.fail(mql["min_fit"], "mql.min_fit", "must be A, B, C or D")
    if "min_engagement" in mql and _plain(mql["min_engagement"]) < 0:
        check.fail(mql["min_engagement"], "mql.min_engagement", "cannot be negative")
    for index, item in enumerate(check.items(mql.get("fast_track", yaml.ScalarNode("", "")))):
        path = f"mql.fast_track[{index}]"
        fast = check.mapping(item, path, schema.FAST_TRACK)
        if "event" in fast and _plain(fast["event"]) not in schema.EVENT_TYPES:
            check.fail(fast["event"], f"{path}.event", "unknown event type")
        if "min_fit" in fast and _plain(fast["min_fit"]) not in GRADES:
            check.fail(fast["min_fit"], f"{path}.min_fit", "must be A, B, C or D")


def _persona_keys(top: dict[str, yaml.Node]) -> set[Any]:
    """The persona keys of ``fit`` (empty when fit is missing or malformed)."""
    fit = _plain(top["fit"]) if "fit" in top else None
    personas = fit.get("personas") if isinstance(fit, dict) else None
    return {p.get("key") for p in personas or [] if isinstance(p, dict)}


def _keyed(
    check: Checker, node: yaml.Node, path: str, spec: Spec, key: str
) -> list[dict[str, yaml.Node]]:
    """The mappings of a list, each checked, their ``key`` field unique."""
    seen: set[str] = set()
    items = []
    for index, item in enumerate(check.items(node)):
        where = f"{path}[{index}]"
        fields = check.mapping(item, where, spec)
        if key in fields:
            value = str(_plain(fields[key]))
            if value in seen:
                check.fail(fields[key], f"{where}.{key}", f"the {key} {value!r} is used twice")
            seen.add(value)
        items.append({"": item, **{f"{where}.{k}": v for k, v in fields.items()}})
    return items


def _number(
    check: Checker, fields: dict[str, yaml.Node], name: str, low: float, high: float
) -> None:
    """Check that the field ending in ``.name`` lies in [low, high]."""
    for path, node in fields.items():
        if path.endswith(f".{name}") and not low <= _plain(node) <= high:
            check.fail(node, path, f"must be between {low:g} and {high:g}")


def _escalation(check: Checker, node: yaml.Node) -> None:
    """The ladder of an overdue answer: steps at rising shares of the allowed time."""
    previous = 0
    for index, item in enumerate(check.items(node)):
        where = f"sla.escalation[{index}]"
        fields = check.mapping(item, where, schema.ESCALATION_STEP)
        if "action" in fields and _plain(fields["action"]) not in schema.ESCALATION_ACTIONS:
            check.fail(
                fields["action"],
                f"{where}.action",
                f"must be one of {', '.join(schema.ESCALATION_ACTIONS)}",
            )
        if "at_percent" in fields:
            at = _plain(fields["at_percent"])
            _number(check, {f"{where}.at_percent": fields["at_percent"]}, "at_percent", 1, 1000)
            if isinstance(at, int) and at <= previous:
                check.fail(
                    fields["at_percent"], f"{where}.at_percent", "must rise from step to step"
                )
            previous = at if isinstance(at, int) else previous


def _terms(check: Checker, top: dict[str, yaml.Node], personas: set[Any]) -> None:
    """Routing, SLA terms, quotas, reason codes and recalibration (all optional)."""
    if "reasons" in top:
        for fields in _keyed(check, top["reasons"], "reasons", schema.REASON, "code"):
            for path, node in fields.items():
                if path.endswith(".disposition") and _plain(node) not in schema.DISPOSITIONS:
                    check.fail(node, path, f"must be one of {', '.join(schema.DISPOSITIONS)}")
    if "sla" in top:
        sla = check.mapping(top["sla"], "sla", schema.SLA)
        if "at_risk_percent" in sla:
            _number(
                check, {"sla.at_risk_percent": sla["at_risk_percent"]}, "at_risk_percent", 1, 99
            )
        if "escalation" in sla:
            _escalation(check, sla["escalation"])
        if "targets" in sla:
            targets = check.mapping(sla["targets"], "sla.targets", schema.SLA_TARGETS)
            for name, node in targets.items():
                _number(check, {f"sla.targets.{name}": node}, name, 0, 100)
        if "terms" in sla:
            terms = _keyed(check, sla["terms"], "sla.terms", schema.SLA_TERM, "key")
            for fields in terms:
                _number(check, fields, "accept_hours", 0.25, 720)
                _number(check, fields, "first_touch_hours", 0.25, 720)
                _number(check, fields, "follow_ups", 0, 20)
                _number(check, fields, "follow_up_days", 1, 90)
                for path, node in fields.items():
                    if path.endswith(".min_fit") and _plain(node) not in GRADES:
                        check.fail(node, path, "must be A, B, C or D")
                    if path.endswith(".persona") and _plain(node) not in personas:
                        check.fail(node, path, "is not a persona of fit.personas")
            if terms:
                last = terms[-1]
                if any(p.endswith((".min_fit", ".persona")) for p in last):
                    check.fail(
                        last[""],
                        "sla.terms",
                        "the last term must apply to every lead (no min_fit or persona)",
                    )
    if "quotas" in top:
        for index, item in enumerate(check.items(top["quotas"])):
            fields = check.mapping(item, f"quotas[{index}]", schema.QUOTA)
            if "mqls_per_month" in fields and _plain(fields["mqls_per_month"]) < 0:
                check.fail(
                    fields["mqls_per_month"],
                    f"quotas[{index}].mqls_per_month",
                    "cannot be negative",
                )
            if "persona" in fields and _plain(fields["persona"]) not in personas:
                check.fail(
                    fields["persona"],
                    f"quotas[{index}].persona",
                    "is not a persona of fit.personas",
                )
    if "recalibration" in top:
        fields = check.mapping(top["recalibration"], "recalibration", schema.RECALIBRATION)
        _number(check, {f"recalibration.{k}": v for k, v in fields.items()}, "months", 1, 12)
    if "routing" in top:
        routing = check.mapping(top["routing"], "routing", schema.ROUTING)
        if "max_open_mqls" in routing:
            _number(
                check,
                {"routing.max_open_mqls": routing["max_open_mqls"]},
                "max_open_mqls",
                1,
                10_000,
            )
        for fields in _keyed(
            check,
            routing.get("rules", yaml.ScalarNode("", "")),
            "routing.rules",
            schema.ROUTING_RULE,
            "key",
        ):
            kind = next((_plain(v) for p, v in fields.items() if p.endswith(".kind")), None)
            where = next((p.rsplit(".", 1)[0] for p in fields if p), "routing.rules")
            if kind is not None and kind not in schema.ROUTING_KINDS:
                check.fail(
                    fields[f"{where}.kind"],
                    f"{where}.kind",
                    f"must be one of {', '.join(schema.ROUTING_KINDS)}",
                )
            needs_team = kind in ("territory", "round_robin")
            if needs_team and f"{where}.team" not in fields:
                check.fail(fields[""], f"{where}.team", f"a {kind} rule names its team")
            filters = {f"{where}.countries", f"{where}.sectors", f"{where}.size_bands"}
            if kind == "territory" and not filters & set(fields):
                check.fail(
                    fields[""],
                    f"{where}.countries",
                    "a territory names countries, sectors or size bands",
                )
