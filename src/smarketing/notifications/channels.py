"""How a notification is written and sent on each channel: e-mail, Slack, Microsoft Teams.

Every send carries the delivery's key (e-mail: in the Message-ID; webhooks: the
``Idempotency-Key`` header and the message's reference line), so that a retry after a crash is
recognisable as the same message by whoever receives it.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import escape

from smarketing.notifications.models import Channel, Delivery, Digest

TIMEOUT = 10.0


class Content(Protocol):
    """What a message says: a notification, or a digest's summary."""

    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def details(self) -> Any: ...
    @property
    def link(self) -> str: ...


class Addressed(Protocol):
    """Where a message goes and the key it carries: a delivery or a digest."""

    @property
    def key(self) -> str: ...
    @property
    def target(self) -> str: ...


@dataclass(frozen=True)
class Summary:
    """A digest's message: one fact per line ("65 new MQLs in the France queue", its link)."""

    title: str
    body: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)
    link: str = ""


class SendError(Exception):
    """The channel refused or could not be reached; worth another try."""


class PermanentSendError(SendError):
    """The message cannot be sent as it is (a bad address, a header the library refuses):
    another try would fail the same way."""


# Slack's mrkdwn gives meaning to these three only (links, mentions such as <!channel>)
SLACK_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Teams renders a Markdown subset in text blocks and facts: these make links, styles, headings
TEAMS_SPECIAL = frozenset("\\`*_[]()<>#~")


def slack_text(value: str) -> str:
    """``value`` shown literally in Slack mrkdwn: no mention, no link, no disguised link."""
    return value.translate(SLACK_ESCAPES)


def teams_text(value: str) -> str:
    """``value`` shown literally in a Teams text block (Markdown characters escaped)."""
    return "".join(f"\\{c}" if c in TEAMS_SPECIAL else c for c in value)


def header_clean(value: str) -> str:
    """A header value on one line: line breaks (a header injection) become spaces."""
    return " ".join(part.strip() for part in value.splitlines() if part.strip())


def absolute(link: str) -> str:
    """``link`` as an address people can open (the product's ``BASE_URL`` in front of a path)."""
    if not link or link.startswith(("http://", "https://")):
        return link
    return str(settings.BASE_URL).rstrip("/") + link


def message_id(key: str) -> str:
    """The e-mail Message-ID of a delivery: the same on every attempt."""
    return f"<{key}@smarketing>"


def _facts(notification: Content) -> list[tuple[str, str]]:
    return [(str(label), str(value)) for label, value in notification.details]


def email_message(notification: Content, delivery: Addressed) -> EmailMultiAlternatives:
    """The e-mail: plain text and HTML, with the delivery's Message-ID."""
    link = absolute(notification.link)
    facts = _facts(notification)
    text = "\n".join(
        [notification.body, "", *(f"{label}: {value}" for label, value in facts), "", link]
    ).strip()
    html = (
        f"<h2>{escape(notification.title)}</h2><p>{escape(notification.body)}</p>"
        + "".join(f"<p><b>{escape(k)}</b>: {escape(v)}</p>" for k, v in facts)
        + (f'<p><a href="{escape(link)}">{escape(link)}</a></p>' if link else "")
    )
    message = EmailMultiAlternatives(
        subject=header_clean(notification.title),
        body=text,
        to=[delivery.target],
        headers={
            "Message-ID": header_clean(message_id(delivery.key)),
            "X-Smarketing-Key": header_clean(delivery.key),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def slack_payload(notification: Content, delivery: Addressed) -> dict[str, Any]:
    """A Slack incoming-webhook message (Block Kit) with a button to the lead."""
    link = absolute(notification.link)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": notification.title[:150]}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": slack_text(notification.body) or " "},
        },
    ]
    facts = _facts(notification)
    if facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{slack_text(label)}*\n{slack_text(value)}"}
                    for label, value in facts[:10]
                ],
            }
        )
    if link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": link}
                ],
            }
        )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": delivery.key}]})
    return {"text": slack_text(notification.title), "blocks": blocks}


def teams_payload(notification: Content, delivery: Addressed) -> dict[str, Any]:
    """A Microsoft Teams Workflows webhook message: one Adaptive Card."""
    link = absolute(notification.link)
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": teams_text(notification.title),
                "weight": "Bolder",
                "size": "Medium",
            },
            {"type": "TextBlock", "text": teams_text(notification.body), "wrap": True},
            {
                "type": "FactSet",
                "facts": [
                    {"title": teams_text(k), "value": teams_text(v)}
                    for k, v in _facts(notification)
                ],
            },
            {"type": "TextBlock", "text": delivery.key, "isSubtle": True, "size": "Small"},
        ],
        "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": link}] if link else [],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def _post(url: str, payload: dict[str, Any], key: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise SendError("a webhook address starts with https:// (or http://)")
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url,
        data=orjson.dumps(payload),
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code} from the webhook") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SendError(f"webhook unreachable: {getattr(exc, 'reason', exc)}") from exc


def send(delivery: Delivery) -> None:
    """Send one delivery on its channel; raise :class:`SendError` when it did not go out."""
    send_content(delivery.notification, delivery, channel=delivery.channel)


def digest_summary(digest: Digest) -> Summary:
    """A digest's message: its title says the count when it has one line, else the total."""
    lines = [(str(title), int(count), str(link)) for title, count, link in digest.lines]
    total = sum(count for _, count, _ in lines)
    title = lines[0][0] if len(lines) == 1 else f"Smarketing digest: {total} notifications"
    return Summary(
        title=title,
        body="\n".join(title for title, _, _ in lines) if len(lines) > 1 else "",
        details=[(title, absolute(link) or "—") for title, _, link in lines],
        link=lines[0][2] if len(lines) == 1 else "/notifications/",
    )


def send_digest(digest: Digest) -> None:
    """Send one digest on its channel; raise :class:`SendError` when it did not go out."""
    send_content(digest_summary(digest), digest, channel=digest.channel)


def send_content(notification: Content, delivery: Addressed, *, channel: str) -> None:
    """Send ``notification`` to ``delivery``'s target on ``channel``, with its key."""
    if channel == Channel.EMAIL:
        try:
            get_connection(timeout=TIMEOUT).send_messages([email_message(notification, delivery)])
        except OSError as exc:  # smtplib's errors are OSErrors
            raise SendError(f"SMTP: {exc}") from exc
        except Exception as exc:  # BadHeaderError, a bad address…: never left "pending"
            raise PermanentSendError(f"not sendable: {exc}") from exc
        return
    payload = (
        slack_payload(notification, delivery)
        if channel == Channel.SLACK
        else teams_payload(notification, delivery)
    )
    _post(delivery.target, payload, delivery.key)
