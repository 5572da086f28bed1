"""The outgoing-request guard: only http(s), no credentials, public addresses only unless
``OUTGOING_ALLOW_PRIVATE``; checked at creation and again at each send; no redirect followed;
a time-out. And the command ``smarketing webhooks``."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from smarketing.cli.main import main
from smarketing.core.errors import PermissionDeniedError
from smarketing.journal.consumers import consume
from smarketing.users.models import User
from smarketing.users.roles import Role
from smarketing.webhooks.choices import DeliveryStatus
from smarketing.webhooks.errors import WebhookErrorCode
from smarketing.webhooks.events import CONSUMER
from smarketing.webhooks.guard import (
    OutgoingRefused,
    address_is_public,
    outgoing_post,
    target_parse,
)
from smarketing.webhooks.models import Delivery, Endpoint
from smarketing.webhooks.sending import deliveries_send
from smarketing.webhooks.services import endpoint_create
from tests.webhook_world import Receiver, mql_fact, receiver, subscribe

__all__ = ["receiver"]  # the fixture, shared with tests/test_webhooks.py


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "127.8.9.10",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104  (an address refused, not one listened on)
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2002:7f00:1::",
        "2001:db8::1",
    ],
)
def test_private_loopback_link_local_multicast_and_reserved_addresses_are_refused(
    address: str,
) -> None:
    assert address_is_public(address) is False


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_is_public(address) is True


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://hooks.example.com/x", WebhookErrorCode.URL_SCHEME_NOT_ALLOWED),
        ("file:///etc/passwd", WebhookErrorCode.URL_SCHEME_NOT_ALLOWED),
        ("hooks.example.com/x", WebhookErrorCode.URL_SCHEME_NOT_ALLOWED),
        ("https://user:pw@hooks.example.com/x", WebhookErrorCode.URL_CREDENTIALS_NOT_ALLOWED),
        ("https://", WebhookErrorCode.INVALID_URL),
        ("https://hooks.example.com:99999/x", WebhookErrorCode.INVALID_URL),
        ("https://hooks.example.com/a\r\nb", WebhookErrorCode.INVALID_URL),
    ],
)
def test_a_malformed_address_is_refused_with_its_code(url: str, code: str) -> None:
    with pytest.raises(OutgoingRefused) as refused:
        target_parse(url)
    assert (refused.value.code, refused.value.field) == (code, "url")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/x", "http://[::1]/"])
def test_a_local_target_is_refused_at_creation_without_the_setting(url: str) -> None:
    # when an endpoint on this machine is added (OUTGOING_ALLOW_PRIVATE off, the default)
    with pytest.raises(OutgoingRefused) as refused:
        endpoint_create(actor=None, url=url, event_types=["contact.mql"])
    # then it is refused, by the url field, and nothing is stored
    assert (refused.value.code, refused.value.field) == (WebhookErrorCode.TARGET_NOT_ALLOWED, "url")
    assert "OUTGOING_ALLOW_PRIVATE" in refused.value.message
    assert Endpoint.objects.count() == 0


@pytest.mark.django_db
def test_a_local_target_is_refused_at_send_when_the_setting_is_turned_off(
    receiver: tuple[Receiver, str], settings: Any
) -> None:
    # given an endpoint on 127.0.0.1 created while allowed, then the setting turned off
    hooks, _ = receiver
    subscribe(receiver)
    mql_fact()
    consume(CONSUMER)
    settings.OUTGOING_ALLOW_PRIVATE = False
    # when the worker sends
    deliveries_send()
    # then nothing left the machine; the attempt failed and will be retried
    assert hooks.received == []
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.PENDING,
        1,
        None,
    )
    assert "127.0.0.1" in delivery.last_error


@pytest.mark.django_db
def test_a_redirect_is_not_followed(receiver: tuple[Receiver, str]) -> None:
    # given a receiver that redirects to another path
    hooks, _ = receiver
    subscribe(receiver)
    hooks.answers = [(302, {"Location": "/elsewhere"})]
    mql_fact()
    consume(CONSUMER)
    # when sent
    deliveries_send()
    # then one request only, counted as a failed attempt
    assert [(r.path, r.status) for r in hooks.received] == [("/hook", 302)]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, 302)


@pytest.mark.django_db
def test_a_slow_receiver_times_out(receiver: tuple[Receiver, str], settings: Any) -> None:
    # given a receiver that takes 2 s and a 1 s time-out
    hooks, _ = receiver
    settings.OUTGOING_TIMEOUT_SECONDS = 1
    subscribe(receiver)
    hooks.delay = 2.0
    mql_fact()
    consume(CONSUMER)
    # when sent
    deliveries_send()
    # then the attempt failed on the time-out, to be retried
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error == "timed out"


@pytest.mark.django_db
def test_only_integration_managers_add_endpoints(
    make_user: Callable[..., User], settings: Any
) -> None:
    settings.OUTGOING_ALLOW_PRIVATE = True
    with pytest.raises(PermissionDeniedError):
        endpoint_create(
            actor=make_user(Role.SALES_REP), url="http://127.0.0.1/x", event_types=["deal.won"]
        )
    endpoint, secret = endpoint_create(
        actor=make_user(Role.MARKETING_MANAGER),
        url="http://127.0.0.1/x",
        event_types=["deal.won", "deal.won", "contact.mql"],
    )
    assert endpoint.event_types == ["deal.won", "contact.mql"]
    assert secret[:6] == "whsec_"
    assert len(base64.b64decode(secret[6:])) == 32


@pytest.mark.django_db
def test_the_command_adds_lists_tests_and_replays(
    receiver: tuple[Receiver, str], capsys: pytest.CaptureFixture[str]
) -> None:
    hooks, base = receiver
    # when an endpoint is added from the command line
    assert main(["webhooks", "add", f"{base}/cli", "--events", "contact.mql,deal.won"]) == 0
    added = capsys.readouterr().out.splitlines()
    endpoint = Endpoint.objects.get()
    assert added[0] == f"Endpoint {endpoint.pk} added for contact.mql, deal.won."
    secret = added[1].removeprefix("Its secret (shown only now): ")
    hooks.secrets = [secret]
    # then `test` sends a signed test event at once
    assert main(["webhooks", "test", str(endpoint.pk)]) == 0
    tested = capsys.readouterr().out
    [got] = hooks.received
    assert got.verified is True
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.test"
    assert tested == f"Test event {got.headers['webhook-id']}: succeeded (200).\n"
    # and `list` shows it, `replay` queues it again
    assert main(["webhooks", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"{base}/cli  [contact.mql, deal.won]" in listed
    assert "succeeded       1" in listed
    delivery = Delivery.objects.get()
    assert main(["webhooks", "replay", str(delivery.pk)]) == 0
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    assert deliveries_send(now=datetime.now(UTC)) == 1
    assert len(hooks.received) == 2


@pytest.mark.django_db
def test_the_command_refuses_bad_input_in_one_line(
    capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    settings.OUTGOING_ALLOW_PRIVATE = True
    assert main(["webhooks", "add", "ftp://x.example/", "--events", "contact.mql"]) == 1
    assert main(["webhooks", "add", "http://127.0.0.1/", "--events", "contact.rocket"]) == 1
    assert main(["webhooks", "replay", "999"]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "smarketing webhooks: Only http:// and https:// addresses are allowed, not “ftp”.",
        "smarketing webhooks: Unknown event “contact.rocket”: choose among contact.consent_changed,"
        " contact.mql, contact.stage_changed, deal.created, deal.lost, deal.won, handoff.answered,"
        " handoff.assigned, handoff.reassigned, sla.at_risk, sla.breached.",
        "smarketing webhooks: No webhook delivery has the id 999.",
    ]
    assert Endpoint.objects.count() == 0


@pytest.mark.django_db
def test_a_receiver_dripping_its_answer_is_cut_off_at_the_time_out(settings: Any) -> None:
    # given a receiver that sends its answer's head a header every 0.3 s for 4 s, and a 1 s
    # time-out (each read alone would wait less than that)
    settings.OUTGOING_ALLOW_PRIVATE = True
    settings.OUTGOING_TIMEOUT_SECONDS = 1
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def drip() -> None:
        peer, _ = server.accept()
        with peer:
            peer.recv(65536)
            try:
                peer.sendall(b"HTTP/1.1 200 OK\r\n")
                for _ in range(13):
                    time.sleep(0.3)
                    peer.sendall(b"X-Drip: 1\r\n")
            except OSError:
                return

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    started = time.monotonic()
    # when a request is sent there
    with pytest.raises(TimeoutError):
        outgoing_post(f"http://127.0.0.1:{port}/", body=b"{}", headers={})
    # then it ends after about the time-out, not the 4 s the receiver would take
    assert time.monotonic() - started < 2.5
    thread.join(timeout=5)
    server.close()
