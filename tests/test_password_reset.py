"""Password reset by email, delivered through a real local SMTP server."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
    ):
        yield inbox
    controller.stop()


@pytest.mark.django_db
def test_reset_link_arrives_by_smtp_and_sets_a_new_password(smtp: Inbox, make_user) -> None:
    # given a user
    make_user("sales_rep", username="julie", email="julie@nuage.fr")
    client = Client()
    # when they ask for a reset
    response = client.post("/password-reset/", {"email": "julie@nuage.fr"})
    assert response.status_code == 302
    # then one email arrives with a link
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "julie@nuage.fr"
    assert message["Subject"] == "Reset your Smarketing password"
    link = re.search(r"http://testserver(/password-reset/\S+/)", message.get_content()).group(1)
    # and following it sets a new password that logs in
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    done = client.post(
        form_url, {"new_password1": "Brand new pass 42", "new_password2": "Brand new pass 42"}
    )
    assert done.status_code == 302
    assert Client().login(username="julie", password="Brand new pass 42")


@pytest.mark.django_db
def test_unknown_address_sends_nothing_but_says_the_same(smtp: Inbox) -> None:
    response = Client().post("/password-reset/", {"email": "nobody@nowhere.fr"})
    assert response.status_code == 302
    assert smtp.messages == []
