"""A nurturing program's definition: its entry, exits, re-entry and steps, read from YAML and
checked before it may be saved or activated.

    entry: {reasons: [no_project, no_budget]}   # leads rejected with these reasons enter
    exits: [mql, customer, unsubscribed, replied, meeting]
    reentry_days: 90                            # enter again 90 days after leaving (none: never)
    holdout_percent: 10                         # 10 % of entrants held out: the control group
    steps:
      - {key: welcome, email: nurture-welcome}  # send this e-mail template
      - {key: pause, wait_days: 5}              # wait 5 working days
      - {key: clicked, wait_event: email_clicked, max_days: 7, yes: offer, no: check}
      - {key: check, condition: {min_fit: B}, yes: offer, no: end}
      - {key: offer, email: nurture-offer}
      - {key: tell, notify_owner: "Anne read the offer"}
      - {key: back, stage: mql}
      - {key: more, enrol: other-program}
      - {key: end, exit: true}

Each step has one action; it goes on to the next step of the list, or to ``next``; a wait for an
event and a condition go to ``yes`` or ``no`` (the next step when omitted). Refused, with the step
named: unknown actions or targets, a step no path reaches, a loop with no wait in it, an e-mail
template that does not exist or is not a marketing one, an unknown stage, enrolling in itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.utils.translation import gettext as _

from smarketing.contacts.choices import LifecycleStage
from smarketing.core.errors import DomainError
from smarketing.nurturing.errors import NurturingErrorCode

ACTIONS = (
    "email",
    "wait_days",
    "wait_event",
    "condition",
    "notify_owner",
    "stage",
    "enrol",
    "exit",
)
WAITS = ("wait_days", "wait_event")
EXITS = ("mql", "customer", "unsubscribed", "replied", "meeting")
CONDITIONS = ("min_fit", "min_score", "stage", "persona", "event_since_days")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
MAX_STEPS = 100
MAX_DAYS = 365


@dataclass(frozen=True)
class Step:
    """One step: its action and argument, and where it goes next."""

    key: str
    action: str
    value: Any
    next: str | None = None  # None: the end
    yes: str | None = None
    no: str | None = None
    max_days: int = 0


@dataclass(frozen=True)
class ProgramSpec:
    """A checked definition."""

    steps: tuple[Step, ...]
    reasons: tuple[str, ...] = ()
    exits: tuple[str, ...] = EXITS
    reentry_days: int | None = None
    holdout_percent: int = 0
    by_key: dict[str, Step] = field(default_factory=dict, compare=False)

    def step(self, key: str | None) -> Step | None:
        return self.by_key.get(key or "")


class SpecError(DomainError):
    """A definition that cannot be used; ``problems`` lists each one with its step."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        text = "; ".join(f"{step}: {why}" if step else why for step, why in problems)
        super().__init__(text, code=NurturingErrorCode.INVALID_PROGRAM, field="steps")


def _days(value: Any, what: str, problems: list[tuple[str, str]], key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_DAYS:
        problems.append((key, _("%(what)s is a whole number of days, 1 to 365") % {"what": what}))
        return 0
    return value


def _step(raw: Any, index: int, problems: list[tuple[str, str]]) -> Step | None:
    if not isinstance(raw, dict):
        problems.append((f"#{index + 1}", _("a step is a mapping with a key and one action")))
        return None
    # YAML 1.1 reads the bare keys yes and no as booleans
    raw = {
        {True: "yes", False: "no"}.get(k, k) if isinstance(k, bool) else k: v
        for k, v in raw.items()
    }
    key = raw.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        problems.append((f"#{index + 1}", _("a step needs a key (lowercase letters, digits, - _)")))
        return None
    actions = [name for name in ACTIONS if name in raw]
    unknown = set(raw) - {*ACTIONS, "key", "next", "yes", "no", "max_days"}
    if unknown:
        problems.append(
            (key, _("unknown fields: %(f)s") % {"f": ", ".join(sorted(map(str, unknown)))})
        )
    if len(actions) != 1:
        problems.append(
            (key, _("a step has exactly one action among %(a)s") % {"a": ", ".join(ACTIONS)})
        )
        return None
    action, value = actions[0], raw[actions[0]]
    max_days = 0
    if action == "wait_days":
        value = _days(value, "wait_days", problems, key)
    elif action == "wait_event":
        max_days = _days(raw.get("max_days"), "max_days", problems, key)
    elif action == "condition":
        if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in CONDITIONS:
            problems.append((key, _("a condition is one of %(c)s") % {"c": ", ".join(CONDITIONS)}))
    elif action == "stage" and value not in (LifecycleStage.MQL, LifecycleStage.DISQUALIFIED):
        problems.append((key, _("a program moves a lead to mql or disqualified only")))
    elif action in ("email", "enrol", "notify_owner") and (not isinstance(value, str) or not value):
        problems.append((key, _("%(action)s needs a name or a text") % {"action": action}))
    return Step(
        key=key,
        action=action,
        value=value,
        next=raw.get("next"),
        yes=raw.get("yes"),
        no=raw.get("no"),
        max_days=max_days,
    )


def _wire(steps: list[Step]) -> list[Step]:
    """Each step's default next (the following step; the end after an exit)."""
    wired = []
    for index, step in enumerate(steps):
        following = steps[index + 1].key if index + 1 < len(steps) else None
        nxt = None if step.action == "exit" else (step.next or following)
        yes = step.yes or nxt if step.action in ("wait_event", "condition") else None
        no = step.no or nxt if step.action in ("wait_event", "condition") else None
        wired.append(Step(step.key, step.action, step.value, nxt, yes, no, step.max_days))
    return wired


def targets(step: Step) -> list[str]:
    """The steps ``step`` may go to."""
    return [t for t in (step.next, step.yes, step.no) if t]


def _graph_problems(steps: list[Step]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    keys = {s.key: s for s in steps}
    for step in steps:
        for target in targets(step):
            if target not in keys:
                problems.append((step.key, _("goes to “%(t)s”, which is no step") % {"t": target}))
    if problems:
        return problems
    seen, todo = set(), [steps[0].key]
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo += targets(keys[key])
    for step in steps:
        if step.key not in seen:
            problems.append((step.key, _("no path reaches this step")))
    # a loop with no wait in it: the graph without wait steps must have no cycle
    quick = {s.key: targets(s) for s in steps if s.action not in WAITS}
    state: dict[str, int] = {}

    def visit(key: str) -> str | None:
        state[key] = 1
        for target in quick.get(key, []):
            if target not in quick:
                continue
            if state.get(target) == 1:
                return target
            if state.get(target) is None and (found := visit(target)):
                return found
        state[key] = 2
        return None

    for key in quick:
        if state.get(key) is None and (found := visit(key)):
            problems.append((found, _("this step is in a loop with no wait in it")))
            break
    return problems


def spec_parse(
    text: str,
    *,
    template_ok: Callable[[str], bool] | None = None,
    program_key: str = "",
    programs: Collection[str] | None = None,
) -> ProgramSpec:
    """Read and check a definition; :class:`SpecError` lists every problem found. Templates and
    programs named by steps are checked when ``template_ok`` / ``programs`` are given (a saved
    version was checked against them when it was saved)."""
    try:
        raw = yaml.safe_load(text) if len(text) <= 100_000 else None
    except yaml.YAMLError as exc:
        raise SpecError(
            [("", _("not valid YAML: %(e)s") % {"e": str(exc).splitlines()[0]})]
        ) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("steps"), list) or not raw["steps"]:
        raise SpecError([("", _("a program is a mapping with a list of steps (at most 100 kB)"))])
    if len(raw["steps"]) > MAX_STEPS:
        raise SpecError([("", _("a program has at most %(n)d steps") % {"n": MAX_STEPS})])
    problems: list[tuple[str, str]] = []
    parsed = [_step(item, i, problems) for i, item in enumerate(raw["steps"])]
    steps = [s for s in parsed if s is not None]
    keys = [s.key for s in steps]
    for key in {k for k in keys if keys.count(k) > 1}:
        problems.append((key, _("two steps have this key")))
    for step in steps:
        if (
            template_ok is not None
            and step.action == "email"
            and isinstance(step.value, str)
            and not template_ok(step.value)
        ):
            problems.append(
                (step.key, _("no marketing e-mail template is named “%(n)s”") % {"n": step.value})
            )
        if (
            programs is not None
            and step.action == "enrol"
            and (step.value == program_key or step.value not in programs)
        ):
            problems.append(
                (step.key, _("enrols in “%(p)s”, which is no other program") % {"p": step.value})
            )
    entry = raw.get("entry") or {}
    reasons = entry.get("reasons", []) if isinstance(entry, dict) else None
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        problems.append(("", _("entry.reasons is a list of reason codes")))
        reasons = []
    exits = raw.get("exits", list(EXITS))
    if not isinstance(exits, list) or not set(exits) <= set(EXITS):
        problems.append(("", _("exits are among %(e)s") % {"e": ", ".join(EXITS)}))
        exits = list(EXITS)
    reentry = raw.get("reentry_days")
    if reentry is not None:
        reentry = _days(reentry, "reentry_days", problems, "")
    holdout = raw.get("holdout_percent", 0)
    if isinstance(holdout, bool) or not isinstance(holdout, int) or not 0 <= holdout <= 50:
        problems.append(("", _("holdout_percent is a whole number from 0 to 50")))
        holdout = 0
    if steps and len(steps) == len(parsed) and len(set(keys)) == len(keys):
        steps = _wire(steps)
        problems += _graph_problems(steps)
    if problems:
        raise SpecError(problems)
    return ProgramSpec(
        steps=tuple(steps),
        reasons=tuple(reasons),
        exits=tuple(exits),
        reentry_days=reentry,
        holdout_percent=holdout,
        by_key={s.key: s for s in steps},
    )
