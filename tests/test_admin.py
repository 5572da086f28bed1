"""The admin: every model opens for the admin role; the stage history is read-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from smarketing.contacts.models import Contact
from smarketing.contacts.services import (
    account_create,
    activity_log,
    contact_create,
    deal_create,
)
from smarketing.scoring.models import ContactScore
from tests.admin_forms import admin_errors, admin_post
from tests.factories import agreement_signed

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


def test_scores_cannot_be_deleted_by_hand(admin_client: Client, make_user) -> None:
    # given a score (a score goes with the state row the worker folds into; both go with the
    # contact or the version)
    yaml_text = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
    version = agreement_signed(
        yaml_text, make_user("marketing_manager"), make_user("sales_manager")
    )
    contact = contact_create(actor=None, email="anne@acme.fr")
    score = ContactScore.objects.create(
        version=version,
        contact=contact,
        fit_grade="D",
        fit_points=0,
        engagement=0.0,
        computed_at=timezone.now(),
    )
    # then the admin offers no deletion, and refuses one
    page = admin_client.get("/admin/scoring/contactscore/")
    assert page.status_code == 200
    assert b'value="delete_selected"' not in page.content
    assert admin_client.get(f"/admin/scoring/contactscore/{score.pk}/delete/").status_code == 403
    assert ContactScore.objects.filter(pk=score.pk).exists()


def test_contacts_added_and_edited_in_the_admin_keep_their_email_unique(
    admin_client: Client,
) -> None:
    # when an admin adds a contact, with a mixed-case e-mail
    added = admin_post(admin_client, "/admin/contacts/contact/add/", email=" Anne@Acme.FR ")
    assert added.status_code == 302, admin_errors(added)
    anne = Contact.objects.get()
    # then it is stored as the services store it, with its entry in the stage history
    assert (anne.email, anne.email_normalized) == ("Anne@Acme.FR", "anne@acme.fr")
    assert list(anne.stage_transitions.values_list("from_stage", "to_stage", "reason")) == [
        ("", "lead", "Created")
    ]
    # when another contact is added with the same e-mail in other letters, or a bad one
    same = admin_post(admin_client, "/admin/contacts/contact/add/", email="ANNE@acme.fr")
    bad = admin_post(admin_client, "/admin/contacts/contact/add/", email="anne@@acme")
    # then the form says why, next to the field, and nothing is saved
    assert same.status_code == 200
    assert admin_errors(same)[0]["email"] == ["A contact with this email already exists."]
    assert bad.status_code == 200
    assert list(admin_errors(bad)[0]) == ["email"]
    assert Contact.objects.count() == 1
    # and an edit of the e-mail keeps the normalised one in step
    url = f"/admin/contacts/contact/{anne.pk}/change/"
    edited = admin_post(admin_client, url, email="Anne.Martin@Acme.fr")
    assert edited.status_code == 302, admin_errors(edited)
    anne.refresh_from_db()
    assert anne.email_normalized == "anne.martin@acme.fr"
