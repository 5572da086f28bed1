"""Reads of webhooks for the admin, the command line and the worker."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from smarketing.core.errors import NotFoundError
from smarketing.webhooks.choices import DeliveryStatus
from smarketing.webhooks.models import Delivery, Endpoint, EndpointSecret


def secrets_valid(*, endpoint: Endpoint, now: datetime) -> list[str]:
    """The secrets that sign ``endpoint``'s requests now: the newest first, then the older ones
    not yet expired."""
    return list(
        EndpointSecret.objects.filter(endpoint=endpoint)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-created_at", "-id")
        .values_list("secret", flat=True)
    )


def endpoints_listed() -> QuerySet[Endpoint]:
    """Every endpoint, with its count of deliveries waiting, abandoned and succeeded."""
    return Endpoint.objects.annotate(
        waiting=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        abandoned=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.ABANDONED)),
        succeeded=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SUCCEEDED)),
    ).order_by("id")


def endpoint_get(*, endpoint_id: int) -> Endpoint:
    """One endpoint, or :class:`NotFoundError`."""
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFoundError(
            _("No webhook endpoint has the id %(id)s.") % {"id": endpoint_id}, field="endpoint"
        )
    return endpoint


def delivery_get(*, delivery_id: int) -> Delivery:
    """One delivery, or :class:`NotFoundError`."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFoundError(
            _("No webhook delivery has the id %(id)s.") % {"id": delivery_id}, field="delivery"
        )
    return delivery


def deliveries_recent(
    *, endpoint_id: int | None = None, before: int | None = None, limit: int = 50
) -> list[Delivery]:
    """The latest deliveries (of one endpoint, or all), newest first; ``before`` a delivery id
    for the next page (keyset)."""
    rows = Delivery.objects.order_by("-id")
    if endpoint_id is not None:
        rows = rows.filter(endpoint_id=endpoint_id)
    if before is not None:
        rows = rows.filter(id__lt=before)
    return list(rows[:limit])


def endpoint_listed_get(*, endpoint_id: int) -> Endpoint:
    """One endpoint with its delivery counts (as :func:`endpoints_listed`), or not found."""
    endpoint = endpoints_listed().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFoundError(
            _("No webhook endpoint has the id %(id)s.") % {"id": endpoint_id}, field="endpoint"
        )
    return endpoint
