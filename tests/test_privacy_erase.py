"""Erasing a contact: afterwards no column of any table holds its address, names or phone,
the reports' rows keep their counts, and the audit log says who erased it and what went."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from smarketing.contacts.models import Contact, StageTransition
from smarketing.core.errors import PermissionDeniedError
from smarketing.handoff.models import Handoff
from smarketing.mailing.models import Suppression
from smarketing.nurturing.models import Enrolment, Recycle
from smarketing.privacy.erase import ErasureError, address_fingerprint, address_was_erased
from smarketing.privacy.models import AuditEntry
from smarketing.privacy.services import contact_erase
from tests.privacy_world import EMAIL, FIRST, LAST, PHONE, privacy_world

pytestmark = pytest.mark.django_db(transaction=False)
NEEDLES = (EMAIL, FIRST, LAST, PHONE)


def _found_anywhere() -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text or JSON column holding one of the needles."""
    hits = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                continue
            for needle in NEEDLES:
                lookup = {f"{field.attname}__icontains": needle}
                if model._default_manager.filter(**lookup).exists():
                    hits.append((model._meta.db_table, field.attname, needle))
    return hits


@pytest.fixture
def world(make_user, tmp_path):
    return privacy_world(make_user, tmp_path)


def test_the_world_holds_the_contact_in_many_tables_before_erasure(world) -> None:
    tables = {table for table, _column, _needle in _found_anywhere()}
    assert {
        "contacts_contact",
        "capture_formsubmission",
        "tracking_event",
        "contacts_activity",
        "contacts_deal",
        "marketing_contentrating",
        "mailing_consentrecord",
        "mailing_outgoingmessage",
        "mailing_suppression",
        "handoff_handoff",
        "django_admin_log",
    } <= tables
    assert Path(world["job"].stored_as).read_text().count(EMAIL) == 1


def test_after_erasure_no_column_of_any_table_names_the_contact(
    world, django_capture_on_commit_callbacks
) -> None:
    contact, manager = world["contact"], world["marketing"]
    stages = StageTransition.objects.filter(contact=contact).count()
    with django_capture_on_commit_callbacks(execute=True):
        counts = contact_erase(actor=manager, contact=contact, confirm_email=EMAIL.upper())
    assert _found_anywhere() == []
    # the uploaded file naming her is gone; the job row stays for the import history
    assert not Path(world["job"].stored_as).exists()
    # the reports keep their rows: the anonymous contact, its stages, its hand-off, recycle and
    # enrolment (the hand-off's comment is emptied)
    kept = Contact.objects.get(pk=contact.pk)
    assert (kept.email, kept.email_normalized, kept.first_name, kept.phone) == ("", None, "", "")
    assert kept.lifecycle_stage == "nurturing"
    assert StageTransition.objects.filter(contact=contact).count() == stages
    handoff = Handoff.objects.get(contact=contact)
    assert (handoff.status, handoff.reason_code, handoff.comment) == ("rejected", "not_now", "")
    assert Recycle.objects.filter(contact=contact).count() == 1
    assert Enrolment.objects.filter(contact=contact).count() == 1
    # the suppression holds only the address's fingerprint: the address is never written again
    suppression = Suppression.objects.get()
    assert suppression.email_normalized == address_fingerprint(EMAIL)
    assert suppression.reason == "unsubscribed"
    assert address_was_erased(" Quorra.Xandervelt@LUMEN.example ")
    assert not address_was_erased("someone.else@lumen.example")
    # the audit log: who, which contact, and how many rows per table — no personal data
    entry = AuditEntry.objects.get(action="erased")
    assert (entry.actor, entry.subject_kind, entry.subject_id) == (manager, "contact", contact.pk)
    assert entry.details == {"rows": counts}
    # typed from the world: the form's and the download's events and touchpoints, two
    # e-mails (the news and the program's welcome), the hand-off's routing and rejection steps
    assert counts == {
        "touchpoints": 2,
        "events": 2,
        "identified_visitors": 1,
        "form_answers": 1,
        "consent_records": 1,
        "emails": 2,
        "activities": 1,
        "content_ratings": 1,
        "handoff_comments": 1,
        "stage_history_kept": 3,
        "stage_history_scrubbed": 1,
        "deals_kept": 1,
        "deals_scrubbed": 1,
        "handoffs_kept": 1,
        "handoff_steps_kept": 2,
        "handoff_steps_scrubbed": 1,
        "recycles_kept": 1,
        "enrolments_kept": 1,
        "enrolment_steps_kept": 3,
        "import_files": 1,
        "notifications": 1,
        "journal_facts": 1,
        "admin_log": 1,
        "suppressions_hashed": 1,
    }


def test_a_sales_rep_may_not_erase_and_nothing_changes(world) -> None:
    with pytest.raises(PermissionDeniedError):
        contact_erase(actor=world["lea"], contact=world["contact"])
    assert Contact.objects.get(pk=world["contact"].pk).email == EMAIL
    assert not AuditEntry.objects.filter(action="erased").exists()


def test_a_wrong_confirmation_is_refused_by_its_field_and_nothing_changes(world) -> None:
    with pytest.raises(ErasureError) as error:
        contact_erase(
            actor=world["marketing"], contact=world["contact"], confirm_email="other@lumen.example"
        )
    assert (error.value.code, error.value.field) == ("confirmation_mismatch", "email")
    assert Contact.objects.get(pk=world["contact"].pk).first_name == FIRST
    assert Path(world["job"].stored_as).exists()
