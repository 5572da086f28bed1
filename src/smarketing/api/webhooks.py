"""``/api/v1/webhooks``: outgoing webhook endpoints and their delivery log, with a token.

The token acts as the person who created it, who needs the integrations capability (as in the
admin); the same services check the address and the events (docs/webhooks.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from smarketing.api.auth import TokenBearer
from smarketing.api.errors import ErrorOut
from smarketing.capture.models import ApiToken, Scope
from smarketing.core.errors import PermissionDeniedError
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can
from smarketing.webhooks.models import Delivery, Endpoint
from smarketing.webhooks.selectors import (
    deliveries_recent,
    endpoint_get,
    endpoint_listed_get,
    endpoints_listed,
)
from smarketing.webhooks.services import delivery_replay, endpoint_create

router = Router(tags=["webhooks"], auth=TokenBearer(Scope.WEBHOOKS))
MAX_ID = 2**63 - 1
MAX_PAGE = 100
AUTH = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
READ = {400: ErrorOut, 404: ErrorOut, **AUTH}


class EndpointOut(Schema):
    """An endpoint, its state and its deliveries by status."""

    id: int
    url: str
    description: str
    event_types: list[str]
    is_active: bool
    disabled_reason: str = Field(description="gone, failing, manual; empty while active")
    created_at: datetime
    waiting: int
    succeeded: int
    abandoned: int


class EndpointCreated(Schema):
    """The endpoint added, and its secret — shown this once."""

    endpoint: EndpointOut
    secret: str = Field(description="whsec_…: verify the webhook-signature with it")


class EndpointIn(Schema):
    """An endpoint to add."""

    url: str = Field(max_length=500, description="http(s) address of a public host")
    event_types: list[str] = Field(min_length=1, max_length=20, description="e.g. contact.mql")
    description: str = Field("", max_length=200)

    model_config = {"extra": "forbid"}


class DeliveryOut(Schema):
    """One event for the endpoint, and how its sending stands."""

    id: int
    event_id: str = Field(description="the webhook-id header")
    event_type: str
    status: str = Field(description="pending, succeeded, failed, abandoned")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class DeliveryPageOut(Schema):
    """Deliveries newest first; ``next_before`` asks for the next page (null: the last)."""

    items: list[DeliveryOut]
    next_before: int | None


def _actor(request: HttpRequest) -> User:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    user = token.created_by
    if not user.is_active:
        raise PermissionDeniedError(
            _("The person who created this token is deactivated: create a new token.")
        )
    return user


def _endpoint(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "is_active": endpoint.is_active,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at,
        "waiting": getattr(endpoint, "waiting", 0),
        "succeeded": getattr(endpoint, "succeeded", 0),
        "abandoned": getattr(endpoint, "abandoned", 0),
    }


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "sent_at": delivery.sent_at,
    }


def _manager(request: HttpRequest) -> User:
    user = _actor(request)
    ensure_can(user, Capability.MANAGE_INTEGRATIONS)
    return user


@router.get(
    "/webhooks/endpoints",
    response={200: list[EndpointOut], **AUTH},
    summary="List the webhook endpoints",
)
def endpoints_list(request: HttpRequest) -> list[dict[str, Any]]:
    _manager(request)
    return [_endpoint(e) for e in endpoints_listed()]


@router.post(
    "/webhooks/endpoints",
    response={201: EndpointCreated, 400: ErrorOut, **AUTH},
    summary="Add a webhook endpoint (its secret is answered once)",
)
def endpoints_add(request: HttpRequest, payload: EndpointIn) -> Status[dict[str, Any]]:
    endpoint, secret = endpoint_create(
        actor=_actor(request),
        url=payload.url,
        event_types=payload.event_types,
        description=payload.description,
    )
    return Status(201, {"endpoint": _endpoint(endpoint), "secret": secret})


@router.get(
    "/webhooks/endpoints/{endpoint_id}",
    response={200: EndpointOut, **READ},
    summary="Read one webhook endpoint",
)
def endpoints_read(
    request: HttpRequest, endpoint_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    _manager(request)
    return _endpoint(endpoint_listed_get(endpoint_id=endpoint_id))


@router.get(
    "/webhooks/endpoints/{endpoint_id}/deliveries",
    response={200: DeliveryPageOut, **READ},
    summary="The delivery log of an endpoint, newest first",
)
def deliveries_list(
    request: HttpRequest,
    endpoint_id: int = Path(..., ge=1, le=MAX_ID),
    before: int | None = Query(None, ge=1, le=MAX_ID, description="a delivery id (keyset)"),
    limit: int = Query(50, ge=1, le=MAX_PAGE),
) -> dict[str, Any]:
    _manager(request)
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    rows = deliveries_recent(endpoint_id=endpoint.pk, before=before, limit=limit + 1)
    page = rows[:limit]
    return {
        "items": [_delivery(d) for d in page],
        "next_before": page[-1].pk if len(rows) > limit else None,
    }


@router.post(
    "/webhooks/deliveries/{delivery_id}/replay",
    response={200: DeliveryOut, 409: ErrorOut, **READ},
    summary="Send a delivery again from its first attempt (same webhook-id)",
)
def deliveries_replay(
    request: HttpRequest, delivery_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    return _delivery(delivery_replay(actor=_actor(request), delivery_id=delivery_id))
