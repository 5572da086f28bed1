"""Opens and clicks through signed links: the real message's links redirect, forged or foreign
ones answer 404 and record nothing, machines are flagged and do not score."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from smarketing.mailing.delivery import email_of
from smarketing.mailing.models import OutgoingMessage
from smarketing.mailing.services import message_send, template_save
from smarketing.mailing.tracking import CLICK_SALT
from smarketing.tracking.models import Event
from tests.test_mailing_send import _opted_in

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0"


@pytest.fixture
def message() -> OutgoingMessage:
    template = template_save(
        actor=None,
        name="Offer",
        kind="marketing",
        subject_en="An offer, {{ contact.first_name }}",
        html_en='<p><a href="https://acme.example/offer?a=1&amp;b=2">Offer</a> '
        "<a href='https://acme.example/case'>Case</a></p>",
        text_en="https://acme.example/offer",
    )
    sent = message_send(key="offer-1", template=template, contact_id=_opted_in().pk)
    OutgoingMessage.objects.filter(pk=sent.pk).update(
        status="sent", sent_at=timezone.now() - timedelta(minutes=5)
    )
    sent.refresh_from_db()
    return sent


def _html(message: OutgoingMessage) -> str:
    email = email_of(message)
    return next(body for body, kind in email.alternatives if kind == "text/html")


def _paths(html: str, kind: str) -> list[str]:
    return re.findall(rf'https?://[^"\']+(/m/{kind}/[^"\']+)', html)


def test_links_go_through_signed_addresses_and_the_pixel_is_added(message) -> None:
    html = _html(message)
    assert "https://acme.example/offer" not in html
    assert "https://acme.example/case" not in html
    assert len(_paths(html, "c")) == 2
    assert len(_paths(html, "o")) == 1
    assert "/u/" in html  # the visible unsubscribe link is left as it is


def test_a_click_redirects_to_the_messages_own_link_and_is_an_event(message) -> None:
    first, second = _paths(_html(message), "c")
    client = Client(HTTP_USER_AGENT=BROWSER)
    response = client.get(first)
    assert (response.status_code, response["Location"]) == (
        302,
        "https://acme.example/offer?a=1&b=2",
    )
    assert client.get(second)["Location"] == "https://acme.example/case"
    clicks = Event.objects.filter(type="email_clicked", contact_id=message.contact_id)
    assert sorted(e.properties["url"] for e in clicks) == [
        "https://acme.example/case",
        "https://acme.example/offer?a=1&b=2",
    ]
    assert {e.properties["message"] for e in clicks} == {"offer-1"}


def test_forged_or_foreign_tokens_answer_404_and_record_nothing(message) -> None:
    first = _paths(_html(message), "c")[0]
    client = Client(HTTP_USER_AGENT=BROWSER)
    tampered = first[:-3] + ("A" if first[-3] != "A" else "B") + first[-2:]
    no_such_link = "/m/c/" + signing.dumps([message.pk, 7], salt=CLICK_SALT, compress=True)
    wrong_salt = "/m/c/" + signing.dumps([message.pk, 0], salt="other", compress=True)
    for path in (tampered, no_such_link, wrong_salt, "/m/o/nothing", "/m/c/%00"):
        assert client.get(path).status_code == 404, path
    assert not Event.objects.exists()


def test_opens_by_people_score_and_by_machines_are_flagged(message) -> None:
    pixel = _paths(_html(message), "o")[0]
    person = Client(HTTP_USER_AGENT=BROWSER).get(pixel)
    assert (person.status_code, person["Content-Type"]) == (200, "image/gif")
    Client(HTTP_USER_AGENT="Mozilla/5.0 (via ggpht.com GoogleImageProxy)").get(pixel)
    # a fetch seconds after delivery is a privacy proxy or a scanner, whatever its agent
    OutgoingMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())
    Client(HTTP_USER_AGENT=BROWSER).get(pixel)
    kinds = sorted(
        (e.type, e.properties.get("name", ""))
        for e in Event.objects.filter(contact_id=message.contact_id)
    )
    assert kinds == [
        ("custom", "email_open_machine"),
        ("custom", "email_open_machine"),
        ("email_opened", ""),
    ]
