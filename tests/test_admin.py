"""The admin: every model opens for the admin role; the stage history is read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from smarketing.contacts.services import (
    account_create,
    activity_log,
    contact_create,
    deal_create,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "contacts/account",
    "contacts/contact",
    "contacts/contactexternalid",
    "contacts/deal",
    "contacts/activity",
    "contacts/stagetransition",
    "users/user",
    "jobs/workerlease",
    "jobs/schedule",
    "jobs/outboxentry",
    "tracking/event",
    "agreement/agreementversion",
    "scoring/contactscore",
]


@pytest.fixture
def admin_client(users_by_role: dict) -> Client:
    client = Client()
    client.force_login(users_by_role["admin"])
    return client


def test_every_model_list_opens(admin_client: Client, users_by_role: dict) -> None:
    account = account_create(actor=None, name="Acme", domain="acme.fr")
    contact = contact_create(actor=None, email="a@acme.fr", account=account)
    deal_create(actor=None, account=account, contact=contact, name="Deal", amount=10)
    activity_log(actor=users_by_role["sales_rep"], contact=contact, kind="call", subject="Hi")
    for model in MODELS:
        assert admin_client.get(f"/admin/{model}/").status_code == 200, model
    assert admin_client.get(f"/admin/contacts/contact/{contact.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/contacts/account/{account.pk}/change/").status_code == 200


def test_stage_history_cannot_be_added_or_changed(admin_client: Client) -> None:
    contact = contact_create(actor=None, email="a@acme.fr")
    row = contact.stage_transitions.get()
    assert admin_client.get("/admin/contacts/stagetransition/add/").status_code == 403
    response = admin_client.post(
        f"/admin/contacts/stagetransition/{row.pk}/change/", {"to_stage": "customer"}
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.to_stage == "lead"


def test_stage_is_read_only_on_the_contact_form(admin_client: Client) -> None:
    contact = contact_create(actor=None, email="a@acme.fr")
    body = admin_client.get(f"/admin/contacts/contact/{contact.pk}/change/").content.decode()
    assert 'name="lifecycle_stage"' not in body


def test_non_admin_roles_cannot_open_the_admin(users_by_role: dict) -> None:
    client = Client()
    client.force_login(users_by_role["sales_manager"])
    assert client.get("/admin/contacts/contact/").status_code == 302


@pytest.mark.parametrize(
    "model",
    [
        "tracking/event",
        "scoring/contactscore",
        "agreement/agreementversion",
        "jobs/workerlease",
        "jobs/schedule",
        "jobs/outboxentry",
    ],
)
def test_system_written_rows_cannot_be_added_by_hand(admin_client: Client, model: str) -> None:
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403
