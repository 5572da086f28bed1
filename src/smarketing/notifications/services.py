"""Notify a person: once per key, in the app and on the channels given, sent by the worker —
at once, or later in a digest, as the person chose (see :mod:`.preferences`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from smarketing.jobs.durable import job_enqueue
from smarketing.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from smarketing.notifications.preferences import preference_for, release_time, zone_of
from smarketing.notifications.tasks import delivery_send_task
from smarketing.users.models import User

# a notification joins the line of its group while that line is unread and younger than this
GROUP_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Message:
    """What to say: a title, a sentence, facts as (label, value), and a link into the product."""

    kind: str
    title: str
    body: str = ""
    link: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)
    urgent: bool = False  # at once whatever the digest setting (not when the channel is off)
    group: str = ""  # notifications of one group for one person share a line, e.g. "queue-3"
    group_title: str = ""  # that line's title, "{count}" replaced: "{count} new MQLs in …"
    group_link: str = ""  # where that line points, e.g. the queue's list


def notify(
    *,
    user: User,
    key: str,
    message: Message,
    channels: Iterable[tuple[str, str]] = (),
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> Notification:
    """Notify ``user`` once per ``key``: listed in the app, and sent on each (channel, target).

    Call it inside the transaction that makes the news: the deliveries are enqueued with it, so a
    rollback sends nothing, and calling again with the same key changes nothing. A delivery the
    person's preferences hold back (a digest, quiet hours) waits, marked with when it may go
    out, for :func:`~smarketing.notifications.digests.digests_send`; a channel that is off gets
    none. ``zone`` is the team's time zone, used when the person did not choose one.
    """
    when = now or timezone.now()
    preference = preference_for(user)
    zone = zone_of(preference, zone)
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
                "created_at": when,
                "shown_at": release_time(
                    preference, channel="app", urgent=message.urgent, now=when, zone=zone
                ),
                "group": message.group[:100],
                "group_title": message.group_title[:200],
                "group_link": message.group_link[:500],
            },
        )
        if not created:
            return notification
        if message.group:
            _join_group(notification, when)
        for channel, target in channels:
            if not target:
                continue
            release = release_time(
                preference, channel=channel, urgent=message.urgent, now=when, zone=zone
            )
            if release is None:
                continue  # the person turned this channel off
            waits = release > when
            delivery = Delivery.objects.create(
                notification=notification,
                channel=Channel(channel),
                target=target[:500],
                key=f"{notification.key}-{channel}"[:200],
                status=DeliveryStatus.WAITING if waits else DeliveryStatus.PENDING,
                release_at=release if waits else None,
                created_at=when,
            )
            if not waits:
                job_enqueue(delivery_send_task, delivery.pk)
    return notification


def _join_group(notification: Notification, now: datetime) -> None:
    """Put ``notification`` in the line of its group's unread, recent notification, if any."""
    head = (
        Notification.objects.filter(
            user_id=notification.user_id,
            group=notification.group,
            head=None,
            read_at=None,
            created_at__gte=now - GROUP_WINDOW,
        )
        .exclude(pk=notification.pk)
        .order_by("-id")
        .first()
    )
    if head is None:
        return
    Notification.objects.filter(pk=notification.pk).update(head=head)
    Notification.objects.filter(pk=head.pk).update(count=F("count") + 1)
    notification.head = head


def _visible(user: User, now: datetime | None = None) -> QuerySet[Notification]:
    """``user``'s lines: notifications heading a group or alone, shown by now or never counted
    (in-app notices off: listed, not counted)."""
    moment = now or timezone.now()
    return Notification.objects.filter(user=user, head=None).filter(
        Q(shown_at__lte=moment) | Q(shown_at=None)
    )


def unread_count(user: User, now: datetime | None = None) -> int:
    """How many of ``user``'s lines are unread and shown (a grouped line counts once)."""
    return _visible(user, now).filter(read_at=None, shown_at__isnull=False).count()


def notifications_for(user: User, now: datetime | None = None) -> QuerySet[Notification]:
    """``user``'s lines, newest first, with their deliveries: a group is one line."""
    return _visible(user, now).prefetch_related("deliveries")


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s notifications read (all of them when ``ids`` is None, with the ones a
    grouped line stands for); return how many lines."""
    unread = Notification.objects.filter(user=user, read_at=None)
    at = timezone.now()
    if ids is None:
        lines = unread.filter(head=None).update(read_at=at)
        unread.update(read_at=at)  # what the lines stood for
        return lines
    chosen = list(ids)
    unread.filter(head_id__in=chosen).update(read_at=at)
    return unread.filter(pk__in=chosen).update(read_at=at)
