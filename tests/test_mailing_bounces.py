"""Bounces and complaints by plain SMTP: a delivery report (RFC 3464) or a feedback report
(RFC 5965) posted to the endpoint suppresses at once (hard bounce, complaint) or at the third
(soft bounces); a report about a message we did not send is ignored; a report posted twice
counts once."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from smarketing.mailing.consent import consent_record
from smarketing.mailing.models import Bounce, OutgoingMessage, Suppression
from smarketing.mailing.services import message_send, template_save
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-bounce-token"


def _dsn(report_id: str, original: str, *, action: str = "failed", status: str = "5.1.1") -> bytes:
    return f"""From: MAILER-DAEMON@mx.acme.fr
To: smarketing@localhost
Subject: Undelivered Mail Returned to Sender
Message-ID: <{report_id}@mx.acme.fr>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.acme.fr

Final-Recipient: rfc822; anne@acme.fr
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 {status} User unknown

--B
Content-Type: text/rfc822-headers

Message-ID: {original}
To: anne@acme.fr
Subject: News

--B--
""".replace("\n", "\r\n").encode()


def _arf(original: str) -> bytes:
    return f"""From: feedback@isp.example
To: abuse@acme.example
Subject: FW: News
Message-ID: <arf-1@isp.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an abuse report.
--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ISP-FBL/1.0
Version: 1

--F
Content-Type: message/rfc822

From: Smarketing <smarketing@localhost>
To: anne@acme.fr
Subject: News
Message-ID: {original}

Hello Anne
--F--
""".replace("\n", "\r\n").encode()


@pytest.fixture
def sent() -> OutgoingMessage:
    template = template_save(
        actor=None,
        name="News",
        kind="marketing",
        subject_en="News",
        html_en="<p>Hi</p>",
        text_en="Hi",
    )
    contact = ContactFactory(email="Anne@Acme.fr")
    consent_record(contact=contact, is_granted=True, source="form", text="Yes")
    return message_send(key="news-1", template=template, contact_id=contact.pk)


def _post(body: bytes, token: str = TOKEN):  # type: ignore[no-untyped-def]
    with override_settings(MAILING_BOUNCE_TOKEN=TOKEN):
        return Client(enforce_csrf_checks=True).post(
            "/mailing/bounces/",
            body,
            content_type="message/rfc822",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )


def test_a_hard_bounce_suppresses_the_address_at_once_and_counts_once(sent) -> None:
    response = _post(_dsn("r1", sent.message_id))
    assert response.status_code == 200
    assert response.json() == {"outcome": "suppressed", "email": "anne@acme.fr"}
    suppression = Suppression.objects.get()
    assert (suppression.email_normalized, suppression.reason) == ("anne@acme.fr", "hard_bounced")
    assert suppression.detail == "5.1.1 smtp; 550 5.1.1 User unknown"
    # the same report again: counted once
    assert _post(_dsn("r1", sent.message_id)).json() == {
        "outcome": "duplicate",
        "email": "anne@acme.fr",
    }
    assert Bounce.objects.count() == 1


def test_soft_bounces_suppress_at_the_third(sent) -> None:
    outcomes = [
        _post(_dsn(f"s{n}", sent.message_id, action="delayed", status="4.2.2")).json()["outcome"]
        for n in range(3)
    ]
    assert outcomes == ["recorded", "recorded", "suppressed"]
    assert Suppression.objects.get().reason == "soft_bounced"


def test_a_complaint_suppresses_the_address(sent) -> None:
    assert _post(_arf(sent.message_id)).json() == {
        "outcome": "suppressed",
        "email": "anne@acme.fr",
    }
    assert Suppression.objects.get().reason == "complained"
    assert Bounce.objects.get().kind == "complaint"


def test_a_report_about_a_message_we_did_not_send_is_ignored(sent) -> None:
    assert _post(_dsn("r9", "<someone-else@elsewhere>")).json() == {
        "outcome": "ignored",
        "email": "",
    }
    assert (Bounce.objects.count(), Suppression.objects.count()) == (0, 0)


def test_the_endpoint_refuses_a_bad_token_and_what_is_not_a_report(sent) -> None:
    refused = _post(_dsn("r1", sent.message_id), token="guess")
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_token"
    junk = _post(b"Subject: hello\r\n\r\nnot a report\r\n")
    assert junk.status_code == 400
    assert junk.json() == {
        "code": "not_a_report",
        "message": "This is not a delivery status notification (multipart/report; "
        "report-type=delivery-status) nor a feedback report (report-type=feedback-report).",
        "field": None,
    }
    assert (Bounce.objects.count(), Suppression.objects.count()) == (0, 0)
    # without a token configured the endpoint does not exist
    assert (
        Client().post("/mailing/bounces/", b"x", content_type="message/rfc822").status_code == 404
    )
