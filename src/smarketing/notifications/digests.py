"""Digests: what waited for a person on a channel, sent as one message once it is due.

Every minute the worker gathers the waiting deliveries whose time has come (the hour, the day's
digest time, the end of quiet hours), per person, channel and address:

- one waiting delivery goes out as it is (its own message, its own key);
- several become one **digest**, a line per group or kind with its count ("65 new MQLs in the
  France queue" and a link to the queue), keyed ``digest-<person>-<channel>-<first delivery>``.

The deliveries are claimed with a conditional update in the transaction that writes the digest
and enqueues its sending, so two workers never send the same waiting delivery twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from smarketing.jobs.durable import job_enqueue
from smarketing.notifications.models import Delivery, DeliveryStatus, Digest, Notification
from smarketing.notifications.tasks import delivery_send_task, digest_send_task

Batch = tuple[int, str, str]  # (person, channel, target)


def digest_lines(notifications: list[Notification]) -> list[list[str | int]]:
    """One line per group (or kind, without a group): ``[title, count, link]``, in the order
    they first arrived. A line of one is the notification's own title and link."""
    grouped: dict[str, list[Notification]] = defaultdict(list)
    for notification in notifications:
        grouped[notification.group or f"kind:{notification.kind}"].append(notification)
    lines: list[list[str | int]] = []
    for items in grouped.values():
        first, count = items[0], len(items)
        if count == 1:
            lines.append([first.title, 1, first.link])
        elif first.group_title:
            title = first.group_title.replace("{count}", str(count))
            lines.append([title, count, first.group_link or first.link])
        else:
            lines.append([f"{count} × {first.title}", count, first.group_link or first.link])
    return lines


def digests_send(*, now: datetime | None = None) -> int:
    """Send what is due for every person and channel; return how many messages were enqueued
    (digests and single deliveries)."""
    when = now or timezone.now()
    batches: dict[Batch, list[Delivery]] = defaultdict(list)
    due = (
        Delivery.objects.filter(status=DeliveryStatus.WAITING, release_at__lte=when)
        .select_related("notification")
        .order_by("id")
    )
    for delivery in due:
        batches[(delivery.notification.user_id, delivery.channel, delivery.target)].append(delivery)
    return sum(_send_batch(batch, items, when) for batch, items in batches.items())


def _send_batch(batch: Batch, items: list[Delivery], now: datetime) -> int:
    user_id, channel, target = batch
    ids = [delivery.pk for delivery in items]
    with transaction.atomic():
        waiting = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.WAITING)
        if len(items) == 1:
            if not waiting.update(status=DeliveryStatus.PENDING):
                return 0  # another worker released it
            job_enqueue(delivery_send_task, ids[0])
            return 1
        digest, created = Digest.objects.get_or_create(
            key=f"digest-{user_id}-{channel}-{ids[0]}",
            defaults={
                "user_id": user_id,
                "channel": channel,
                "target": target,
                "lines": digest_lines([delivery.notification for delivery in items]),
                "created_at": now,
            },
        )
        if not created:
            return 0
        if waiting.update(status=DeliveryStatus.DIGESTED, digest=digest) != len(items):
            transaction.set_rollback(True)  # another worker took some: it sends them
            return 0
        job_enqueue(digest_send_task, digest.pk)
    return 1
