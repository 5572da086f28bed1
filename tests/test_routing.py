"""Routing decisions: named accounts, territories, turns, absences, capacity and the fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smarketing.agreement.loading import routing_from
from smarketing.handoff.routing import Decision, Lead, Rep, route, route_preview

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
ROUTING = routing_from(
    {
        "max_open_mqls": 2,
        "rules": [
            {"key": "named", "kind": "account_owner"},
            {"key": "south", "kind": "territory", "team": "south", "countries": ["FR", "ES"]},
            {"key": "rest", "kind": "round_robin", "team": "inside"},
        ],
    }
)


def _reps(**changes: dict) -> dict[int, Rep]:
    reps = {
        1: Rep(1, "Léa", frozenset({"south"}), last_assigned_at=NOW - timedelta(hours=1)),
        2: Rep(2, "Hugo", frozenset({"south"}), last_assigned_at=NOW - timedelta(hours=3)),
        3: Rep(3, "Inès", frozenset({"inside"})),
        4: Rep(4, "Marc", frozenset({"inside"}), last_assigned_at=NOW),
    }
    for user_id, fields in changes.items():
        reps[int(user_id[1:])] = Rep(**{**reps[int(user_id[1:])].__dict__, **fields})
    return reps


def test_the_account_owner_keeps_the_lead() -> None:
    lead = Lead(contact_id=10, account_owner_id=4, country="FR")
    assert route(lead, _reps(), ROUTING) == Decision(4, "inside", "named")


def test_an_absent_owner_falls_through_to_the_territory_in_turn() -> None:
    lead = Lead(contact_id=10, account_owner_id=4, country="fr")
    decision = route(lead, _reps(u4={"absent": True}), ROUTING)
    # Hugo was assigned 3 h ago, Léa 1 h ago: Hugo's turn
    assert decision == Decision(2, "south", "south", ("Marc is absent",))


def test_capacity_and_absence_skip_reps_with_the_reasons() -> None:
    lead = Lead(contact_id=10, country="ES")
    reps = _reps(u2={"open_mqls": 2}, u1={"capacity": 5, "open_mqls": 4})
    assert route(lead, reps, ROUTING) == Decision(
        1, "south", "south", ("Hugo is at capacity (2/2 open MQLs)",)
    )


def test_outside_the_territory_round_robin_never_assigned_first() -> None:
    lead = Lead(contact_id=10, country="DE")
    assert route(lead, _reps(), ROUTING) == Decision(3, "inside", "rest")


def test_nobody_available_waits_in_the_fallback_queue() -> None:
    lead = Lead(contact_id=10, country="DE")
    decision = route(lead, _reps(u3={"absent": True}, u4={"open_mqls": 2}), ROUTING)
    assert decision == Decision(
        None, "inside", "fallback", ("Inès is absent", "Marc is at capacity (2/2 open MQLs)")
    )


def test_preview_of_the_next_leads_takes_turns_and_fills_capacity() -> None:
    leads = [Lead(contact_id=n, country="FR") for n in range(6)]
    reps = _reps(u4={"absent": True})
    decisions = route_preview(leads, reps, ROUTING, NOW)
    # south: Hugo (oldest turn), Léa, Hugo, Léa; then both hold 2 open MQLs and the next rule,
    # the inside team's round robin, takes over: Inès twice, then nobody is left
    assert [d.user_id for d in decisions] == [2, 1, 2, 1, 3, 3]
    assert [d.rule for d in decisions][3:] == ["south", "rest", "rest"]
    assert route_preview([*leads, Lead(contact_id=99)], reps, ROUTING, NOW)[-1].rule == "fallback"
