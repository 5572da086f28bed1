"""Routing: which salesperson gets an MQL, by the agreement's rules, and why others did not.

Rules are tried in order (the agreement's ``routing.rules``):

- ``account_owner`` — the owner of the lead's account keeps it (named accounts);
- ``territory`` — leads whose account matches the rule's countries, sectors and/or size bands go
  to the rule's team, in turn;
- ``round_robin`` — the rule's team, in turn.

"In turn" means the available member who was assigned a lead the longest ago (never first; then
the lowest id). A rep is unavailable while absent or at capacity (open MQLs ≥ their capacity,
the agreement's ``max_open_mqls`` unless overridden). When no rule finds anyone, the lead waits
in the fallback queue of the last matching rule's team (its manager's), and that wait counts
against sales. Every skipped candidate is recorded with the reason.

The functions here are pure: the caller reads reps and their load from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _

from smarketing.agreement.choices import RoutingKind
from smarketing.agreement.document import Routing, RoutingRule

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Lead:
    """What routing looks at."""

    contact_id: int
    account_owner_id: int | None = None
    country: str = ""
    sector: str = ""
    size_band: str = ""


@dataclass(frozen=True)
class Rep:
    """A salesperson's teams and availability right now."""

    user_id: int
    name: str
    teams: frozenset[str]
    absent: bool = False
    open_mqls: int = 0
    capacity: int | None = None  # None: the agreement's max_open_mqls
    last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """Who gets the lead (None: the team's fallback queue), by which rule, and who was skipped."""

    user_id: int | None
    team: str | None
    rule: str
    skipped: tuple[str, ...] = ()


def _unavailable(rep: Rep, max_open: int | None) -> str:
    if rep.absent:
        return _("%(name)s is absent") % {"name": rep.name}
    capacity = rep.capacity if rep.capacity is not None else max_open
    if capacity is not None and rep.open_mqls >= capacity:
        return _("%(name)s is at capacity (%(open)d/%(capacity)d open MQLs)") % {
            "name": rep.name,
            "open": rep.open_mqls,
            "capacity": capacity,
        }
    return ""


def _matches(lead: Lead, rule: RoutingRule) -> bool:
    for field, values in (
        ("country", rule.countries),
        ("sector", rule.sectors),
        ("size_band", rule.size_bands),
    ):
        if values is not None and getattr(lead, field).casefold() not in {
            str(v).casefold() for v in values
        }:
            return False
    return True


def _in_turn(
    team: str, reps: dict[int, Rep], max_open: int | None, skipped: list[str]
) -> Rep | None:
    members = sorted(
        (r for r in reps.values() if team in r.teams),
        key=lambda r: (
            r.last_assigned_at is not None,
            r.last_assigned_at or NEVER,
            r.user_id,
        ),
    )
    if not members:
        skipped.append(_("team %(team)s has no member") % {"team": team})
    for rep in members:
        why = _unavailable(rep, max_open)
        if not why:
            return rep
        skipped.append(why)
    return None


def route(lead: Lead, reps: dict[int, Rep], routing: Routing) -> Decision:
    """The decision for ``lead`` under the agreement's ``routing`` section."""
    max_open = routing.max_open_mqls
    skipped: list[str] = []
    team: str | None = None
    for rule in routing.rules:
        kind, key = rule.kind, rule.key
        if kind == RoutingKind.ACCOUNT_OWNER:
            owner = reps.get(lead.account_owner_id) if lead.account_owner_id else None
            if owner is None:
                if lead.account_owner_id:
                    skipped.append(_("the account's owner is not in a sales team"))
                continue
            why = _unavailable(owner, max_open)
            if not why:
                return Decision(
                    owner.user_id, next(iter(sorted(owner.teams)), None), key, tuple(skipped)
                )
            skipped.append(why)
            continue
        if kind == RoutingKind.TERRITORY and not _matches(lead, rule):
            continue
        team = rule.team
        if team is None:
            continue
        rep = _in_turn(team, reps, max_open, skipped)
        if rep is not None:
            return Decision(rep.user_id, team, key, tuple(skipped))
    return Decision(None, team, "fallback", tuple(skipped))


def route_preview(
    leads: list[Lead], reps: dict[int, Rep], routing: Routing, now: datetime
) -> list[Decision]:
    """The decisions for ``leads`` one after the other, each counting for the next."""
    state = dict(reps)
    decisions = []
    for index, lead in enumerate(leads):
        decision = route(lead, state, routing)
        decisions.append(decision)
        if decision.user_id is not None:
            rep = state[decision.user_id]
            state[decision.user_id] = replace(
                rep,
                open_mqls=rep.open_mqls + 1,
                last_assigned_at=now + timedelta(microseconds=index),
            )
    return decisions
