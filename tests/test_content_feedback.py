"""Sales rate the content a lead consumed and ask for what is missing; marketing sees each
asset's results next to the ratings, and answers the backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from smarketing.contacts.models import Contact, Deal
from smarketing.contacts.services import contact_stage_change
from smarketing.core.errors import DomainError, PermissionDeniedError
from smarketing.marketing.content_feedback import (
    content_rate,
    content_request_answer,
    content_request_create,
    content_request_vote,
)
from smarketing.marketing.content_report import content_requests, content_results
from smarketing.marketing.models import ContentRating, ContentRequest
from smarketing.marketing.services import content_asset_create
from smarketing.marketing.touchpoints import touchpoints_consume
from smarketing.tracking.services import EventIn, events_append

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def _contact(email: str) -> Contact:
    return Contact.objects.create(email=email, email_normalized=email)


def _downloads(contact: Contact, at: datetime, content: str = "cloture") -> None:
    events_append(
        events=[
            EventIn(
                type="content_download",
                occurred_at=at,
                contact_id=contact.pk,
                properties={"content": content},
            )
        ],
        source="api",
    )


@pytest.fixture
def world(make_user):
    guide = content_asset_create(
        actor=None,
        kind="whitepaper",
        title="Guide de clôture",
        url_or_path="/guides/cloture",
        language="fr",
    )
    other = content_asset_create(
        actor=None, kind="case_study", title="Cas client", url_or_path="/cas", language="fr"
    )
    # Anne downloads the guide, becomes MQL then SQL and wins a 12,000 EUR deal afterwards;
    # Bob downloads it after he became MQL (not counted as its MQL); Carl reads only the case
    anne, bob, carl = _contact("anne@a.fr"), _contact("bob@b.fr"), _contact("carl@c.fr")
    contact_stage_change(contact=bob, to_stage="mql", actor=None, at=T0 - timedelta(days=3))
    _downloads(anne, T0)
    _downloads(bob, T0)
    _downloads(carl, T0, content="cas")
    touchpoints_consume(now=T0 + timedelta(days=30), settle=timedelta(0))
    anne.refresh_from_db()
    contact_stage_change(contact=anne, to_stage="mql", actor=None, at=T0 + timedelta(days=1))
    anne.refresh_from_db()
    contact_stage_change(contact=anne, to_stage="sal", actor=None, at=T0 + timedelta(days=2))
    anne.refresh_from_db()
    contact_stage_change(contact=anne, to_stage="sql", actor=None, at=T0 + timedelta(days=3))
    Deal.objects.create(
        name="Anne's deal",
        contact=anne,
        amount=Decimal("12000.00"),
        currency="EUR",
        status="won",
        closed_at=T0 + timedelta(days=20),
    )
    rep = make_user("sales_rep", first_name="Léa")
    return {"guide": guide, "other": other, "anne": anne, "bob": bob, "carl": carl, "rep": rep}


def test_a_rep_rates_content_the_lead_consumed_and_sees_it_on_the_asset(world) -> None:
    rep = world["rep"]
    content_rate(
        actor=rep, asset=world["guide"], contact=world["anne"], verdict="helped", comment="clear"
    )
    content_rate(actor=rep, asset=world["guide"], contact=world["bob"], verdict="did_not_help")
    # rating again replaces the first word
    content_rate(
        actor=rep, asset=world["guide"], contact=world["anne"], verdict="helped", comment="great"
    )
    assert ContentRating.objects.count() == 2
    results = {r.asset.title: r for r in content_results()}
    guide = results["Guide de clôture"]
    # 2 leads consumed it; Anne became MQL and SQL after it, Bob was an MQL before
    assert (guide.touched, guide.mqls, guide.sqls) == (2, 1, 1)
    assert guide.influenced == {"EUR": Decimal("12000.00")}
    assert (guide.helped, guide.did_not_help) == (1, 1)
    assert [c.comment for c in guide.comments] == ["great"]
    case = results["Cas client"]
    assert (case.touched, case.mqls, case.influenced) == (1, 0, {})


def test_content_the_lead_did_not_consume_cannot_be_rated(world) -> None:
    with pytest.raises(DomainError) as error:
        content_rate(
            actor=world["rep"], asset=world["other"], contact=world["anne"], verdict="helped"
        )
    assert error.value.code == "not_consumed"
    with pytest.raises(DomainError) as error:
        content_rate(actor=world["rep"], asset=world["guide"], contact=world["anne"], verdict="meh")
    assert error.value.code == "invalid_verdict"
    assert not ContentRating.objects.exists()


def test_marketing_cannot_rate_but_answers_the_backlog(world, make_user) -> None:
    marketing = make_user("marketing_manager")
    with pytest.raises(PermissionDeniedError):
        content_rate(actor=marketing, asset=world["guide"], contact=world["anne"], verdict="helped")
    rep, other_rep = world["rep"], make_user("sales_rep")
    first = content_request_create(
        actor=rep, title="  A case study   for retail CFOs ", persona="cfo"
    )
    second = content_request_create(actor=other_rep, title="Pricing one-pager", stage="sal")
    assert first.title == "A case study for retail CFOs"
    # a second salesperson votes for the first request: it comes first
    assert content_request_vote(actor=other_rep, request=first) is True
    assert [(r.title, r.votes) for r in content_requests()] == [
        ("A case study for retail CFOs", 2),
        ("Pricing one-pager", 1),
    ]
    assert content_request_vote(actor=other_rep, request=first) is False  # taken back
    # marketing answers it with the case study; a rep may not
    with pytest.raises(PermissionDeniedError):
        content_request_answer(actor=rep, request=second, status="done")
    content_request_answer(actor=marketing, request=first, status="done", answer=world["other"])
    first.refresh_from_db()
    assert (first.status, first.answer) == ("done", world["other"])
    assert [r.title for r in content_requests(status="done")] == ["A case study for retail CFOs"]
    assert [r.title for r in content_requests()] == ["Pricing one-pager"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "   "}, "invalid_request"),
        ({"title": "x" * 201}, "invalid_request"),
        ({"title": "ok", "stage": "heaven"}, "invalid_request"),
    ],
)
def test_bad_requests_are_refused_by_their_field(world, fields, code) -> None:
    with pytest.raises(DomainError) as error:
        content_request_create(actor=world["rep"], **fields)
    assert error.value.code == code
    assert not ContentRequest.objects.exists()


def test_the_pages_rate_request_vote_and_show_it(world, make_user) -> None:
    rep = Client()
    rep.force_login(world["rep"])
    contact_page = rep.get(f"/contacts/{world['anne'].pk}/").content.decode()
    assert "Content consumed" in contact_page
    assert "Guide de clôture" in contact_page
    rep.post(
        "/content/rate/",
        {
            "contact": world["anne"].pk,
            "asset": world["guide"].pk,
            "verdict": "helped",
            "comment": "she quoted it",
            "next": f"/contacts/{world['anne'].pk}/",
        },
    )
    rep.post("/content/requests/", {"action": "create", "title": "ROI calculator", "stage": "sql"})
    refused = rep.post("/content/requests/", {"action": "create", "title": ""}, follow=True)
    assert "Say what content is missing" in refused.content.decode()
    marketing = Client()
    marketing.force_login(make_user("marketing_manager"))
    page = marketing.get("/content/").content.decode()
    assert "she quoted it" in page
    assert "ROI calculator" in page
    assert "12,000.00 EUR" in page
    assert marketing.post("/content/rate/", {"contact": 1, "asset": 1}).status_code == 403
    missing = rep.post("/content/rate/", {"contact": 999999, "asset": world["guide"].pk})
    assert missing.status_code == 404


def test_the_handoff_page_lets_the_salesperson_rate_what_the_lead_read(world, make_user) -> None:
    from smarketing.handoff.models import Handoff, Team

    team = Team.objects.create(key="fr", name="France", manager=make_user("sales_manager"))
    handoff = Handoff.objects.create(
        contact=world["anne"],
        version=_version(make_user),
        team=team,
        assignee=world["rep"],
        rule="fr",
    )
    client = Client()
    client.force_login(world["rep"])
    page = client.get(f"/inbox/{handoff.pk}/").content.decode()
    assert "Content consumed" in page
    assert "Guide de clôture" in page
    assert 'value="helped"' in page


def _version(make_user):
    from smarketing.agreement.selectors import active_version
    from tests.factories import agreement_signed
    from tests.test_handoff import YAML

    agreement_signed(YAML, make_user("marketing_manager"), make_user("sales_manager"))
    return active_version()
