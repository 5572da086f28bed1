"""Notify a person: once per key, in the app and on the channels given, sent by the worker."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from smarketing.jobs.durable import job_enqueue
from smarketing.notifications.models import Channel, Delivery, Notification
from smarketing.notifications.tasks import delivery_send_task
from smarketing.users.models import User


@dataclass(frozen=True)
class Message:
    """What to say: a title, a sentence, facts as (label, value), and a link into the product."""

    kind: str
    title: str
    body: str = ""
    link: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)


def notify(
    *,
    user: User,
    key: str,
    message: Message,
    channels: Iterable[tuple[str, str]] = (),
    now: datetime | None = None,
) -> Notification:
    """Notify ``user`` once per ``key``: listed in the app, and sent on each (channel, target).

    Call it inside the transaction that makes the news: the deliveries are enqueued with it, so a
    rollback sends nothing, and calling again with the same key changes nothing.
    """
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            key=key[:150],
            defaults={
                "user": user,
                "kind": message.kind,
                "title": message.title[:200],
                "body": message.body,
                "link": message.link[:500],
                "details": [[label, value] for label, value in message.details],
                "created_at": now or timezone.now(),
            },
        )
        if not created:
            return notification
        for channel, target in channels:
            if not target:
                continue
            delivery = Delivery.objects.create(
                notification=notification,
                channel=Channel(channel),
                target=target[:500],
                key=f"{notification.key}-{channel}"[:200],
            )
            job_enqueue(delivery_send_task, delivery.pk)
    return notification


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread."""
    return Notification.objects.filter(user=user, read_at=None).count()


def notifications_for(user: User) -> QuerySet[Notification]:
    """``user``'s notifications, newest first, with their deliveries."""
    return Notification.objects.filter(user=user).prefetch_related("deliveries")


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s notifications read (all of them when ``ids`` is None); return how many."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
