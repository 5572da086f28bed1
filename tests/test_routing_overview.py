"""The routing page: rules with who can take a lead now, warnings, the next leads, calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from smarketing.agreement.loading import agreement_from_document
from smarketing.agreement.services import (
    agreement_draft_create,
)
from smarketing.agreement.validation import agreement_parse
from smarketing.contacts.services import account_create, contact_create, contact_stage_change
from smarketing.handoff.calendars import calendar_overview
from smarketing.handoff.models import Absence, Handoff, Team
from smarketing.handoff.routing_overview import (
    routing_overview,
    routing_preview_next,
    routing_warnings,
)
from tests.factories import agreement_signed

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
ROUTING = """
routing:
  max_open_mqls: 5
  rules:
    - {key: named, kind: account_owner}
    - {key: big, kind: territory, team: enterprise, size_bands: ["1001-5000", "5000+"]}
    - {key: default, kind: round_robin, team: inside}
sla:
  terms:
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 3, follow_up_days: 10}
"""
# Tuesday 24 November 2026, 17:00 in Paris
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def _activate(text: str, marketing, manager):
    return agreement_signed(text, marketing, manager)


@pytest.fixture
def world(make_user):
    marketing = make_user("marketing_manager")
    manager = make_user("sales_manager", first_name="Sophie", last_name="Martin")
    _activate(YAML + ROUTING, marketing, manager)
    lea = make_user("sales_rep", first_name="Léa", last_name="Roux", manager=manager)
    hugo = make_user("sales_rep", first_name="Hugo", last_name="Blanc", manager=manager)
    marc = make_user("sales_rep", first_name="Marc", last_name="Petit", manager=manager)
    inside = Team.objects.create(key="inside", name="Inside", manager=manager, country="FR")
    inside.members.set([lea, hugo])
    enterprise = Team.objects.create(key="enterprise", name="Enterprise", manager=manager)
    enterprise.members.set([marc])
    return {
        "marketing": marketing,
        "manager": manager,
        "lea": lea,
        "hugo": hugo,
        "marc": marc,
        "inside": inside,
        "enterprise": enterprise,
    }


def _mql(email: str, size_band: str = "51-200", owner=None):
    account = account_create(
        actor=None,
        name=email.split("@")[1],
        domain=email.split("@")[1],
        country="FR",
        size_band=size_band,
        owner=owner,
    )
    contact = contact_create(actor=None, email=email, account=account)
    contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="test", at=NOW)
    return contact


def _codes(warnings) -> list[tuple[str, str]]:
    return [(w.code, w.rule or w.team) for w in warnings]


def test_every_segment_covered_gives_no_warning(world) -> None:
    overview = routing_overview(NOW)
    assert overview.version is not None
    assert overview.warnings == []
    assert [(r.key, r.team_key, r.available_count) for r in overview.rules] == [
        ("named", "", 0),
        ("big", "enterprise", 1),
        ("default", "inside", 2),
    ]
    lea, hugo = overview.rules[2].members[1], overview.rules[2].members[0]  # sorted by name
    assert (hugo.name, lea.name) == ("Hugo Blanc", "Léa Roux")
    assert (lea.open_mqls, lea.capacity, lea.is_available) == (0, 5, True)


def test_a_team_without_member_is_a_warning(world) -> None:
    world["enterprise"].members.clear()
    warnings = routing_overview(NOW).warnings
    assert _codes(warnings) == [("team_empty", "big")]
    assert warnings[0].message == (
        "Team Enterprise (rule “big”) has no member: its leads go on to rule “default”, "
        "where someone is available."
    )


def test_a_team_with_only_absent_reps_sends_leads_to_the_managers_queue(world) -> None:
    # Léa's two absences touch (25th, then 26th–27th): she is back on the 28th
    Absence.objects.create(
        user=world["lea"], starts_on=date(2026, 11, 20), ends_on=date(2026, 11, 25)
    )
    Absence.objects.create(
        user=world["lea"], starts_on=date(2026, 11, 26), ends_on=date(2026, 11, 27)
    )
    Absence.objects.create(
        user=world["hugo"], starts_on=date(2026, 11, 24), ends_on=date(2026, 11, 24)
    )
    Absence.objects.create(
        user=world["hugo"], starts_on=date(2026, 12, 21), ends_on=date(2026, 12, 31)
    )
    overview = routing_overview(NOW)
    assert _codes(overview.warnings) == [("nobody_available", "default")]
    assert overview.warnings[0].message == (
        "Nobody in team Inside (rule “default”) is available now (Hugo Blanc is absent until "
        "11/24/2026; Léa Roux is absent until 11/27/2026): its leads wait in Sophie Martin's "
        "queue (the fallback)."
    )
    hugo, lea = overview.rules[2].members
    assert (lea.absent_until, lea.next_absence) == (date(2026, 11, 27), None)
    assert (hugo.absent_until, hugo.next_absence) == (
        date(2026, 11, 24),
        (date(2026, 12, 21), date(2026, 12, 31)),
    )


def test_a_rule_naming_a_missing_team_and_no_catch_all_are_warnings(world) -> None:
    document = {
        "routing": {
            "rules": [
                {"key": "benelux", "kind": "territory", "team": "benelux", "countries": ["BE"]},
                {"key": "big", "kind": "territory", "team": "enterprise", "size_bands": ["5000+"]},
            ]
        }
    }
    warnings = routing_warnings(agreement_from_document({**agreement_parse(YAML), **document}), NOW)
    assert _codes(warnings) == [("unknown_team", "benelux"), ("no_catch_all", "")]
    assert warnings[0].message == (
        "Rule “benelux” names the team “benelux”, which does not exist (create it in the "
        "administration, or fix the key): its leads go on to the next rules, and wait in a "
        "manager's queue if none finds anyone."
    )


def test_at_capacity_inactive_manager_and_broken_calendar_are_warnings(world, make_user) -> None:
    version = routing_overview(NOW).version
    for index in range(5):  # Marc holds 5 open MQLs, the capacity
        contact = _mql(f"p{index}@big{index}.example", size_band="5000+")
        Handoff.objects.create(
            contact=contact,
            version=version,
            team=world["enterprise"],
            assignee=world["marc"],
            rule="big",
        )
    boss = make_user("sales_manager", first_name="Paul", last_name="Durand", is_active=False)
    Team.objects.create(key="export", name="Export", manager=boss, hours=[["18:00", "09:00"]])
    warnings = routing_overview(NOW).warnings
    assert _codes(warnings) == [
        ("nobody_available", "big"),
        ("manager_inactive", "export"),
        ("calendar_invalid", "export"),
    ]
    assert warnings[0].message == (
        "Nobody in team Enterprise (rule “big”) is available now (Marc Petit is at capacity "
        "(5/5 open MQLs)): its leads go on to rule “default”, where someone is available."
    )
    assert warnings[2].message == (
        "The calendar of team Export is invalid (Working hours need a start before their end.): "
        "hand-offs to it get no deadlines. Fix it in the administration."
    )


def test_the_next_twenty_leads_accumulate_load(world) -> None:
    # given 21 MQLs waiting: 6 big accounts, then 15 others; the 10th is Hugo's named account
    contacts = [_mql(f"big{i}@big{i}.example", size_band="1001-5000") for i in range(1, 7)]
    for i in range(7, 22):
        contacts.append(_mql(f"p{i}@c{i}.example", owner=world["hugo"] if i == 10 else None))
    # when
    preview = routing_preview_next(NOW)
    # then: Marc takes 5 big ones (capacity 5), the 6th goes round robin; Léa has the lower id
    # so she starts, then turns alternate; Hugo's named lead counts as one of his 5; once both
    # hold 5, the rest waits in Sophie Martin's queue (inside team)
    marc, lea, hugo, queue = "Marc Petit", "Léa Roux", "Hugo Blanc", ""
    expected = [marc] * 5 + [lea, hugo, lea, hugo, hugo, lea, hugo, lea, hugo, lea] + [queue] * 5
    assert preview.source == "waiting"
    assert [row.contact for row in preview.rows] == contacts[:20]
    assert [row.assignee for row in preview.rows] == expected
    assert [row.rule for row in preview.rows[4:11]] == [
        "big",
        "default",
        "default",
        "default",
        "default",
        "named",
        "default",
    ]
    assert preview.rows[5].skipped == ("Marc Petit is at capacity (5/5 open MQLs)",)
    assert (preview.rows[15].rule, preview.rows[15].team) == ("fallback", world["inside"])
    assert preview.rows[15].skipped == (
        "Hugo Blanc is at capacity (5/5 open MQLs)",
        "Léa Roux is at capacity (5/5 open MQLs)",
    )
    assert Handoff.objects.count() == 0  # nothing written


def test_without_waiting_mqls_recent_contacts_are_samples(world) -> None:
    first = contact_create(
        actor=None,
        email="a@one.example",
        account=account_create(actor=None, name="One", domain="one.example", size_band="5000+"),
    )
    contact_create(actor=None, email="nobody@nowhere.example")  # no account: not a sample
    second = contact_create(
        actor=None,
        email="b@two.example",
        account=account_create(actor=None, name="Two", domain="two.example"),
    )
    preview = routing_preview_next(NOW)
    assert preview.source == "sample"
    assert [(r.contact, r.assignee) for r in preview.rows] == [
        (second, "Léa Roux"),
        (first, "Marc Petit"),
    ]


def test_calendar_of_a_french_team_lists_holidays_closures_and_absences(world) -> None:
    team = world["inside"]
    team.closures = ["2026-12-24", "2027-03-01"]
    team.save()
    Absence.objects.create(
        user=world["lea"], starts_on=date(2026, 12, 21), ends_on=date(2027, 1, 2), reason="Ski"
    )
    Absence.objects.create(user=world["hugo"], starts_on=date(2027, 2, 1), ends_on=date(2027, 2, 5))
    Absence.objects.create(
        user=world["marc"], starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 2)
    )
    # Tuesday 17:00 in Paris: open until 18:00; the window runs to 23 January 2027
    calendar = calendar_overview(team, NOW)
    assert calendar.problem == ""
    assert calendar.weekdays == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    assert calendar.hours == [(time(9), time(18))]
    assert calendar.holidays == [
        (date(2026, 12, 25), "Christmas Day"),
        (date(2027, 1, 1), "New Year's Day"),
    ]
    assert calendar.closures == [date(2026, 12, 24)]
    assert [(a.user, a.starts_on) for a in calendar.absences] == [
        (world["lea"], date(2026, 12, 21))
    ]
    assert (calendar.is_open, calendar.closes_at) == (
        True,
        datetime(2026, 11, 24, 18, tzinfo=PARIS),
    )
    with translation.override("fr"):
        assert calendar_overview(team, NOW).holidays[0] == (date(2026, 12, 25), "Noël")
    # Thursday 24 December (closure) 11:00: closed; Friday is Christmas, then the weekend
    closed = calendar_overview(team, datetime(2026, 12, 24, 10, tzinfo=UTC))
    assert (closed.is_open, closed.next_opening) == (False, datetime(2026, 12, 28, 9, tzinfo=PARIS))


def test_an_invalid_calendar_is_reported_not_raised(world) -> None:
    team = world["inside"]
    team.time_zone = "Mars/Olympus"
    calendar = calendar_overview(team, NOW)
    assert calendar.problem == "unknown time zone “Mars/Olympus”"
    team.time_zone, team.country = "Europe/Paris", "ZZ"
    assert calendar_overview(team, NOW).problem == "no public holidays are known for “ZZ”"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_is_for_sales_managers_and_admins(users_by_role) -> None:
    assert Client().get("/routing/")["Location"] == "/login/?next=/routing/"
    for role in ("sales_rep", "marketing_manager", "marketing_user", "management"):
        assert _client(users_by_role[role]).get("/routing/").status_code == 403, role
    page = _client(users_by_role["sales_manager"]).get("/routing/")
    assert page.status_code == 200
    assert '<a href="/routing/" aria-current="page">Routing</a>' in page.content.decode()
    assert _client(users_by_role["admin"]).get("/routing/").status_code == 200
    rep_home = _client(users_by_role["sales_rep"]).get("/inbox/").content.decode()
    assert 'href="/routing/"' not in rep_home


def test_the_page_shows_rules_warnings_preview_and_calendars(world) -> None:
    manager = _client(world["manager"])
    body = manager.get("/routing/").content.decode()
    assert "Every segment has someone available now." in body
    assert "Capacity: 5 open MQLs per salesperson." in body
    assert 'id="team-inside"' in body
    assert 'id="team-enterprise"' in body
    assert "No sales team yet" not in body
    # a waiting MQL is previewed; an empty team becomes a warning
    _mql("anne@acme.example")
    world["enterprise"].members.clear()
    body = manager.get("/routing/").content.decode()
    assert "Team Enterprise (rule “big”) has no member" in body
    assert "Every segment has someone available now." not in body
    assert "anne@acme.example" in body
    assert "The MQLs waiting for a hand-off" in body


def test_empty_states_without_agreement_or_teams(users_by_role) -> None:
    manager = _client(users_by_role["sales_manager"])
    body = manager.get("/routing/").content.decode()
    assert "No agreement is active: no MQL is handed to sales." in body
    assert "No sales team yet" in body
    assert 'href="/admin/handoff/team/"' in body
    assert 'href="/admin/handoff/absence/"' in body
    _activate(YAML, users_by_role["marketing_manager"], users_by_role["sales_manager"])
    body = manager.get("/routing/").content.decode()
    assert "The active agreement (v1) has no routing rules" in body


def test_the_draft_preview_warns_of_a_segment_with_nobody(world) -> None:
    # given a draft whose new territory names a team that has no member yet
    Team.objects.create(key="benelux", name="Benelux", manager=world["manager"])
    text = YAML + ROUTING.replace(
        "    - {key: default, kind",
        "    - {key: belgium, kind: territory, team: benelux, countries: [BE]}\n"
        "    - {key: default, kind",
    )
    draft = agreement_draft_create(actor=world["marketing"], text=text)
    # when marketing opens its preview
    body = _client(world["marketing"]).get(f"/agreement/v{draft.number}/preview/").content.decode()
    # then
    assert "Routing with the sales teams as they are today" in body
    assert (
        "Team Benelux (rule “belgium”) has no member: its leads go on to rule “default”, "
        "where someone is available." in body
    )
    # the active version (every team staffed) shows no such box
    active = routing_overview(timezone.now()).version
    assert active is not None
    active_body = _client(world["marketing"]).get(f"/agreement/v{active.number}/preview/")
    assert "Routing with the sales teams as they are today" not in active_body.content.decode()
