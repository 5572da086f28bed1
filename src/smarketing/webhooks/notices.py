"""Disabling an endpoint, and telling the administrators once."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from smarketing.notifications.models import Channel
from smarketing.notifications.services import Message, notify
from smarketing.users.models import User
from smarketing.users.roles import Role
from smarketing.webhooks.choices import DisabledReason
from smarketing.webhooks.models import Endpoint

NOTICE_KIND = "webhook_disabled"


def endpoint_disable(*, endpoint: Endpoint, reason: str, now: datetime) -> bool:
    """Stop sending to ``endpoint`` (its waiting deliveries wait); tell every active
    administrator, once per time it is disabled, unless a person disabled it. Return whether
    this call disabled it."""
    with transaction.atomic():
        changed = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_reason=reason, disabled_at=now
        )
        if not changed:
            return False
        endpoint.is_active, endpoint.disabled_reason, endpoint.disabled_at = False, reason, now
        if reason != DisabledReason.MANUAL:
            _admins_tell(endpoint, reason=reason, now=now)
    return True


def _admins_tell(endpoint: Endpoint, *, reason: str, now: datetime) -> None:
    why = (
        _("it answered 410 Gone")
        if reason == DisabledReason.GONE
        else _("every retry of a delivery failed for a day")
    )
    message = Message(
        kind=NOTICE_KIND,
        title=_("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url[:120]},
        body=_(
            "No more events are sent to %(url)s because %(why)s. Fix the receiver, then enable "
            "it again (smarketing webhooks enable %(id)s) and replay what it missed."
        )
        % {"url": endpoint.url, "why": why, "id": endpoint.pk},
        link=f"/admin/webhooks/endpoint/{endpoint.pk}/change/",
        details=[(_("Endpoint"), str(endpoint.pk)), (_("Reason"), str(reason))],
        urgent=True,
    )
    stamp = int(now.timestamp())
    for admin in User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id"):
        notify(
            user=admin,
            key=f"webhook-disabled-{endpoint.pk}-{stamp}-{admin.pk}",
            message=message,
            channels=[(Channel.EMAIL, admin.email)] if admin.email else [],
            now=now,
        )
