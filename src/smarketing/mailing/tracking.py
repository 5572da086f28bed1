"""Opens and clicks of e-mail to contacts, through signed links that cannot be forged nor used
as an open redirect.

At delivery, the HTML part's ``http(s)`` links (not the unsubscribe link) point to
``/m/c/<token>`` and a 1×1 image ``/m/o/<token>`` is added; each token is signed (Django's
``signing``, its own salt) over (message, link number): a click redirects only to the link of
that number in the message as it was recorded, so no other address can be reached through it.
A forged or altered token answers 404 and records nothing.

Opens and clicks enter the events store through ``events_append`` (``email_opened`` /
``email_clicked``, with the message's key and template as campaign). Those made by machines —
a known link scanner or mail-privacy proxy by its agent, or within :data:`PREFETCH_SECONDS` of
delivery (Apple's Mail Privacy Protection and scanners fetch at once) — are stored as a
``custom`` event named ``email_open_machine`` / ``email_click_machine``: kept for the record,
scored by no rule unless the agreement names them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import escape, unescape

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from smarketing.mailing.models import OutgoingMessage
from smarketing.tracking.services import EventIn, events_append

OPEN_SALT, CLICK_SALT = "smarketing.mailing.open", "smarketing.mailing.click"
PREFETCH_SECONDS = 10
MACHINES = (
    "googleimageproxy",
    "yahoomailproxy",
    "barracuda",
    "proofpoint",
    "mimecast",
    "safelinks",
    "bot",
    "spider",
    "crawler",
    "scanner",
    "python-requests",
    "curl/",
)
HREF = re.compile(r"""(<a\s[^>]*?href\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _base() -> str:
    return str(settings.BASE_URL).rstrip("/")


def message_links(html: str, *, skip: str = "") -> list[str]:
    """The message's tracked links, in order (``skip``: the unsubscribe address)."""
    return [unescape(m.group(3)) for m in HREF.finditer(html) if unescape(m.group(3)) != skip]


def tracked_html(message: OutgoingMessage, *, unsubscribe: str = "") -> str:
    """The HTML part with its links through the click address and the open pixel added."""
    index = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal index
        url = unescape(match.group(3))
        if url == unsubscribe:
            return match.group(0)
        token = signing.dumps([message.pk, index], salt=CLICK_SALT, compress=True)
        index += 1
        target = _base() + reverse("mailing_click", kwargs={"token": token})
        return f"{match.group(1)}{match.group(2)}{escape(target)}{match.group(2)}"

    html = HREF.sub(swap, message.html)
    pixel = _base() + reverse(
        "mailing_open", kwargs={"token": signing.dumps(message.pk, salt=OPEN_SALT)}
    )
    image = f'<img src="{escape(pixel)}" width="1" height="1" alt="" style="display:block">'
    return html.replace("</body>", image + "</body>") if "</body>" in html else html + image


def _machine(message: OutgoingMessage, agent: str, now: datetime) -> bool:
    lowered = agent.lower()
    if not agent or any(marker in lowered for marker in MACHINES):
        return True
    return message.sent_at is not None and now - message.sent_at < timedelta(
        seconds=PREFETCH_SECONDS
    )


def _record(message: OutgoingMessage, kind: str, agent: str, now: datetime, url: str = "") -> None:
    properties = {
        "message": message.key,
        "campaign": message.template.name if message.template else "",
    }
    if url:
        properties["url"] = url[:500]
    if _machine(message, agent, now):
        event = EventIn(
            type="custom",
            occurred_at=now,
            contact_id=message.contact_id,
            properties={**properties, "name": f"email_{kind}_machine", "agent": agent[:200]},
        )
    else:
        event = EventIn(
            type=f"email_{'opened' if kind == 'open' else 'clicked'}",
            occurred_at=now,
            contact_id=message.contact_id,
            properties=properties,
        )
    events_append(events=[event], source="email")


def open_record(token: str, *, agent: str = "", now: datetime | None = None) -> bool:
    """Record an open; False (nothing recorded) for a token this product did not sign."""
    try:
        message_id = signing.loads(token, salt=OPEN_SALT)
    except signing.BadSignature:
        return False
    message = OutgoingMessage.objects.select_related("template").filter(pk=message_id).first()
    if message is None:
        return False
    _record(message, "open", agent, now or timezone.now())
    return True


def click_record(token: str, *, agent: str = "", now: datetime | None = None) -> str | None:
    """Record a click and return the link's address; None (nothing recorded) when the token
    was not signed here or names no link of its message."""
    try:
        message_id, index = signing.loads(token, salt=CLICK_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    message = OutgoingMessage.objects.select_related("template").filter(pk=message_id).first()
    if message is None or not isinstance(index, int):
        return None
    from smarketing.mailing.services import unsubscribe_url

    links = message_links(message.html, skip=unsubscribe_url(message))
    if not 0 <= index < len(links):
        return None
    _record(message, "click", agent, now or timezone.now(), url=links[index])
    return links[index]
