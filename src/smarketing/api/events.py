"""``POST /api/v1/events``: batches of up to 1,000 events, idempotent, rate limited."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from smarketing.api.auth import TokenBearer
from smarketing.api.errors import ApiErrorCode, ErrorOut, error_response
from smarketing.capture.ingest import MAX_BODY_BYTES, TooLarge, events_ingest
from smarketing.capture.models import ApiToken, Scope

router = Router(tags=["events"])


def inline_schema(model: type[Schema]) -> dict[str, Any]:
    """The model's JSON schema with its ``$defs`` written in place (for ``openapi_extra``)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


class EventIn(Schema):
    """One event. Name the contact by ``contact_id``, ``email`` or ``external_id`` (with
    ``external_source``), or an anonymous ``visitor_id``."""

    type: str = Field(examples=["page_view"])
    occurred_at: str = Field(
        description="ISO 8601 with a time zone", examples=["2026-11-24T10:00:00Z"]
    )
    contact_id: int | None = None
    email: str | None = None
    external_id: str | None = None
    external_source: str | None = Field(None, examples=["hubspot"])
    visitor_id: str | None = None
    properties: dict[str, Any] | None = Field(None, examples=[{"path": "/pricing"}])

    model_config = {"extra": "forbid"}


class BatchIn(Schema):
    """A batch of 1 to 1,000 events."""

    events: list[EventIn] = Field(min_length=1, max_length=1000)
    source: str | None = Field(
        None, min_length=1, max_length=32, description="the channel (default: api)"
    )

    model_config = {"extra": "forbid"}


class ResultOut(Schema):
    """The fate of one event, in the batch's order."""

    index: int
    status: Literal["accepted", "rejected"]
    code: str | None = None
    message: str | None = None


class BatchOut(Schema):
    """How many events were stored and refused, and each one's result."""

    accepted: int
    rejected: int
    results: list[ResultOut]


@router.post(
    "/events",
    response={
        200: BatchOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        429: ErrorOut,
    },
    summary="Send a batch of events",
    auth=TokenBearer(Scope.EVENTS_WRITE),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(BatchIn)}},
        },
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                "description": "A new key per batch; a retry with the same key and body is "
                "answered with the first response and stores nothing again.",
            }
        ],
    },
)
def events_post(request: HttpRequest) -> HttpResponse:
    """Store the events of the batch (scored by the worker within seconds).

    Structural problems refuse the whole batch; problems of one event reject that event only.
    """
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY_BYTES:
        return error_response(
            TooLarge(
                "The body is over 2 MB: send smaller batches.", code=ApiErrorCode.BODY_TOO_LARGE
            )
        )
    ingested = events_ingest(
        token=token, key=request.headers.get("Idempotency-Key", ""), body=request.body
    )
    response = HttpResponse(
        orjson.dumps(ingested.body), status=ingested.status, content_type="application/json"
    )
    if ingested.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
