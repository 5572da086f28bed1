"""The worker's part of webhooks: the journal's consumer ``webhooks.deliveries`` writes the
deliveries; ``webhooks.send`` sends those due (after each batch, and every few seconds)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from smarketing.jobs.durable import durable_task, job_enqueue
from smarketing.jobs.schedule import periodic
from smarketing.journal.consumers import consumer_register
from smarketing.journal.models import Fact
from smarketing.webhooks.choices import EVENTS
from smarketing.webhooks.events import CONSUMER, deliveries_create
from smarketing.webhooks.sending import deliveries_send


@durable_task(max_attempts=3, base_delay=5)
def webhooks_send() -> int:
    """Send the deliveries due now (each claimed, so several workers may run this at once)."""
    return deliveries_send()


def deliveries_consume(facts: list[Fact]) -> None:
    """The consumer's handler: write the batch's deliveries, and ask for them to be sent once
    the batch commits (the task is enqueued in the same transaction)."""
    if deliveries_create(facts):
        job_enqueue(webhooks_send)


consumer_register(
    CONSUMER,
    kinds=EVENTS.keys(),
    handle=deliveries_consume,
    batch=1000,
    description="Outgoing webhooks: one delivery per event and subscribed endpoint (ADR 0020)",
)

periodic(
    "webhooks.send",
    every=timedelta(seconds=max(1.0, settings.PIPELINE_SECONDS)),
    task=webhooks_send,
)
