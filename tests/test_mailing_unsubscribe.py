"""One-click unsubscribe (RFC 8058) from a real received e-mail: the POST needs no login, no
cookie and no CSRF token, answers 200 without a redirect and suppresses at once; the page asks
first on GET; a forged or altered token shows a clear page and changes nothing. DKIM: a received
message's signature verifies with dkimpy and covers the unsubscribe headers."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import dkim
import pytest
from django.test import Client, override_settings

from smarketing.contacts.choices import ConsentState
from smarketing.mailing.consent import consent_record
from smarketing.mailing.delivery import message_deliver
from smarketing.mailing.models import ConsentRecord, Suppression
from smarketing.mailing.services import message_send, template_save
from tests.factories import ContactFactory
from tests.receivers import Inbox, free_port, smtp_delivery


class RawInbox(Inbox):
    """The receiving server's inbox, keeping each message's bytes as they arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.content)
        return await super().handle_DATA(server, session, envelope)


pytestmark = pytest.mark.django_db


def _received(**settings: object):
    """Anne, opted in, and the marketing e-mail she received through a real SMTP server."""
    template = template_save(
        actor=None,
        name="News",
        kind="marketing",
        subject_en="News for {{ contact.first_name }}",
        html_en="<p>Hello {{ contact.first_name }}</p>",
        text_en="Hello {{ contact.first_name }}",
    )
    contact = ContactFactory(email="anne@acme.fr", first_name="Anne")
    consent_record(contact=contact, is_granted=True, source="form", text="Yes, send me news.")
    with smtp_delivery(BASE_URL="https://crm.acme.example", **settings) as inbox:
        message = message_send(key="news-1", template=template, contact_id=contact.pk)
        message_deliver(message.pk)
    [mail] = inbox.messages
    url = mail["List-Unsubscribe"].split(",")[0].strip(" <>")
    return contact, template, mail, url.removeprefix("https://crm.acme.example")


def _received_raw(**settings: object) -> tuple[Any, bytes]:
    """The same, through a server that keeps the bytes received (what DKIM verifies)."""
    from aiosmtpd.controller import Controller

    inbox, port = RawInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            BASE_URL="https://crm.acme.example",
            **settings,
        ):
            template = template_save(
                actor=None,
                name="News",
                kind="marketing",
                subject_en="News for {{ contact.first_name }}",
                html_en="<p>Hello {{ contact.first_name }}, Crème brûlée</p>",
                text_en="Hello {{ contact.first_name }}, crème brûlée",
            )
            contact = ContactFactory(email="anne@acme.fr", first_name="Anne")
            consent_record(contact=contact, is_granted=True, source="form", text="Yes.")
            message_deliver(message_send(key="n", template=template, contact_id=contact.pk).pk)
    finally:
        controller.stop()
    [mail] = inbox.messages
    [raw] = inbox.raw
    return mail, raw


def test_a_one_click_post_without_cookies_unsubscribes_at_once() -> None:
    contact, template, _mail, path = _received()
    # when a mail client posts the RFC 8058 body, with no cookie and no CSRF token
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    # then 200, no redirect, no cookie set, and the address is suppressed at once
    assert response.status_code == 200
    assert response.cookies == {}
    assert 'id="unsubscribe-done"' in response.content.decode()
    contact.refresh_from_db()
    assert contact.consent == ConsentState.WITHDRAWN
    suppression = Suppression.objects.get()
    assert (suppression.email_normalized, suppression.reason) == ("anne@acme.fr", "unsubscribed")
    record = ConsentRecord.objects.filter(is_granted=False).get()
    assert record.source == "one_click"
    assert record.text.endswith(": one-click unsubscribe (RFC 8058).")
    # and the next e-mail, of any key, is refused
    later = message_send(key="news-2", template=template, contact_id=contact.pk)
    assert (later.status, later.refusal) == ("refused", "suppressed")
    # posting again changes nothing more
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Suppression.objects.count() == 1
    assert ConsentRecord.objects.filter(is_granted=False).count() == 1


def test_the_link_page_asks_first_and_a_get_changes_nothing() -> None:
    contact, _template, _mail, path = _received()
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop the marketing e-mails sent to anne@acme.fr?" in page.content.decode()
    assert Suppression.objects.count() == 0
    contact.refresh_from_db()
    assert contact.consent == ConsentState.GRANTED
    # the person presses the button (a plain form post)
    done = client.post(path, {})
    assert done.status_code == 200
    assert "Done: anne@acme.fr will receive no more e-mail from us." in done.content.decode()
    assert ConsentRecord.objects.filter(is_granted=False).get().source == "unsubscribe_link"
    assert Suppression.objects.count() == 1


@pytest.mark.parametrize("how", ["altered", "forged", "preview"])
def test_a_forged_or_altered_token_shows_a_clear_page_and_changes_nothing(how: str) -> None:
    contact, _template, _mail, path = _received()
    token = path.rpartition("/")[2]
    bad = {
        "altered": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "forged": "Mg:1xajab:notavalidsignatureatall",  # message 2, signed by no one
        "preview": "preview",
    }[how]
    client = Client()
    for response in (
        client.get(f"/u/{bad}"),
        client.post(f"/u/{bad}", {"List-Unsubscribe": "One-Click"}),
    ):
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert Suppression.objects.count() == 0
    contact.refresh_from_db()
    assert contact.consent == ConsentState.GRANTED


def _key_pair(folder: Path) -> tuple[Path, bytes]:
    key = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_a_received_message_carries_a_dkim_signature_that_verifies(tmp_path: Path) -> None:
    key, record = _key_pair(tmp_path)
    settings = {
        "MAILING_DKIM_DOMAIN": "acme.example",
        "MAILING_DKIM_SELECTOR": "sm1",
        "MAILING_DKIM_KEY_FILE": str(key),
    }
    mail, raw = _received_raw(**settings)
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return record

    signature = mail["DKIM-Signature"]
    signed = dict(
        part.strip().split("=", 1) for part in str(signature).replace("\r\n", "").split(";")
    )
    assert (signed["d"], signed["s"], signed["c"]) == ("acme.example", "sm1", "relaxed/relaxed")
    assert {h.strip().lower() for h in signed["h"].split(":")} >= {
        "from",
        "subject",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "message-id",
    }
    assert dkim.verify(raw, dnsfunc=dns) is True
    assert asked == [b"sm1._domainkey.acme.example."]
    # a changed unsubscribe header breaks the signature
    tampered = raw.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        b"List-Unsubscribe-Post: List-Unsubscribe=Two-Click",
    )
    assert tampered != raw
    assert dkim.verify(tampered, dnsfunc=dns) is False


def test_without_a_key_nothing_is_signed() -> None:
    with override_settings(MAILING_DKIM_KEY_FILE=""):
        _contact, _template, mail, _path = _received()
    assert mail["DKIM-Signature"] is None
