"""Sending: recorded once per (message key, contact), refused with a reason (suppressed, no
consent, role address, over the weekly cap), delivered only by the worker through a real SMTP
server, retried with backoff, and never sent to an address suppressed after it was recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from smarketing.contacts.choices import ConsentState
from smarketing.core.errors import DomainError
from smarketing.journal.models import Fact
from smarketing.mailing.consent import consent_record, suppression_add
from smarketing.mailing.delivery import message_deliver
from smarketing.mailing.models import ConsentRecord, EmailTemplate, OutgoingMessage, Suppression
from smarketing.mailing.services import message_send, template_save
from smarketing.users.roles import Role
from tests.admin_forms import admin_post
from tests.factories import ContactFactory, UserFactory
from tests.receivers import free_port, smtp_delivery

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TASK = "smarketing.mailing.tasks.message_deliver_task"


def _template(kind: str = "marketing", name: str = "News") -> EmailTemplate:
    return template_save(
        actor=None,
        name=name,
        kind=kind,
        subject_en="News for {{ contact.first_name }}",
        html_en="<p>Hello {{ contact.first_name }}</p>",
        text_en="Hello {{ contact.first_name }}",
    )


def _opted_in(email: str = "anne@acme.fr", **fields: object):
    contact = ContactFactory(email=email, first_name="Anne", **fields)
    consent_record(
        contact=contact, is_granted=True, source="form", text="Send me your guides.", now=NOW
    )
    return contact


def _tasks() -> int:
    return DBTaskResult.objects.filter(task_path=TASK).count()


def test_consent_is_recorded_with_its_words_and_sets_the_contacts_state() -> None:
    contact = ContactFactory(email="anne@acme.fr")
    record = consent_record(
        contact=contact, is_granted=True, source="form", text="Send me your guides.", now=NOW
    )
    contact.refresh_from_db()
    assert contact.consent == ConsentState.GRANTED
    assert (record.email, record.source, record.text, record.recorded_at) == (
        "anne@acme.fr",
        "form",
        "Send me your guides.",
        NOW,
    )
    # the contact's consent change is journalled, as every consent change is
    assert Fact.objects.filter(kind="consent_changed", contact_id=contact.pk).count() == 1
    with pytest.raises(DomainError) as caught:
        consent_record(contact=contact, is_granted=True, source="fax", text="")
    assert (caught.value.code, caught.value.field) == ("invalid_consent_source", "source")
    assert ConsentRecord.objects.count() == 1


def test_a_message_is_recorded_once_per_key_and_contact_with_one_delivery_task() -> None:
    template, contact = _template(), _opted_in()
    first = message_send(
        key="newsletter-2026-12", template=template, contact_id=contact.pk, now=NOW
    )
    again = message_send(
        key="newsletter-2026-12", template=template, contact_id=contact.pk, now=NOW
    )
    assert again.pk == first.pk
    assert again.message_id == first.message_id
    assert first.message_id.endswith("@localhost>")  # DEFAULT_FROM_EMAIL's domain
    assert (first.status, first.refusal, first.subject) == ("queued", "", "News for Anne")
    assert OutgoingMessage.objects.count() == 1
    assert _tasks() == 1
    with pytest.raises(DomainError) as caught:
        message_send(key="", template=template, contact_id=contact.pk)
    assert caught.value.code == "invalid_message_key"


@pytest.mark.parametrize(
    ("kind", "setup", "reason"),
    [
        ("marketing", "suppressed", "suppressed"),
        ("transactional", "suppressed", "suppressed"),
        ("marketing", "no_consent", "no_consent"),
        ("marketing", "withdrawn", "no_consent"),
        ("marketing", "role", "role_address"),
        ("marketing", "no_email", "no_email"),
    ],
)
def test_a_refused_message_is_recorded_with_its_reason_and_never_queued(
    kind: str, setup: str, reason: str
) -> None:
    template = _template(kind)
    if setup == "no_consent":
        contact = ContactFactory(email="anne@acme.fr")
    elif setup == "role":
        contact = _opted_in("postmaster@acme.fr")
    elif setup == "no_email":
        contact = ContactFactory(email="", email_normalized=None, consent=ConsentState.GRANTED)
    else:
        contact = _opted_in()
    if setup == "suppressed":
        suppression_add(email="ANNE@acme.fr", reason="hard_bounced")
    if setup == "withdrawn":
        consent_record(contact=contact, is_granted=False, source="api", text="")
    message = message_send(key="k1", template=template, contact_id=contact.pk, now=NOW)
    assert (message.status, message.refusal) == ("refused", reason)
    assert (message.subject, message.html) == ("", "")
    assert _tasks() == 0


def test_transactional_mail_needs_no_consent_and_ignores_the_cap() -> None:
    template = _template("transactional", "Receipt")
    contact = ContactFactory(email="anne@acme.fr", first_name="Anne")
    with override_settings(MAILING_WEEKLY_CAP=1):
        sent = [
            message_send(key=f"r{n}", template=template, contact_id=contact.pk, now=NOW).status
            for n in range(3)
        ]
    assert sent == ["queued", "queued", "queued"]


def test_the_weekly_cap_counts_marketing_of_the_last_seven_days() -> None:
    template, contact = _template(), _opted_in()
    with override_settings(MAILING_WEEKLY_CAP=2):
        # given two marketing e-mails recorded on 1 and 3 December
        day1 = message_send(key="a", template=template, contact_id=contact.pk, now=NOW)
        day3 = message_send(
            key="b", template=template, contact_id=contact.pk, now=NOW + timedelta(days=2)
        )
        # when a third comes on 7 December, and a fourth exactly 7 days after the first
        third = message_send(
            key="c", template=template, contact_id=contact.pk, now=NOW + timedelta(days=6)
        )
        fourth = message_send(
            key="d", template=template, contact_id=contact.pk, now=NOW + timedelta(days=7)
        )
    # then the third is over the cap; by the fourth, the first has left the rolling window
    assert [m.status for m in (day1, day3, third, fourth)] == [
        "queued",
        "queued",
        "refused",
        "queued",
    ]
    assert third.refusal == "over_cap"


def test_the_worker_delivers_through_smtp_with_the_unsubscribe_headers_once() -> None:
    template, contact = _template(), _opted_in()
    with smtp_delivery(BASE_URL="https://crm.acme.example") as inbox:
        message = message_send(key="k", template=template, contact_id=contact.pk, now=NOW)
        # when the worker delivers it, then runs again (a task run twice)
        assert message_deliver(message.pk) is None
        assert message_deliver(message.pk) is None
    # then the server got it once, as recorded
    [mail] = inbox.messages
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert mail["Message-ID"] == message.message_id
    assert mail["To"] == "anne@acme.fr"
    assert mail["From"] == "Smarketing <smarketing@localhost>"
    assert mail["Subject"] == "News for Anne"
    # a long header is folded on the wire: its value starts after the fold
    url = mail["List-Unsubscribe"].split(",")[0].strip("<> ")
    assert url.startswith("https://crm.acme.example/u/")
    token = url.rpartition("/")[2]
    assert mail["List-Unsubscribe"].strip() == (
        f"<{url}>, <mailto:smarketing@localhost?subject=unsubscribe%20{token}>"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "anne" not in token  # opaque: no address in it
    assert mail.get_body(("plain",)).get_content().splitlines() == [
        "Hello Anne",
        "",
        "-- ",
        f"Unsubscribe: {url}",
    ]
    html = mail.get_body(("html",)).get_content()
    assert "<p>Hello Anne</p>" in html
    assert f'<a href="{url}"' in html


def test_a_transactional_message_has_no_list_unsubscribe() -> None:
    template, contact = _template("transactional", "Receipt"), _opted_in()
    with smtp_delivery() as inbox:
        message_deliver(message_send(key="k", template=template, contact_id=contact.pk).pk)
    [mail] = inbox.messages
    assert mail["List-Unsubscribe"] is None
    assert mail["List-Unsubscribe-Post"] is None


def test_an_address_suppressed_after_recording_gets_nothing() -> None:
    template, contact = _template(), _opted_in()
    message = message_send(key="k", template=template, contact_id=contact.pk, now=NOW)
    suppression_add(email="anne@acme.fr", reason="complained")
    with smtp_delivery() as inbox:
        assert message_deliver(message.pk) is None
    assert inbox.messages == []
    message.refresh_from_db()
    assert (message.status, message.refusal, message.attempts) == ("refused", "suppressed", 0)


def test_consent_withdrawn_after_recording_stops_a_marketing_message() -> None:
    template, contact = _template(), _opted_in()
    message = message_send(key="k", template=template, contact_id=contact.pk, now=NOW)
    consent_record(contact=contact, is_granted=False, source="api", text="Stop.")
    with smtp_delivery() as inbox:
        message_deliver(message.pk)
    assert inbox.messages == []
    message.refresh_from_db()
    assert (message.status, message.refusal) == ("refused", "no_consent")


def test_an_smtp_failure_is_retried_with_backoff_then_delivered_once() -> None:
    template, contact = _template(), _opted_in()
    message = message_send(key="k", template=template, contact_id=contact.pk, now=NOW)
    # given no SMTP server listening
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(),
    ):
        delay = message_deliver(message.pk)
    # then a retry is due after the first backoff (30 s ± 20 %)
    assert delay is not None
    assert 24 <= delay.total_seconds() <= 36
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("retrying", 1)
    assert message.last_error.startswith("SMTP: ")
    # when the server is back, the retry delivers it, once
    with smtp_delivery() as inbox:
        assert message_deliver(message.pk) is None
        assert message_deliver(message.pk) is None
    assert inbox.message_ids() == [message.message_id]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_after_the_last_attempt_the_message_fails_for_good() -> None:
    template, contact = _template(), _opted_in()
    message = message_send(key="k", template=template, contact_id=contact.pk, now=NOW)
    OutgoingMessage.objects.filter(pk=message.pk).update(attempts=4, status="retrying")
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(),
    ):
        assert message_deliver(message.pk) is None
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 5)


def test_an_address_added_by_hand_in_the_admin_is_normalised_and_not_doubled() -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN))
    url = "/admin/mailing/suppression/add/"
    added = admin_post(client, url, email_normalized=" Anne@Acme.FR ", reason="manual")
    assert added.status_code == 302
    assert Suppression.objects.get().email_normalized == "anne@acme.fr"
    again = admin_post(client, url, email_normalized="anne@ACME.fr", reason="manual")
    assert again.status_code == 200
    assert again.context["adminform"].form.errors["email_normalized"] == [
        "Suppressed address with this Address already exists."
    ]
    assert Suppression.objects.count() == 1
