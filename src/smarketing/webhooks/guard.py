"""The outgoing-request guard: where the product may send a request, and sending it safely.

A target is refused unless it is ``http``/``https`` without credentials, and every address its
host resolves to is public: private, loopback, link-local, multicast, reserved, unspecified and
shared addresses (IPv4 and IPv6, IPv4-mapped and NAT64 forms included) are refused unless the
setting ``OUTGOING_ALLOW_PRIVATE`` allows them. :func:`outgoing_post` resolves and checks the
host at every request and connects to the address it checked (no second lookup a DNS answer
could change in between), follows no redirect (a 3xx is an answer like any other) and gives up
after ``OUTGOING_TIMEOUT_SECONDS``.

It depends on no model: the notifications' Slack and Teams webhooks could use it once it moves
to ``core`` (the webhooks app lies above notifications in the layer order).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from smarketing.core.errors import DomainError
from smarketing.webhooks.errors import WebhookErrorCode

SCHEMES = {"http": 80, "https": 443}
MAX_ANSWER = 64 * 1024  # bytes of an answer read (the rest is not needed)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutgoingRefused(DomainError):
    """The target of an outgoing request is not allowed (or not reachable by name)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its scheme, host, port and the path with its query."""

    scheme: str
    host: str
    port: int
    path: str


@dataclass(frozen=True)
class Answer:
    """What the receiver answered: its status, headers (lower-case names) and the first bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


def target_parse(url: str, *, field: str = "url") -> Target:
    """``url`` checked for its form (scheme, host, port, no credentials); no lookup."""
    text = (url or "").strip()
    try:
        parts: SplitResult = urlsplit(text)
        port = parts.port
    except ValueError:
        raise OutgoingRefused(
            _("“%(url)s” is not a valid address.") % {"url": text[:200]},
            code=WebhookErrorCode.INVALID_URL,
            field=field,
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise OutgoingRefused(
            _("Only http:// and https:// addresses are allowed, not “%(scheme)s”.")
            % {"scheme": scheme or text[:20]},
            code=WebhookErrorCode.URL_SCHEME_NOT_ALLOWED,
            field=field,
        )
    if parts.username is not None or parts.password is not None:
        raise OutgoingRefused(
            _("Put no user name or password in the address: the requests are signed instead."),
            code=WebhookErrorCode.URL_CREDENTIALS_NOT_ALLOWED,
            field=field,
        )
    host = (parts.hostname or "").rstrip(".")
    if not host or any(c.isspace() or ord(c) < 32 for c in text):
        raise OutgoingRefused(
            _("“%(url)s” is not a valid address: it needs a host name.") % {"url": text[:200]},
            code=WebhookErrorCode.INVALID_URL,
            field=field,
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port or SCHEMES[scheme], path=path)


def address_is_public(address: str) -> bool:
    """Whether ``address`` is one the internet routes to a public host."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_is_public(str(ip.ipv4_mapped))
        if ip in NAT64:
            return address_is_public(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        if ip.sixtofour is not None or ip.teredo is not None:
            return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def target_addresses(target: Target, *, field: str = "url") -> list[str]:
    """The addresses ``target``'s host resolves to, refused unless each one is allowed."""
    try:
        found = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise OutgoingRefused(
            _("The host “%(host)s” cannot be found.") % {"host": target.host[:200]},
            code=WebhookErrorCode.HOST_NOT_RESOLVED,
            field=field,
        ) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not settings.OUTGOING_ALLOW_PRIVATE:
        refused = [a for a in addresses if not address_is_public(a)]
        if refused:
            raise OutgoingRefused(
                _(
                    "“%(host)s” points to %(address)s, a private, loopback, link-local or "
                    "reserved address: requests there are refused (see OUTGOING_ALLOW_PRIVATE)."
                )
                % {"host": target.host[:200], "address": refused[0]},
                code=WebhookErrorCode.TARGET_NOT_ALLOWED,
                field=field,
            )
    return addresses


def url_check(url: str, *, field: str = "url") -> Target:
    """``url`` checked for its form and its host's addresses (at creation, and before sends)."""
    target = target_parse(url, field=field)
    target_addresses(target, field=field)
    return target


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """A connection to the address that was checked, whatever the host name resolves to now."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As :class:`_PinnedHTTPConnection`, with TLS verified against the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def outgoing_post(url: str, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` through the guard; raise :class:`OutgoingRefused` for a target
    not allowed and :class:`OSError` when the receiver cannot be reached or does not answer in
    time — the whole request, not only each read: a receiver that drips its answer a byte at a
    time is cut off too. Redirects are not followed."""
    target = target_parse(url)
    address = target_addresses(target)[0]
    timeout = float(settings.OUTGOING_TIMEOUT_SECONDS)
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target.host, address, target.port, timeout)
    expired = threading.Event()
    watchdog = threading.Timer(timeout, _cut, args=(connection, expired))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
        answer = Answer(
            status=response.status, headers=answer_headers, body=response.read(MAX_ANSWER)
        )
        if expired.is_set():  # cut off: what was read is not the whole answer
            raise TimeoutError("timed out")
        return answer
    except (http.client.HTTPException, OSError) as exc:
        if expired.is_set():
            raise TimeoutError("timed out") from exc
        if isinstance(exc, http.client.HTTPException):
            raise OSError(f"bad HTTP answer: {exc}") from exc
        raise
    finally:
        watchdog.cancel()
        connection.close()


def _cut(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """End a request that outlived its time: the blocked read in the other thread fails."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            return
