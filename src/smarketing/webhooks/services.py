"""Writes of webhooks: endpoints (checked through the guard), secrets and their rotation,
enabling and disabling, replaying a delivery and sending a test event."""

from __future__ import annotations

import secrets as random_secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import orjson
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smarketing.core.errors import ConflictError, DomainError
from smarketing.jobs.durable import job_enqueue
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can
from smarketing.webhooks.choices import EVENT_TYPES, TEST_EVENT, DeliveryStatus, DisabledReason
from smarketing.webhooks.errors import WebhookErrorCode
from smarketing.webhooks.guard import url_check
from smarketing.webhooks.models import Delivery, Endpoint, EndpointSecret
from smarketing.webhooks.notices import endpoint_disable
from smarketing.webhooks.selectors import delivery_get, endpoint_get
from smarketing.webhooks.signing import secret_generate

ROTATION_OVERLAP = timedelta(hours=24)


def _allowed(actor: User | None) -> None:
    """A person needs the integrations capability; ``None`` is the server's operator (the
    command line)."""
    if actor is not None:
        ensure_can(actor, Capability.MANAGE_INTEGRATIONS)


def event_types_check(event_types: Iterable[str]) -> list[str]:
    """The subscribed events, each one known, in order, without repeats."""
    chosen = list(dict.fromkeys(str(e).strip() for e in event_types if str(e).strip()))
    if not chosen:
        raise DomainError(
            _("Choose at least one event (%(known)s).") % {"known": ", ".join(EVENT_TYPES)},
            code=WebhookErrorCode.NO_EVENT_TYPE,
            field="event_types",
        )
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise DomainError(
            _("Unknown event “%(event)s”: choose among %(known)s.")
            % {"event": unknown[0][:60], "known": ", ".join(EVENT_TYPES)},
            code=WebhookErrorCode.UNKNOWN_EVENT_TYPE,
            field="event_types",
        )
    return chosen


def endpoint_create(
    *,
    actor: User | None,
    url: str,
    event_types: Iterable[str],
    description: str = "",
    now: datetime | None = None,
) -> tuple[Endpoint, str]:
    """Create an endpoint and its first secret; return both (the secret is shown once)."""
    _allowed(actor)
    url = (url or "").strip()
    url_check(url)
    if len(url) > 500:
        raise DomainError(
            _("The address is longer than 500 characters."),
            code=WebhookErrorCode.INVALID_URL,
            field="url",
        )
    chosen = event_types_check(event_types)
    when = now or timezone.now()
    secret = secret_generate()
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            url=url,
            description=description.strip()[:200],
            event_types=chosen,
            created_by=actor,
            created_at=when,
        )
        EndpointSecret.objects.create(endpoint=endpoint, secret=secret, created_at=when)
    return endpoint, secret


def endpoint_secret_rotate(
    *,
    actor: User | None,
    endpoint_id: int,
    overlap: timedelta = ROTATION_OVERLAP,
    now: datetime | None = None,
) -> str:
    """Give the endpoint a new secret; the previous ones still sign for ``overlap`` (the
    receiver switches meanwhile). Return the new secret (shown once)."""
    _allowed(actor)
    when = now or timezone.now()
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    secret = secret_generate()
    with transaction.atomic():
        EndpointSecret.objects.filter(endpoint=endpoint, expires_at__isnull=True).update(
            expires_at=when + overlap
        )
        EndpointSecret.objects.filter(endpoint=endpoint, expires_at__gt=when + overlap).update(
            expires_at=when + overlap
        )
        EndpointSecret.objects.create(endpoint=endpoint, secret=secret, created_at=when)
    return secret


def endpoint_enable(*, actor: User | None, endpoint_id: int) -> Endpoint:
    """Send to the endpoint again: the deliveries that waited are due at once."""
    _allowed(actor)
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    url_check(endpoint.url)
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            is_active=True, disabled_reason=DisabledReason.NONE, disabled_at=None
        )
        _wake()
    endpoint.refresh_from_db()
    return endpoint


def endpoint_stop(*, actor: User | None, endpoint_id: int, now: datetime | None = None) -> None:
    """A person stops sending to the endpoint (no notice: they know)."""
    _allowed(actor)
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    endpoint_disable(endpoint=endpoint, reason=DisabledReason.MANUAL, now=now or timezone.now())


def delivery_replay(
    *, actor: User | None, delivery_id: int, now: datetime | None = None
) -> Delivery:
    """Send a delivery again from its first attempt, with the same ``webhook-id`` (a receiver
    that kept it ignores it; one that lost it gets it)."""
    _allowed(actor)
    when = now or timezone.now()
    delivery = delivery_get(delivery_id=delivery_id)
    if not delivery.endpoint.is_active:
        raise DomainError(
            _("Endpoint %(id)s is disabled: enable it before replaying its deliveries.")
            % {"id": delivery.endpoint_id},
            code=WebhookErrorCode.ENDPOINT_DISABLED,
            field="delivery",
        )
    with transaction.atomic():
        updated = (
            Delivery.objects.filter(pk=delivery.pk)
            .exclude(status=DeliveryStatus.PENDING, claimed_until__gt=when)
            .update(
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=when,
                claimed_until=None,
                last_error="",
            )
        )
        if not updated:
            raise ConflictError(
                _("Delivery %(id)s is being sent right now; try again in a minute.")
                % {"id": delivery.pk},
                field="delivery",
            )
        _wake()
    delivery.refresh_from_db()
    return delivery


def endpoint_test(*, actor: User | None, endpoint_id: int, now: datetime | None = None) -> Delivery:
    """Queue a ``webhook.test`` event for the endpoint, due at once."""
    _allowed(actor)
    when = now or timezone.now()
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    if not endpoint.is_active:
        raise DomainError(
            _("Endpoint %(id)s is disabled: enable it before testing it.") % {"id": endpoint.pk},
            code=WebhookErrorCode.ENDPOINT_DISABLED,
            field="endpoint",
        )
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with transaction.atomic():
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            fact_id=None,
            event_id=f"msg_test_{random_secrets.token_hex(8)}",
            event_type=TEST_EVENT,
            payload=orjson.dumps(
                {"type": TEST_EVENT, "timestamp": stamp, "data": {"endpoint_id": endpoint.pk}}
            ).decode(),
            next_attempt_at=when,
            created_at=when,
        )
        _wake()
    return delivery


def _wake() -> None:
    """Ask the worker to send what is due now (inside the caller's transaction)."""
    from smarketing.webhooks.tasks import webhooks_send

    job_enqueue(webhooks_send)
