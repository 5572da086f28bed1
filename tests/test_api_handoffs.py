"""/api/v1/handoffs and /api/v1/reasons: visibility, pagination, answers and every refusal.

The world (tests/handoff_api_world.py): France (Hélène manages; Léa, Hugo), Germany (Otto manages;
Karl). Anne → Léa, Paul → Hugo, Zoé → France's queue, Max → Karl.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from smarketing.capture.models import ApiToken
from smarketing.capture.tokens import token_create, token_revoke
from smarketing.contacts.models import Contact, StageTransition
from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import Handoff
from smarketing.users.models import User
from tests.handoff_api_world import handoff_api_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user) -> dict[str, Any]:
    people = handoff_api_world(make_user)
    people["admin"] = make_user("admin", username="admin")
    return people


def _token(world: dict[str, Any], user: User, scopes: tuple[str, ...] = ("handoffs",)) -> str:
    """A token acting as ``user``. Integration managers create tokens; one made for someone
    else is written here by changing its creator."""
    token, secret = token_create(actor=world["admin"], name="crm", scopes=list(scopes))
    ApiToken.objects.filter(pk=token.pk).update(created_by=user)
    return secret


def _get(secret: str | None, url: str) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return Client().get(url, **headers)


def _post(secret: str | None, url: str, body: object = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    data = body if isinstance(body, bytes) else b"" if body is None else orjson.dumps(body)
    return Client().post(url, data=data, content_type="application/json", **headers)


def _error(response: Any) -> tuple[int, str, str | None]:
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    return response.status_code, body["code"], body["field"]


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


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


def _unchanged(handoff: Handoff) -> None:
    handoff.refresh_from_db()
    assert (handoff.status, handoff.decided_at, handoff.reason_code) == ("open", None, "")
    assert Contact.objects.get(pk=handoff.contact_id).lifecycle_stage == "mql"


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


# --- tokens ---

ENDPOINTS = [
    ("get", "/api/v1/handoffs"),
    ("get", "/api/v1/handoffs/{id}"),
    ("post", "/api/v1/handoffs/{id}/accept"),
    ("post", "/api/v1/handoffs/{id}/reject"),
    ("get", "/api/v1/reasons"),
]


def _call(method: str, url: str, world: dict[str, Any], header: str | None) -> Any:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    url = url.format(id=world["anne"].pk)
    if method == "get":
        return Client().get(url, **extra)
    body = orjson.dumps({"code": "not_now"})
    return Client().post(url, data=body, content_type="application/json", **extra)


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_wants_a_valid_token(world, method, url) -> None:
    for header, code in [
        (None, "missing_token"),
        ("Basic abc", "missing_token"),
        ("Bearer smk_0000_nope", "invalid_token"),
    ]:
        response = _call(method, url, world, header)
        assert _error(response) == (401, code, None)
        assert response["WWW-Authenticate"] == 'Bearer realm="smarketing"'
    _unchanged(world["anne"])


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_wants_the_handoffs_scope(world, method, url) -> None:
    events_only = _token(world, world["lea"], scopes=("events:write",))
    response = _call(method, url, world, f"Bearer {events_only}")
    assert _error(response) == (403, "insufficient_scope", None)
    assert response["WWW-Authenticate"] == 'Bearer realm="smarketing"'
    _unchanged(world["anne"])


def test_the_token_is_checked_before_the_request(world) -> None:
    url = f"/api/v1/handoffs/{world['anne'].pk}/reject"
    assert _error(_post(None, url, b"{not json")) == (401, "missing_token", None)
    assert _error(_get(None, "/api/v1/handoffs?limit=0")) == (401, "missing_token", None)
    assert _error(_get(None, "/api/v1/handoffs/abc")) == (401, "missing_token", None)


def test_a_revoked_token_is_refused(world) -> None:
    lea = _token(world, world["lea"])
    token_revoke(actor=world["admin"], token_id=ApiToken.objects.get().pk)
    assert _error(_get(lea, "/api/v1/handoffs")) == (401, "token_revoked", None)
    assert _error(_post(lea, f"/api/v1/handoffs/{world['anne'].pk}/accept")) == (
        401,
        "token_revoked",
        None,
    )
    _unchanged(world["anne"])


def test_a_handoffs_token_does_not_send_events(world) -> None:
    lea = _token(world, world["lea"])
    response = Client().post(
        "/api/v1/events",
        data=b"{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {lea}",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert _error(response) == (403, "insufficient_scope", None)


def test_the_token_of_a_deactivated_person_is_refused(world) -> None:
    lea = _token(world, world["lea"])
    User.objects.filter(pk=world["lea"].pk).update(is_active=False)
    assert _error(_get(lea, "/api/v1/handoffs")) == (403, "permission_denied", None)
    assert _error(_post(lea, f"/api/v1/handoffs/{world['anne'].pk}/accept")) == (
        403,
        "permission_denied",
        None,
    )
    _unchanged(world["anne"])


def test_the_rate_limit_applies_per_token(world, settings) -> None:
    while time.time() % 60 > 55:  # rate windows are whole minutes: stay in one
        time.sleep(0.5)
    settings.API_RATE_LIMIT = 2
    lea = _token(world, world["lea"])
    statuses = [_get(lea, "/api/v1/handoffs").status_code for _ in range(2)]
    refused = _post(lea, f"/api/v1/handoffs/{world['anne'].pk}/accept")
    assert statuses == [200, 200]
    assert _error(refused) == (429, "rate_limited", None)
    assert 1 <= int(refused["Retry-After"]) <= 60
    _unchanged(world["anne"])


# --- reasons ---


def test_the_reasons_are_the_active_agreements(world) -> None:
    lea = _token(world, world["lea"])
    assert _get(lea, "/api/v1/reasons").json() == {
        "version": 1,
        "reasons": [
            {"code": "not_now", "label": "No project now", "disposition": "nurturing"},
            {"code": "student", "label": "Student", "disposition": "disqualified"},
            {"code": "bad_data", "label": "Bad contact data", "disposition": "back_to_marketing"},
        ],
    }


def test_without_an_active_agreement_there_is_no_reason(make_user) -> None:
    admin = make_user("admin")
    secret = token_create(actor=admin, name="crm", scopes=["handoffs"])[1]
    assert _get(secret, "/api/v1/reasons").json() == {"version": None, "reasons": []}
    assert _get(secret, "/api/v1/handoffs").json() == {"items": [], "next_cursor": None}


# --- the tokens page ---


def test_the_tokens_page_offers_the_handoffs_scope_unticked(world) -> None:
    client = Client()
    client.force_login(world["marketing"])
    page = client.get("/integrations/tokens/").content.decode()
    assert '<input type="checkbox" name="scopes" value="events:write" checked>' in page
    assert '<input type="checkbox" name="scopes" value="handoffs">' in page
    assert "Read and answer hand-offs" in page
    # a refused form keeps what was ticked
    refused = client.post("/integrations/tokens/", {"name": " ", "scopes": ["handoffs"]})
    assert (
        '<input type="checkbox" name="scopes" value="handoffs" checked>' in refused.content.decode()
    )
    assert '<input type="checkbox" name="scopes" value="events:write">' in refused.content.decode()
    client.post("/integrations/tokens/", {"name": "CRM", "scopes": ["handoffs"]})
    assert ApiToken.objects.get(name="CRM").scopes == ["handoffs"]


def test_deadlines_are_answered_in_utc(world) -> None:
    # the team's clock is Paris time; the API speaks UTC with a Z
    karl = _token(world, world["karl"])
    body = _get(karl, f"/api/v1/handoffs/{world['max'].pk}").json()
    due = parse_datetime(body["accept_due"])
    assert due is not None
    assert due.utcoffset() == timedelta(0)
    assert body["accept_due"] == "2026-11-25T15:00:00Z"


# --- a salesperson's own tokens ------------------------------------------------------------


def test_a_salesperson_creates_their_own_handoffs_token_and_uses_it(make_user) -> None:
    from django.test import Client

    from smarketing.capture.models import ApiToken

    rep = make_user("sales_rep", username="lea")
    client = Client()
    client.force_login(rep)
    # only the hand-offs scope is offered, and only that one is accepted
    page = client.get("/inbox/tokens/").content.decode()
    assert 'value="handoffs"' in page
    assert 'value="events:write"' not in page
    refused = client.post("/inbox/tokens/", {"name": "bot", "scopes": ["events:write"]})
    assert refused.status_code == 400
    assert "may only have the handoffs scope" in refused.content.decode()
    assert not ApiToken.objects.exists()
    made = client.post("/inbox/tokens/", {"name": "my CRM", "scopes": ["handoffs"]})
    secret = re.search(r"smk_[0-9a-f]{8}_[\w-]+", made.content.decode()).group(0)
    answer = Client().get("/api/v1/handoffs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200
    assert answer.json()["items"] == []
    # they see and revoke only their own tokens
    token = ApiToken.objects.get()
    other = make_user("sales_rep", username="hugo")
    other_client = Client()
    other_client.force_login(other)
    assert "my CRM" not in other_client.get("/inbox/tokens/").content.decode()
    assert other_client.post(f"/integrations/tokens/{token.pk}/revoke/").status_code == 404
    client.post(f"/integrations/tokens/{token.pk}/revoke/", {"back": "mine"})
    token.refresh_from_db()
    assert token.revoked_at is not None
