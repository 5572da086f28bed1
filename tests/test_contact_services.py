"""Contacts, accounts and the bulk history path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smarketing.contacts.choices import LifecycleStage
from smarketing.contacts.lifecycle import StageChangeError
from smarketing.contacts.models import Contact, StageTransition
from smarketing.contacts.services import (
    HistoryStep,
    account_create,
    activity_log,
    contact_create,
    contact_update,
    stage_history_bulk_write,
)
from smarketing.core.errors import ConflictError, DomainError, PermissionDeniedError
from smarketing.users.roles import Role

pytestmark = pytest.mark.django_db


def test_create_contact_writes_entry_row(make_user) -> None:
    # given a marketing user
    user = make_user(Role.MARKETING_USER)
    # when they create a contact
    contact = contact_create(
        actor=user, email="  Élodie.Martin@Exemple.FR ", first_name="Élodie", last_name="Martin"
    )
    # then the email is kept as typed (trimmed), normalised for uniqueness, with one entry row
    assert contact.email == "Élodie.Martin@Exemple.FR"
    assert contact.email_normalized == "élodie.martin@exemple.fr"
    assert contact.search_name == "elodie martin"
    assert list(StageTransition.objects.values_list("from_stage", "to_stage", "actor_id")) == [
        ("", "lead", user.pk)
    ]


@pytest.mark.parametrize("second", ["élodie@x.fr", "ÉLODIE@X.FR", " Élodie@x.fr"])
def test_duplicate_email_in_any_case_is_rejected(second: str) -> None:
    # given a contact with a non-ASCII email
    first = contact_create(actor=None, email="Élodie@x.fr", first_name="Élodie")
    # when another is created with the same email in another case
    with pytest.raises(ConflictError) as error:
        contact_create(actor=None, email=second, first_name="Other")
    # then it is refused and the existing record is untouched
    assert error.value.code == "duplicate_email"
    assert error.value.field == "email"
    assert Contact.objects.count() == 1
    first.refresh_from_db()
    assert (first.email, first.first_name) == ("Élodie@x.fr", "Élodie")
    assert StageTransition.objects.count() == 1


def test_update_to_a_taken_email_is_rejected() -> None:
    contact_create(actor=None, email="a@x.fr")
    other = contact_create(actor=None, email="b@x.fr", first_name="Bea")
    with pytest.raises(ConflictError):
        contact_update(actor=None, contact=other, email="A@X.FR", first_name="Changed")
    other.refresh_from_db()
    assert (other.email, other.first_name) == ("b@x.fr", "Bea")


@pytest.mark.parametrize("email", ["", "not-an-email", "a@", "@x.fr", "a b@x.fr"])
def test_invalid_email_is_rejected(email: str) -> None:
    with pytest.raises(DomainError) as error:
        contact_create(actor=None, email=email)
    assert (error.value.code, error.value.field) == ("invalid_email", "email")
    assert Contact.objects.count() == 0


def test_management_cannot_create_contacts(make_user) -> None:
    with pytest.raises(PermissionDeniedError):
        contact_create(actor=make_user(Role.MANAGEMENT), email="a@x.fr")
    assert Contact.objects.count() == 0


def test_account_domain_is_normalised_and_unique() -> None:
    account = account_create(actor=None, name="Acme", domain="https://www.Acme.fr/contact")
    assert account.domain == "acme.fr"
    with pytest.raises(ConflictError) as error:
        account_create(actor=None, name="Acme bis", domain="acme.FR")
    assert error.value.code == "duplicate_domain"


def test_update_cannot_touch_the_stage() -> None:
    contact = contact_create(actor=None, email="a@x.fr")
    with pytest.raises(DomainError) as error:
        contact_update(actor=None, contact=contact, lifecycle_stage="customer")
    assert error.value.code == "not_editable"
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "lead"


def test_activity_log_records_author(make_user) -> None:
    rep = make_user(Role.SALES_REP)
    contact = contact_create(actor=None, email="a@x.fr")
    activity = activity_log(actor=rep, contact=contact, kind="call", subject="Intro call")
    assert (activity.author, activity.kind, activity.contact) == (rep, "call", contact)
    with pytest.raises(DomainError):
        activity_log(actor=rep, contact=contact, kind="fax", subject="x")


def _at(day: int) -> datetime:
    return datetime(2026, 1, day, 9, 0, tzinfo=UTC)


def test_bulk_history_accepts_a_valid_path() -> None:
    contact = contact_create(actor=None, email="a@x.fr")
    steps = [
        HistoryStep(contact_id=contact.pk, from_stage="lead", to_stage="mql", at=_at(2)),
        HistoryStep(contact_id=contact.pk, from_stage="mql", to_stage="sql", at=_at(3)),
        HistoryStep(contact_id=contact.pk, from_stage="sql", to_stage="nurturing", at=_at(4)),
    ]
    assert stage_history_bulk_write(steps=steps) == 3
    rows = list(
        StageTransition.objects.exclude(from_stage="")
        .order_by("at")
        .values_list("from_stage", "to_stage", "is_skip")
    )
    assert rows == [("lead", "mql", False), ("mql", "sql", True), ("sql", "nurturing", False)]


def test_bulk_history_refuses_an_invalid_step_and_writes_nothing_of_its_batch() -> None:
    contact = contact_create(actor=None, email="a@x.fr")
    steps = [
        HistoryStep(contact_id=contact.pk, from_stage="lead", to_stage="mql", at=_at(2)),
        HistoryStep(contact_id=contact.pk, from_stage="customer", to_stage="mql", at=_at(3)),
    ]
    with pytest.raises(StageChangeError) as error:
        stage_history_bulk_write(steps=steps)
    assert error.value.code == "stage_transition_forbidden"
    assert f"Contact {contact.pk}" in error.value.message
    assert StageTransition.objects.count() == 1  # only the entry row of contact_create


def test_bulk_history_reinstatement_needs_a_manager() -> None:
    contact = contact_create(actor=None, email="a@x.fr", stage=LifecycleStage.DISQUALIFIED)
    step = HistoryStep(contact_id=contact.pk, from_stage="disqualified", to_stage="lead", at=_at(2))
    with pytest.raises(StageChangeError) as error:
        stage_history_bulk_write(steps=[step])
    assert error.value.code == "stage_transition_requires_manager"
    manager_step = HistoryStep(
        contact_id=contact.pk,
        from_stage="disqualified",
        to_stage="lead",
        at=_at(2),
        actor_is_manager=True,
    )
    assert stage_history_bulk_write(steps=[manager_step]) == 1
