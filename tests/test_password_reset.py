"""Password reset by email, delivered through a real local SMTP server."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.receivers import Inbox, smtp_delivery


@pytest.fixture
def smtp():
    with smtp_delivery() as inbox:
        yield inbox


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
