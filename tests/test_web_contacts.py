"""The contact list (search, filters, keyset pagination) and the contact page."""

from __future__ import annotations

import pytest
from django.test import Client

from smarketing.contacts.services import account_create, contact_create, contact_stage_change
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_rep(users_by_role: dict) -> Client:
    client = Client()
    client.force_login(users_by_role["sales_rep"])
    return client


def _names(response) -> list[str]:
    return [c.full_name for c in response.context["page"].contacts]


def test_search_is_a_prefix_search_on_name_and_email_ignoring_accents(client_rep: Client) -> None:
    contact_create(actor=None, email="elodie@acme.fr", first_name="Élodie", last_name="Martin")
    contact_create(actor=None, email="zoe@acme.fr", first_name="Zoé", last_name="Marchand")
    contact_create(actor=None, email="martin@b.fr", first_name="Paul", last_name="Durand")
    assert _names(client_rep.get("/contacts/?q=elo")) == ["Élodie Martin"]
    assert _names(client_rep.get("/contacts/?q=ZOÉ")) == ["Zoé Marchand"]
    assert _names(client_rep.get("/contacts/?q=martin@")) == ["Paul Durand"]
    assert _names(client_rep.get("/contacts/?q=nobody")) == []


def test_stage_filter(client_rep: Client) -> None:
    contact = contact_create(actor=None, email="a@acme.fr", first_name="Ana", last_name="Lopez")
    contact_create(actor=None, email="b@acme.fr", first_name="Bob", last_name="Ray")
    contact_stage_change(contact=contact, to_stage="mql", actor=None)
    assert _names(client_rep.get("/contacts/?stage=mql")) == ["Ana Lopez"]
    assert _names(client_rep.get("/contacts/?stage=bogus")) == ["Bob Ray", "Ana Lopez"]


def test_keyset_pages_walk_forward_and_back_without_gaps(client_rep: Client) -> None:
    account = account_create(actor=None, name="Acme")
    ids = [ContactFactory(account=account).pk for _ in range(120)]
    newest_first = sorted(ids, reverse=True)
    first = client_rep.get("/contacts/").context["page"]
    assert [c.pk for c in first.contacts] == newest_first[:50]
    assert first.previous_before is None
    second = client_rep.get(f"/contacts/?after={first.next_after}").context["page"]
    assert [c.pk for c in second.contacts] == newest_first[50:100]
    third = client_rep.get(f"/contacts/?after={second.next_after}").context["page"]
    assert [c.pk for c in third.contacts] == newest_first[100:]
    assert third.next_after is None
    back = client_rep.get(f"/contacts/?before={second.previous_before}").context["page"]
    assert [c.pk for c in back.contacts] == newest_first[:50]
    assert back.previous_before is None


def test_list_makes_a_fixed_number_of_queries(
    client_rep: Client, django_assert_max_num_queries
) -> None:
    for _ in range(60):
        ContactFactory()
    with django_assert_max_num_queries(6):
        response = client_rep.get("/contacts/")
    assert len(response.context["page"].contacts) == 50


def test_empty_state(client_rep: Client) -> None:
    body = client_rep.get("/contacts/").content.decode()
    assert "No contacts yet" in body


def test_htmx_request_gets_only_the_results(client_rep: Client) -> None:
    ContactFactory(first_name="Ana", last_name="Lopez")
    response = client_rep.get("/contacts/?q=ana", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Ana Lopez" in body
    assert "<html" not in body


def test_contact_page_shows_history_with_actor_and_skip(client_rep: Client, users_by_role) -> None:
    rep = users_by_role["sales_rep"]
    contact = contact_create(actor=None, email="a@acme.fr", first_name="Ana", last_name="Lopez")
    contact_stage_change(contact=contact, to_stage="sql", actor=rep, reason="Called, has budget")
    body = client_rep.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Called, has budget" in body
    assert "skipped stages" in body
    assert str(rep) in body


def test_common_prefix_plan_gives_the_same_page_as_the_index_plan(monkeypatch) -> None:
    from smarketing.contacts import selectors

    # given contacts where "mar" is a common prefix
    for index in range(30):
        contact_create(
            actor=None,
            email=f"p{index}@x.fr",
            first_name="Marie" if index % 3 else "Paul",
            last_name=f"Nom{index}",
        )
    contact_create(actor=None, email="marc@x.fr", first_name="Zed", last_name="Zed")
    by_index = selectors.contact_list_page(query="mar", limit=7)
    # when the common-prefix plan is forced
    monkeypatch.setattr(selectors, "DENSE_MATCHES", 5)
    by_scan = selectors.contact_list_page(query="mar", limit=7)
    following = selectors.contact_list_page(query="mar", limit=7, after=by_scan.next_after)
    # then both plans give the same contacts, newest first
    assert [c.pk for c in by_scan.contacts] == [c.pk for c in by_index.contacts]
    assert by_scan.contacts[0].email == "marc@x.fr"
    assert len(following.contacts) == 7
    assert following.contacts[0].pk < by_scan.contacts[-1].pk
