"""Login throttling (django-axes, ADR 0014): per account and per address, ours and the admin's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from smarketing.core import config
from smarketing.web.lockout import client_address

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"  # the factories' password
LOCKED = "Too many failed login attempts: logging in is blocked for up to 15 minutes."
LOCKED_FR = (
    "Trop de tentatives de connexion échouées : la connexion est bloquée pendant "
    "15 minutes au plus."
)
WRONG = "Please enter a correct username and password."


def _login(client: Client, username: str, password: str, path: str = "/login/", **meta: Any):
    return client.post(path, {"username": username, "password": password}, **meta)


def _fail(client: Client, username: str, times: int, **meta: Any) -> list[int]:
    return [_login(client, username, "wrong", **meta).status_code for _ in range(times)]


def _logged_in(response: HttpResponse, to: str = "/") -> bool:
    return response.status_code == 302 and response["Location"] == to


def _age_attempts(by: timedelta) -> None:
    AccessAttempt.objects.update(attempt_time=timezone.now() - by)


def test_five_wrong_passwords_then_the_right_one_is_refused_with_the_message(make_user) -> None:
    # given julie, and someone who tries four wrong passwords
    make_user(username="julie")
    client = Client()
    first_four = [_login(client, "julie", "wrong") for _ in range(4)]
    assert [r.status_code for r in first_four] == [200, 200, 200, 200]
    assert all(WRONG in r.content.decode() for r in first_four)
    # when the fifth is wrong too, then the page already says she is locked out
    fifth = _login(client, "julie", "wrong")
    assert fifth.status_code == 429
    # and the right password is refused with the message, on the login page, not a traceback
    response = _login(client, "julie", RIGHT)
    body = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert body.count(LOCKED) == 1
    assert WRONG not in body
    assert '<form method="post">' in body
    assert 'value="julie"' in body
    assert "_auth_user_id" not in client.session
    # and the refused attempt was not counted (the window shown holds)
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("julie", 5)
    ]


def test_the_right_password_works_again_once_the_window_is_over(make_user) -> None:
    # given julie locked out by five wrong passwords
    make_user(username="julie")
    client = Client()
    assert _fail(client, "julie", 5) == [200, 200, 200, 200, 429]
    # when the last failure is 14 min 59 s old, then she is still refused
    _age_attempts(timedelta(minutes=14, seconds=59))
    assert _login(client, "julie", RIGHT).status_code == 429
    # when it is 15 min 1 s old, then the right password logs her in
    _age_attempts(timedelta(minutes=15, seconds=1))
    assert _logged_in(_login(client, "julie", RIGHT))


def test_one_address_is_locked_across_different_usernames(make_user) -> None:
    # given one address that tries one wrong password on each of five accounts
    make_user(username="julie")
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    statuses = [
        _login(attacker, name, "wrong").status_code
        for name in ("ana", "bob", "chloe", "david", "emma")
    ]
    assert statuses == [200, 200, 200, 200, 429]
    # when julie's right password comes from that address, then it is refused
    assert _login(attacker, "julie", RIGHT).status_code == 429
    # and from another address it logs her in: her account had no failure
    assert _logged_in(_login(Client(REMOTE_ADDR="198.51.100.8"), "julie", RIGHT))


def test_one_account_is_locked_from_many_addresses(make_user) -> None:
    # given five wrong passwords on julie, each from another address
    make_user(username="julie")
    statuses = [
        _login(Client(REMOTE_ADDR=f"203.0.113.{n}"), "julie", "wrong").status_code
        for n in range(1, 6)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    # when her right password comes from a sixth address, then it is refused
    assert _login(Client(REMOTE_ADDR="203.0.113.6"), "julie", RIGHT).status_code == 429


def test_behind_a_proxy_the_forwarded_address_decides_and_cannot_be_rotated(
    make_user, settings
) -> None:
    # given the app behind one proxy, which appends the client's address to X-Forwarded-For
    settings.TRUSTED_PROXY_COUNT = 1
    make_user(username="julie")
    via_proxy = Client(REMOTE_ADDR="10.0.0.1")
    # when one client tries five accounts, writing a new X-Forwarded-For value each time
    statuses = [
        _login(
            via_proxy, name, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9"
        ).status_code
        for n, name in enumerate(("ana", "bob", "chloe", "david", "emma"))
    ]
    # then the address the proxy saw is locked all the same
    assert statuses == [200, 200, 200, 200, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    assert _login(via_proxy, "julie", RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # and another client through the same proxy logs in
    assert _logged_in(_login(via_proxy, "julie", RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.10"))


def test_without_a_proxy_the_forwarded_header_is_ignored(make_user) -> None:
    # given the default (no trusted proxy) and one address that rotates X-Forwarded-For
    make_user(username="julie")
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    statuses = [
        _login(attacker, name, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n, name in enumerate(("ana", "bob", "chloe", "david", "emma"))
    ]
    # then its own address is locked, whatever the header says
    assert statuses == [200, 200, 200, 200, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    assert _login(attacker, "julie", RIGHT, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "header", "meta", "expected"),
    [
        (0, "X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "198.51.100.7"),
        (1, "X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}, "203.0.113.9"),
        (
            2,
            "X-Forwarded-For",
            {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9, 10.0.0.2"},
            "203.0.113.9",
        ),
        (1, "X-Forwarded-For", {}, "198.51.100.7"),
        (2, "X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "198.51.100.7"),
        (1, "X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "1.2.3.4, not-an-ip"}, "198.51.100.7"),
        (
            1,
            "X-Real-IP",
            {"HTTP_X_REAL_IP": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"},
            "203.0.113.9",
        ),
        (1, "X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "2001:db8:1:2:aa::1"}, "2001:db8:1:2::"),
        (0, "X-Forwarded-For", {"REMOTE_ADDR": "::ffff:198.51.100.9"}, "198.51.100.9"),
    ],
)
def test_client_address(
    proxies: int, header: str, meta: dict[str, str], expected: str, settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.CLIENT_IP_HEADER = header
    request = RequestFactory().post("/login/", **{"REMOTE_ADDR": "198.51.100.7", **meta})
    assert client_address(request) == expected


def test_ipv6_addresses_of_one_64_network_count_as_one(make_user) -> None:
    # given five wrong passwords from five addresses of one /64 network
    make_user(username="julie")
    statuses = [
        _login(Client(REMOTE_ADDR=f"2001:db8:1:2::{n}"), name, "wrong").status_code
        for n, name in enumerate(("ana", "bob", "chloe", "david", "emma"), start=1)
    ]
    # then the network is locked, and another network is not
    assert statuses == [200, 200, 200, 200, 429]
    assert _login(Client(REMOTE_ADDR="2001:db8:1:2::99"), "julie", RIGHT).status_code == 429
    assert _logged_in(_login(Client(REMOTE_ADDR="2001:db8:1:3::1"), "julie", RIGHT))


def test_a_success_starts_the_count_again(make_user) -> None:
    # given four wrong passwords, then the right one
    make_user(username="julie")
    assert _fail(Client(), "julie", 4) == [200, 200, 200, 200]
    assert _logged_in(_login(Client(), "julie", RIGHT))
    # when she gets it wrong again, then only the fifth new failure locks her out
    assert _fail(Client(), "julie", 5) == [200, 200, 200, 200, 429]


def test_logging_in_to_ones_own_account_does_not_reset_the_count_on_another(make_user) -> None:
    # given mallory, who has an account, tries four passwords on julie's
    make_user(username="julie")
    make_user(username="mallory")
    mallory = Client(REMOTE_ADDR="198.51.100.7")
    assert _fail(mallory, "julie", 4) == [200, 200, 200, 200]
    # when she logs in to her own account from the same address
    assert _logged_in(_login(mallory, "mallory", RIGHT))
    # then her next guess on julie's still reaches the limit
    assert _login(Client(REMOTE_ADDR="198.51.100.7"), "julie", "wrong").status_code == 429
    assert _login(Client(REMOTE_ADDR="198.51.100.8"), "julie", RIGHT).status_code == 429


def test_the_admin_login_shares_the_count_and_shows_the_message(make_user) -> None:
    # given an admin with three wrong passwords on our login page and two on the admin's
    make_user("admin", username="ada")
    client = Client()
    assert _fail(client, "ada", 3) == [200, 200, 200]
    admin_statuses = [_login(client, "ada", "wrong", path="/admin/login/").status_code]
    admin_statuses.append(_login(client, "ada", "wrong", path="/admin/login/").status_code)
    assert admin_statuses == [200, 429]
    # when the right password is given to the admin's login, then it is refused on its page
    response = _login(client, "ada", RIGHT, path="/admin/login/")
    body = response.content.decode()
    assert response.status_code == 429
    assert body.count(f'<p class="errornote">\n    {LOCKED}\n</p>') == 1
    assert "Please enter the correct username and password" not in body
    assert client.get("/admin/").status_code == 302


def test_the_lockout_message_is_in_french(make_user) -> None:
    # given a person who reads French
    make_user(username="julie")
    client = Client()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    # when she is locked out
    _fail(client, "julie", 5)
    response = _login(client, "julie", RIGHT)
    # then the page says so in French
    assert response.status_code == 429
    assert LOCKED_FR in response.content.decode()


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        (
            "LOGIN_FAILURE_LIMIT",
            "five",
            "LOGIN_FAILURE_LIMIT='five' is not a whole number: use e.g. 5.",
        ),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT='0' is too small: use 1 or more."),
    ],
)
def test_throttle_settings_must_be_whole_numbers(
    name: str, value: str, error: str, monkeypatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError) as raised:
        config.env_int(name, 5, minimum=1)
    assert str(raised.value) == error
