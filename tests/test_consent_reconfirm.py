"""A withdrawn consent comes back only through the person's own confirmation, never through an
anonymous form answer (attacker's finding, high)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from smarketing.capture.forms import Answers, form_create, form_submit
from smarketing.capture.models import FormSubmission
from smarketing.capture.sites import site_create
from smarketing.contacts.consent_records import ConsentConfirmation
from smarketing.contacts.services import contact_update
from smarketing.contacts.tasks import consent_email_task
from smarketing.handoff.models import Handoff
from smarketing.handoff.services import handoffs_route
from smarketing.scoring.services import scoring_consume
from tests.handoff_world import cfo, team_world
from tests.receivers import smtp_delivery

pytestmark = pytest.mark.django_db
NOW = datetime.now(UTC)  # the pending line shows requests whose link is still valid


@pytest.fixture
def world():
    world = team_world()
    site = site_create(actor=world["marketing"], name="Acme", allowed_origins="https://acme.fr")
    form = form_create(
        actor=world["marketing"],
        site=site,
        name="Demo request",
        fields=["first_name"],
        consent_text="I agree to receive your guides.",
        demo_request=True,
    )
    contact = cfo("anne@acme.fr")
    contact_update(actor=None, contact=contact, consent="withdrawn")
    return {**world, "form": form, "contact": contact}


def _ticked(form, email: str = "ANNE@acme.FR") -> FormSubmission:
    return form_submit(form=form, answers=Answers(values={"email": email}, consent=True), now=NOW)


def test_an_anonymous_ticked_box_does_not_grant_withdrawn_consent_nor_make_an_mql(world) -> None:
    submission = _ticked(world["form"])
    contact = world["contact"]
    contact.refresh_from_db()
    # the answer is recorded, consent is not given back
    assert submission.contact_id == contact.pk
    assert submission.consent_given is True
    assert contact.consent == "withdrawn"
    # the demo request is scored, but the opted_out exclusion still holds: no MQL, no hand-off
    scoring_consume(now=NOW)
    handoffs_route(now=NOW)
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "lead"
    assert not Handoff.objects.filter(contact=contact).exists()
    # a re-subscription waits for the person's confirmation, and the contact page says so
    pending = ConsentConfirmation.objects.get(contact=contact)
    assert (pending.email, pending.via, pending.confirmed_at) == (
        "anne@acme.fr",
        "Demo request",
        None,
    )
    client = Client()
    client.force_login(world["manager"])
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert 'id="consent-pending"' in page
    assert "Re-subscription pending confirmation" in page


def test_a_second_answer_within_a_day_sends_no_second_email(world) -> None:
    _ticked(world["form"])
    _ticked(world["form"])
    assert ConsentConfirmation.objects.count() == 1


def test_the_person_confirms_from_the_link_in_the_real_email(world) -> None:
    _ticked(world["form"])
    pending = ConsentConfirmation.objects.get()
    with smtp_delivery(BASE_URL="https://crm.nuage.example") as inbox:
        consent_email_task.call(pending.pk)
        consent_email_task.call(pending.pk)  # a task run twice sends once
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "anne@acme.fr"
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https://crm\.nuage\.example(/consent/\S+/)", text).group(1)
    pending.refresh_from_db()
    assert pending.sent_at is not None
    client = Client(enforce_csrf_checks=False)
    # opening the link (or a mail scanner following it) changes nothing
    assert client.get(link).status_code == 200
    world["contact"].refresh_from_db()
    assert world["contact"].consent == "withdrawn"
    # pressing the button does
    done = client.post(link)
    assert done.status_code == 200
    assert 'id="consent-done"' in done.content.decode()
    world["contact"].refresh_from_db()
    assert world["contact"].consent == "granted"
    pending.refresh_from_db()
    assert pending.confirmed_at is not None
    # used twice: still confirmed, nothing else changes
    assert client.post(link).status_code == 200


def test_a_forged_or_expired_link_changes_nothing(world) -> None:
    from django.core import signing

    from smarketing.contacts.services.consent import SALT, consent_token

    _ticked(world["form"])
    pending = ConsentConfirmation.objects.get()
    client = Client()
    forged = client.post(f"/consent/{pending.pk}:anne@acme.fr:forged/")
    assert forged.status_code == 400
    assert "not valid" in forged.content.decode()
    old = signing.TimestampSigner(salt=SALT)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("time.time", lambda: (NOW - timedelta(days=30)).timestamp())
        expired_token = old.sign(f"{pending.pk}:anne@acme.fr")
    expired = client.post(f"/consent/{expired_token}/")
    assert expired.status_code == 400
    assert "expired" in expired.content.decode()
    # a link whose address is no longer the contact's does not grant consent to the new one
    token = consent_token(pending)
    contact_update(actor=None, contact=world["contact"], email="anne.martin@acme.fr")
    assert client.post(f"/consent/{token}/").status_code == 400
    world["contact"].refresh_from_db()
    assert world["contact"].consent == "withdrawn"


def test_a_contact_whose_consent_was_never_withdrawn_still_opts_in_by_form(world) -> None:
    other = cfo("paul@beta.fr")
    assert other.consent == "unknown"
    _ticked(world["form"], email="paul@beta.fr")
    other.refresh_from_db()
    assert other.consent == "granted"
    assert not ConsentConfirmation.objects.filter(contact=other).exists()
