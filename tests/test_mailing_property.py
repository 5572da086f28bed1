"""Property: whatever the order of subscribes, unsubscribes, bounces and complaints (as
reports about the e-mail sent, when there is one), sends, deliveries and days passing, no
message to a suppressed address (nor marketing without consent) reaches the real SMTP server,
and no contact gets more marketing e-mails recorded in any rolling 7 days than the cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smarketing.contacts.models import Contact
from smarketing.mailing.bounces import bounce_receive
from smarketing.mailing.consent import consent_record, suppression_add, unsubscribe_contact
from smarketing.mailing.delivery import message_deliver
from smarketing.mailing.models import OutgoingMessage
from smarketing.mailing.services import message_send, message_unsubscribe, template_save
from smarketing.mailing.tokens import unsubscribe_token
from tests.factories import ContactFactory
from tests.receivers import smtp_server

pytestmark = pytest.mark.django_db
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CAP = 2
ADDRESSES = ("anne@acme.fr", "bob@acme.fr", "chloe@acme.fr")

WHO = st.integers(min_value=0, max_value=len(ADDRESSES) - 1)
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("subscribe"), WHO),
        st.tuples(st.just("unsubscribe"), WHO),
        st.tuples(st.just("bounce"), WHO),
        st.tuples(st.just("complaint"), WHO),
        st.tuples(st.just("send"), WHO, st.sampled_from(["marketing", "transactional"])),
        st.tuples(st.just("send"), WHO, st.just("marketing")),
        st.tuples(st.just("subscribe"), WHO),
        st.tuples(st.just("deliver")),
        st.tuples(st.just("deliver")),
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=4)),
    ),
    min_size=1,
    max_size=40,
)


class Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def server():
    with smtp_server() as (inbox, port):
        yield inbox, port


def _unsubscribe(contact: Contact, now: datetime) -> None:
    """From the link of the contact's latest marketing e-mail when there is one, as a person
    would; else as the contact's record says (e.g. a reply asking to stop)."""
    latest = (
        OutgoingMessage.objects.filter(contact=contact, kind="marketing").order_by("-id").first()
    )
    if latest is not None:
        message_unsubscribe(token=unsubscribe_token(latest.pk), is_one_click=True, now=now)
    else:
        unsubscribe_contact(
            contact=contact, email=contact.email, source="manual", text="Asked by reply.", now=now
        )


def _bounce(contact: Contact, verb: str, now: datetime) -> None:
    """A delivery report or a complaint about the contact's latest e-mail, through the reader
    of reports, when one was sent; else the suppression as an admin would add it."""
    latest = OutgoingMessage.objects.filter(contact=contact, status="sent").order_by("-id").first()
    if latest is None:
        reason = "hard_bounced" if verb == "bounce" else "complained"
        suppression_add(email=contact.email, reason=reason, now=now)
        return
    report_type = "delivery-status" if verb == "bounce" else "feedback-report"
    fields = (
        "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; {contact.email}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        if verb == "bounce"
        else "Content-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
    )
    raw = (
        f"Message-ID: <{verb}-{latest.pk}-{now.timestamp()}@mx>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type={report_type}; boundary="B"\r\n\r\n'
        f"--B\r\n{fields}\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {latest.message_id}\r\n\r\n--B--\r\n"
    )
    assert bounce_receive(raw=raw.encode(), now=now).outcome in {"suppressed", "duplicate"}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=ACTIONS)
# the orders that matter most, always tried: suppressed or withdrawn between recording and
# delivery, and three marketing sends in one week
@example(actions=[("send", 0, "marketing"), ("bounce", 0), ("deliver",)])
@example(actions=[("send", 1, "transactional"), ("unsubscribe", 1), ("deliver",)])
@example(actions=[("send", 0, "marketing"), ("complaint", 0), ("subscribe", 0), ("deliver",)])
@example(actions=[("send", 0, "marketing")] * 3 + [("deliver",)])
@example(
    actions=[
        ("send", 0, "marketing"),
        ("deliver",),
        ("bounce", 0),
        ("send", 0, "transactional"),
        ("deliver",),
    ]
)
@example(
    actions=[
        ("send", 1, "marketing"),
        ("deliver",),
        ("complaint", 1),
        ("subscribe", 1),
        ("send", 1, "marketing"),
        ("deliver",),
    ]
)
def test_no_suppressed_address_is_ever_reached_and_the_cap_holds(server, actions) -> None:
    inbox, port = server
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
    }
    try:
        with transaction.atomic(), override_settings(MAILING_WEEKLY_CAP=CAP, **smtp):
            _run(inbox, actions)
            raise Rollback
    except Rollback:
        pass


def _run(inbox, actions) -> None:  # type: ignore[no-untyped-def]
    templates = {
        kind: template_save(
            actor=None,
            name=kind,
            kind=kind,
            subject_en="{{ contact.first_name }}",
            html_en="<p>Hi</p>",
            text_en="Hi",
        )
        for kind in ("marketing", "transactional")
    }
    contacts = [ContactFactory(email=address, first_name="P") for address in ADDRESSES]
    suppressed: set[str] = set()
    consented: set[str] = set(ADDRESSES[:2])  # the third has never said yes
    for contact in contacts[:2]:
        consent_record(contact=contact, is_granted=True, source="import", text="Yes", now=START)
    now, seen, sends = START, len(inbox.messages), 0
    for action in actions:
        verb = action[0]
        if verb == "wait":
            now += timedelta(days=action[1])
            continue
        if verb == "deliver":
            queued = list(OutgoingMessage.objects.filter(status="queued").order_by("id"))
            for message in queued:
                message_deliver(message.pk)
            marked_sent = OutgoingMessage.objects.filter(
                pk__in=[m.pk for m in queued], status="sent"
            )
            # every message marked sent reached the server, once
            assert sorted(m["Message-ID"] for m in inbox.messages[seen:]) == sorted(
                marked_sent.values_list("message_id", flat=True)
            )
            for mail in inbox.messages[seen:]:
                # then: nothing reached a suppressed address, nor marketing without consent
                assert mail["To"] not in suppressed
                sent = OutgoingMessage.objects.get(message_id=mail["Message-ID"])
                if sent.kind == "marketing":
                    assert mail["To"] in consented
            seen = len(inbox.messages)
            continue
        contact = contacts[action[1]]
        if verb == "subscribe":
            consent_record(contact=contact, is_granted=True, source="form", text="Yes", now=now)
            consented.add(contact.email)
        elif verb == "unsubscribe":
            _unsubscribe(contact, now)
            suppressed.add(contact.email)
            consented.discard(contact.email)
        elif verb in {"bounce", "complaint"}:
            _bounce(contact, verb, now)
            suppressed.add(contact.email)
        else:
            sends += 1
            message_send(
                key=f"m{sends}", template=templates[action[2]], contact_id=contact.pk, now=now
            )
    # and: in any rolling 7 days, at most CAP marketing e-mails were recorded to go to each
    for contact in contacts:
        times = sorted(
            OutgoingMessage.objects.filter(contact=contact, kind="marketing")
            .exclude(status="refused")
            .values_list("created_at", flat=True)
        )
        for i, start in enumerate(times):
            window = [t for t in times[i:] if t < start + timedelta(days=7)]
            assert len(window) <= CAP
