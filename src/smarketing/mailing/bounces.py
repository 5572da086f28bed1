"""Bounces and complaints from plain SMTP: delivery status notifications (RFC 3464) and
feedback reports (RFC 5965, "this is spam"), read with the standard library.

A report names our message by the Message-ID of the returned original (its headers or the
whole message, attached); a report about a message we did not send is logged and ignored. A
hard bounce (status 5.x.x) and a complaint suppress the address at once; soft bounces (4.x.x,
or ``delayed``) suppress it at the third. Each report is kept once, by its own Message-ID, so a
report posted twice counts once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage, Message

from django.db import IntegrityError, transaction
from django.utils import timezone

from smarketing.core.errors import DomainError
from smarketing.core.text import email_normalize
from smarketing.mailing.choices import BounceKind, SuppressionReason
from smarketing.mailing.consent import suppression_add
from smarketing.mailing.errors import MailingErrorCode
from smarketing.mailing.models import Bounce, OutgoingMessage

logger = logging.getLogger("smarketing.mailing")
SOFT_LIMIT = 3


@dataclass(frozen=True)
class Report:
    """What one report says: its id, the kind, the status and diagnostic, and the Message-ID
    of the message it is about."""

    report_id: str
    kind: str
    status: str
    diagnostic: str
    original_message_id: str


def _original_message_id(report: EmailMessage) -> str:
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            headers = message_from_string(str(part.get_content()), policy=policy.default)
            return str(headers.get("Message-ID", "")).strip()
        if kind == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                return str(inner.get("Message-ID", "")).strip()
    return ""


def _recipient_fields(report: EmailMessage) -> Message | None:
    """The first per-recipient block of a delivery-status part (it has an ``Action``)."""
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if isinstance(block, Message) and block.get("Action"):
                return block
    return None


def report_parse(raw: bytes) -> Report:
    """Read a delivery report or a feedback report; raise :class:`DomainError` when ``raw`` is
    neither."""
    report: EmailMessage = message_from_bytes(raw, policy=policy.default)
    own_id = str(report.get("Message-ID", "")).strip()
    report_id = own_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    report_type = str(report.get_param("report-type", "", header="content-type")).lower()
    if report.get_content_type() != "multipart/report" or report_type not in {
        "delivery-status",
        "feedback-report",
    }:
        raise DomainError(
            "This is not a delivery status notification (multipart/report; "
            "report-type=delivery-status) nor a feedback report (report-type=feedback-report).",
            code=MailingErrorCode.NOT_A_REPORT,
        )
    original = _original_message_id(report)
    if report_type == "feedback-report":
        return Report(report_id, BounceKind.COMPLAINT, "", "", original)
    fields = _recipient_fields(report)
    if fields is None:
        raise DomainError(
            "This delivery status notification names no recipient (no Action field).",
            code=MailingErrorCode.NOT_A_REPORT,
        )
    action = str(fields.get("Action", "")).strip().lower()
    status = str(fields.get("Status", "")).strip()
    diagnostic = " ".join(str(fields.get("Diagnostic-Code", "")).split())[:500]
    kind: str
    if action == "failed" and status.startswith("5"):
        kind = BounceKind.HARD
    elif action in {"failed", "delayed"}:
        kind = BounceKind.SOFT
    else:  # delivered, relayed, expanded: nothing went wrong
        kind = ""
    return Report(report_id[:300], kind, status[:20], diagnostic, original)


@dataclass(frozen=True)
class Outcome:
    """What a report did: ``suppressed``, ``recorded`` (a soft bounce below the limit),
    ``duplicate`` (seen before) or ``ignored`` (not about one of our messages, or not a
    failure)."""

    outcome: str
    email: str = ""


def bounce_receive(*, raw: bytes, now: datetime | None = None) -> Outcome:
    """Read a report and act on it (see the module's description)."""
    report = report_parse(raw)
    message = (
        OutgoingMessage.objects.filter(message_id=report.original_message_id).first()
        if report.original_message_id
        else None
    )
    if message is None or not report.kind:
        logger.info(
            "Report %s ignored: %s",
            report.report_id,
            "no failure" if message else f"unknown message {report.original_message_id!r}",
        )
        return Outcome("ignored")
    when = now or timezone.now()
    email = email_normalize(message.to_email)
    try:
        with transaction.atomic():
            Bounce.objects.create(
                report_id=report.report_id,
                message=message,
                email_normalized=email,
                kind=report.kind,
                status=report.status,
                diagnostic=report.diagnostic,
                received_at=when,
            )
            reason = {
                BounceKind.HARD: SuppressionReason.HARD_BOUNCED,
                BounceKind.COMPLAINT: SuppressionReason.COMPLAINED,
            }.get(BounceKind(report.kind))
            if reason is None:
                softs = Bounce.objects.filter(email_normalized=email, kind=BounceKind.SOFT)
                if softs.count() < SOFT_LIMIT:
                    return Outcome("recorded", email)
                reason = SuppressionReason.SOFT_BOUNCED
            detail = f"{report.status} {report.diagnostic}".strip() or report.kind
            suppression_add(email=email, reason=reason, detail=detail, now=when)
    except IntegrityError:
        return Outcome("duplicate", email)
    return Outcome("suppressed", email)
