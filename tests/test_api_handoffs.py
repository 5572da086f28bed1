"""/api/v1/handoffs and /api/v1/reasons: visibility, pagination, answers and every refusal.

The world (tests/handoff_api_world.py): France (Hélène manages; Léa, Hugo), Germany (Otto manages;
Karl). Anne → Léa, Paul → Hugo, Zoé → France's queue, Max → Karl.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from smarketing.capture.tokens import token_create
from smarketing.contacts.models import Contact, StageTransition
from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import Handoff
from tests.handoff_api_client import (
    _error,
    _get,
    _ids,
    _post,
    _token,
    _unchanged,
    world_with_admin,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user) -> dict[str, Any]:
    return world_with_admin(make_user)


# --- reading ---


def test_a_salesperson_reads_their_teams_handoffs_newest_first(world) -> None:
    # given Léa's token
    lea = _token(world, world["lea"])
    # when she lists
    response = _get(lea, "/api/v1/handoffs")
    # then France's three (hers, Hugo's, the queue's), not Germany's
    anne, paul, zoe = world["anne"], world["paul"], world["zoe"]
    assert _ids(response) == [zoe.pk, paul.pk, anne.pk]
    assert response.json()["next_cursor"] is None
    # 8 working hours from Tuesday 17:00 Paris (09:00–18:00): 1 h, then 7 h on Wednesday → 16:00
    # Paris = 15:00 UTC. 24 h: 1 h Tue + 9 h Wed + 9 h Thu + 5 h Fri → Friday 14:00 Paris.
    assert response.json()["items"][2] == {
        "id": anne.pk,
        "contact": {"id": anne.contact_id, "email": "anne@acme.fr", "name": "Anne Martin"},
        "assignee": {"id": world["lea"].pk, "name": "Léa Roux", "email": "lea@example.com"},
        "team": {"id": world["france"].pk, "key": "france", "name": "France"},
        "rule": "france",
        "status": "open",
        "sla_term": "default",
        "accept_due": "2026-11-25T15:00:00Z",
        "first_touch_due": "2026-11-27T13:00:00Z",
        "created_at": "2026-11-24T16:00:00Z",
        "decided_at": None,
        "decided_by": None,
        "reason_code": None,
        "comment": None,
    }
    queued = response.json()["items"][0]
    assert (queued["assignee"], queued["rule"], queued["contact"]["name"]) == (None, "fallback", "")


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("lea", ["zoe", "paul", "anne"]),  # a member reads the team's, queue included
        ("karl", ["max"]),
        ("helene", ["max", "zoe", "paul", "anne"]),  # sales managers read every team's
        ("otto", ["max", "zoe", "paul", "anne"]),
        ("admin", ["max", "zoe", "paul", "anne"]),
        ("marketing", []),  # neither assigned nor in a team
    ],
)
def test_who_reads_which_handoffs(world, who, expected) -> None:
    secret = _token(world, world[who])
    assert _ids(_get(secret, "/api/v1/handoffs")) == [world[name].pk for name in expected]


def test_a_token_made_by_an_integration_manager_acts_as_them(world) -> None:
    # given a token created through the normal path by the marketing manager
    secret = token_create(actor=world["marketing"], name="crm", scopes=["handoffs"])[1]
    # then it reads what the marketing manager reads: nothing
    assert _ids(_get(secret, "/api/v1/handoffs")) == []
    assert _error(_get(secret, f"/api/v1/handoffs/{world['anne'].pk}")) == (
        404,
        "not_found",
        None,
    )


def test_the_list_filters_by_status_and_assignee(world) -> None:
    lea = _token(world, world["lea"])
    anne, paul, zoe = world["anne"].pk, world["paul"].pk, world["zoe"].pk
    Handoff.objects.filter(pk=paul).update(status=HandoffStatus.ACCEPTED)
    assert _ids(_get(lea, "/api/v1/handoffs?status=open")) == [zoe, anne]
    assert _ids(_get(lea, "/api/v1/handoffs?status=accepted")) == [paul]
    assert _ids(_get(lea, "/api/v1/handoffs?status=rejected")) == []
    assert _ids(_get(lea, "/api/v1/handoffs?assignee=me")) == [anne]
    assert _ids(_get(lea, f"/api/v1/handoffs?assignee={world['hugo'].pk}")) == [paul]
    assert _ids(_get(lea, "/api/v1/handoffs?assignee=none")) == [zoe]
    assert _ids(_get(lea, "/api/v1/handoffs?assignee=none&status=accepted")) == []
    # Karl's are not Léa's to read, even by asking for them
    assert _ids(_get(lea, f"/api/v1/handoffs?assignee={world['karl'].pk}")) == []


def test_pages_follow_the_cursor_to_the_end(world) -> None:
    # given 3 more hand-offs for Karl: 7 in all
    extra = [
        Handoff.objects.create(
            contact=Contact.objects.create(email=f"p{n}@x.de", email_normalized=f"p{n}@x.de"),
            version=world["version"],
            team=world["germany"],
            assignee=world["karl"],
            rule="germany",
        )
        for n in range(3)
    ]
    admin = _token(world, world["admin"])
    newest_first = [h.pk for h in reversed(extra)] + [
        world[name].pk for name in ("max", "zoe", "paul", "anne")
    ]
    # when the admin reads 3 at a time
    first = _get(admin, "/api/v1/handoffs?limit=3").json()
    second = _get(admin, f"/api/v1/handoffs?limit=3&cursor={first['next_cursor']}").json()
    third = _get(admin, f"/api/v1/handoffs?limit=3&cursor={second['next_cursor']}").json()
    # then each one once, and the last page says so
    assert [i["id"] for i in first["items"]] == newest_first[0:3]
    assert first["next_cursor"] == newest_first[2]
    assert [i["id"] for i in second["items"]] == newest_first[3:6]
    assert second["next_cursor"] == newest_first[5]
    assert [i["id"] for i in third["items"]] == newest_first[6:]
    assert third["next_cursor"] is None
    # a page of exactly the remaining rows is the last one too
    exact = _get(admin, f"/api/v1/handoffs?limit=4&cursor={newest_first[2]}").json()
    assert (len(exact["items"]), exact["next_cursor"]) == (4, None)


def test_a_page_costs_the_same_queries_whatever_its_size(world) -> None:
    admin = _token(world, world["admin"])
    Handoff.objects.filter(pk=world["paul"].pk).update(
        status=HandoffStatus.REJECTED, decided_by=world["helene"], decided_at=timezone.now()
    )
    _get(admin, "/api/v1/handoffs")  # the token's last use is written once a minute at most
    with CaptureQueriesContext(connection) as one:
        assert len(_ids(_get(admin, "/api/v1/handoffs?limit=1"))) == 1
    with CaptureQueriesContext(connection) as four:
        assert len(_ids(_get(admin, "/api/v1/handoffs?limit=4"))) == 4
    assert len(four) == len(one)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=many", "limit"),
        ("cursor=0", "cursor"),
        ("cursor=abc", "cursor"),
        ("assignee=bob", "assignee"),
        ("assignee=0", "assignee"),
        ("status=closed", "status"),
    ],
)
def test_bad_list_parameters_are_refused_with_their_name(world, query, field) -> None:
    lea = _token(world, world["lea"])
    assert _error(_get(lea, f"/api/v1/handoffs?{query}")) == (400, "invalid_request", field)


def test_the_largest_page_is_200(world) -> None:
    admin = _token(world, world["admin"])
    assert len(_ids(_get(admin, "/api/v1/handoffs?limit=200"))) == 4


def test_one_handoff_is_read_when_visible_else_404(world) -> None:
    lea, karl = _token(world, world["lea"]), _token(world, world["karl"])
    paul = world["paul"]
    body = _get(lea, f"/api/v1/handoffs/{paul.pk}").json()
    assert (body["id"], body["assignee"]["name"], body["contact"]["email"]) == (
        paul.pk,
        "Hugo Blanc",
        "paul@beta.fr",
    )
    assert _error(_get(karl, f"/api/v1/handoffs/{paul.pk}")) == (404, "not_found", None)
    assert _error(_get(lea, "/api/v1/handoffs/987654")) == (404, "not_found", None)
    assert _error(_get(lea, "/api/v1/handoffs/abc")) == (400, "invalid_request", "handoff_id")


# --- answering ---


def test_accepting_makes_the_contact_sales_accepted(world) -> None:
    # given Léa's open hand-off of Anne
    lea, anne = _token(world, world["lea"]), world["anne"]
    before = timezone.now()
    # when Léa accepts it
    response = _post(lea, f"/api/v1/handoffs/{anne.pk}/accept")
    # then the answer is recorded and Anne is SAL, moved by Léa
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["decided_by"]["name"]) == (
        anne.pk,
        "accepted",
        "Léa Roux",
    )
    decided_at = parse_datetime(body["decided_at"])
    assert decided_at is not None
    assert before <= decided_at <= timezone.now()
    contact = Contact.objects.get(pk=anne.contact_id)
    assert contact.lifecycle_stage == "sal"
    moved = StageTransition.objects.filter(contact=contact).latest("id")
    assert (moved.from_stage, moved.to_stage, moved.actor, moved.reason) == (
        "mql",
        "sal",
        world["lea"],
        "accepted",
    )
    anne.refresh_from_db()
    assert (anne.status, anne.decided_by) == ("accepted", world["lea"])


@pytest.mark.parametrize(
    ("code", "stage"),
    [("not_now", "nurturing"), ("student", "disqualified"), ("bad_data", "nurturing")],
)
def test_rejecting_moves_the_contact_by_the_reasons_disposition(world, code, stage) -> None:
    # given Hugo's open hand-off of Paul
    hugo, paul = _token(world, world["hugo"]), world["paul"]
    # when Hugo rejects it with a reason and a comment
    response = _post(
        hugo, f"/api/v1/handoffs/{paul.pk}/reject", {"code": code, "comment": "  Back in Q3 "}
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reason_code"], body["comment"]) == (
        "rejected",
        code,
        "Back in Q3",
    )
    assert Contact.objects.get(pk=paul.contact_id).lifecycle_stage == stage
    paul.refresh_from_db()
    assert (paul.status, paul.reason_code, paul.comment) == ("rejected", code, "Back in Q3")


def test_a_nurturing_rejection_is_explained_in_the_stage_history(world) -> None:
    hugo, paul = _token(world, world["hugo"]), world["paul"]
    _post(hugo, f"/api/v1/handoffs/{paul.pk}/reject", {"code": "not_now"})
    moved = StageTransition.objects.filter(contact_id=paul.contact_id).latest("id")
    assert (moved.to_stage, moved.reason, moved.actor) == (
        "nurturing",
        "rejected: No project now",
        world["hugo"],
    )


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"code": "budget"}, 400, "invalid_reason", "code"),
        ({"code": ""}, 400, "invalid_reason", "code"),
        ({"code": "NOT_NOW"}, 400, "invalid_reason", "code"),
        ({}, 400, "invalid_request", "code"),
        ({"code": 7}, 400, "invalid_request", "code"),
        ({"code": "not_now", "comment": "x" * 2001}, 400, "invalid_request", "comment"),
        ({"code": "not_now", "colour": "blue"}, 400, "invalid_request", "colour"),
        (None, 400, "invalid_request", None),
        (b"{not json", 400, "malformed_json", None),
        (b"[]", 400, "invalid_request", None),
    ],
)
def test_a_rejection_without_a_valid_reason_changes_nothing(world, body, status, code, field):
    lea, anne = _token(world, world["lea"]), world["anne"]
    response = _post(lea, f"/api/v1/handoffs/{anne.pk}/reject", body)
    assert _error(response) == (status, code, field)
    _unchanged(anne)


def test_the_invalid_reason_names_the_allowed_codes(world) -> None:
    lea, anne = _token(world, world["lea"]), world["anne"]
    response = _post(lea, f"/api/v1/handoffs/{anne.pk}/reject", {"code": "budget"})
    assert response.json()["message"] == (
        "Choose a reason among “No project now”, “Student”, “Bad contact data”."
    )


def test_a_handoff_is_answered_once(world) -> None:
    lea, anne = _token(world, world["lea"]), world["anne"]
    assert _post(lea, f"/api/v1/handoffs/{anne.pk}/accept").status_code == 200
    assert _error(_post(lea, f"/api/v1/handoffs/{anne.pk}/accept")) == (
        409,
        "already_answered",
        None,
    )
    assert _error(_post(lea, f"/api/v1/handoffs/{anne.pk}/reject", {"code": "not_now"})) == (
        409,
        "already_answered",
        None,
    )
    assert Contact.objects.get(pk=anne.contact_id).lifecycle_stage == "sal"
    assert StageTransition.objects.filter(contact_id=anne.contact_id, to_stage="sal").count() == 1


@pytest.mark.parametrize(
    ("who", "handoff", "status", "code"),
    [
        ("hugo", "anne", 403, "permission_denied"),  # a colleague reads it, does not answer it
        ("lea", "zoe", 403, "permission_denied"),  # the queue is the manager's to answer
        ("otto", "anne", 403, "permission_denied"),  # another team's manager
        ("karl", "anne", 404, "not_found"),  # another team's salesperson does not see it
        ("marketing", "anne", 404, "not_found"),
    ],
)
def test_only_the_assignee_the_teams_manager_or_an_admin_answers(
    world, who, handoff, status, code
) -> None:
    secret = _token(world, world[who])
    url = f"/api/v1/handoffs/{world[handoff].pk}"
    assert _error(_post(secret, f"{url}/accept")) == (status, code, None)
    assert _error(_post(secret, f"{url}/reject", {"code": "not_now"})) == (status, code, None)
    _unchanged(world[handoff])


@pytest.mark.parametrize(
    ("who", "handoff"), [("helene", "paul"), ("helene", "zoe"), ("admin", "max")]
)
def test_the_teams_manager_and_an_admin_answer_for_the_salesperson(world, who, handoff) -> None:
    secret = _token(world, world[who])
    response = _post(secret, f"/api/v1/handoffs/{world[handoff].pk}/reject", {"code": "student"})
    assert response.status_code == 200
    assert response.json()["decided_by"]["id"] == world[who].pk
    assert Contact.objects.get(pk=world[handoff].contact_id).lifecycle_stage == "disqualified"
