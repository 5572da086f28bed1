"""``/api/v1/handoffs`` and ``/api/v1/reasons``: read and answer hand-offs with a token.

The token acts as the person who created it: they see what :func:`handoffs_visible` shows them
and answer what the hand-off services let them answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from smarketing.api.auth import TokenBearer
from smarketing.api.errors import ErrorOut
from smarketing.capture.models import ApiToken, Scope
from smarketing.core.errors import PermissionDeniedError
from smarketing.handoff.models import Handoff
from smarketing.handoff.selectors import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    handoff_list_page,
    handoff_visible_get,
    reasons_active,
)
from smarketing.handoff.services import handoff_accept, handoff_reject
from smarketing.users.models import User

router = Router(tags=["hand-offs"], auth=TokenBearer(Scope.HANDOFFS))
MAX_ID = 2**63 - 1
REFUSALS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    429: ErrorOut,
}
LIST_REFUSALS = {status: REFUSALS[status] for status in (400, 401, 403, 429)}
READ_REFUSALS = {status: REFUSALS[status] for status in (400, 401, 403, 404, 429)}
AUTH_REFUSALS = {status: REFUSALS[status] for status in (401, 403, 429)}


class ContactRef(Schema):
    """The contact handed over."""

    id: int
    email: str
    name: str


class UserRef(Schema):
    """A person of the sales team."""

    id: int
    name: str
    email: str


class TeamRef(Schema):
    """A sales team."""

    id: int
    key: str
    name: str


class HandoffOut(Schema):
    """One MQL handed to sales, and its answer once given."""

    id: int
    contact: ContactRef
    assignee: UserRef | None = Field(description="null: waiting in the team manager's queue")
    team: TeamRef | None
    rule: str = Field(description="the routing rule that chose the salesperson")
    status: Literal["open", "accepted", "rejected"]
    sla_term: str | None
    accept_due: datetime | None
    first_touch_due: datetime | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: UserRef | None
    reason_code: str | None = Field(description="the reject reason's code")
    comment: str | None


class HandoffPageOut(Schema):
    """A page of hand-offs, newest first."""

    items: list[HandoffOut]
    next_cursor: int | None = Field(description="pass it as `cursor` for the next page; null: last")


class RejectIn(Schema):
    """Why the lead is rejected: a reason code of the hand-off's agreement."""

    code: str = Field(max_length=50, examples=["not_now"])
    comment: str = Field("", max_length=2000, examples=["Back in Q3"])

    model_config = {"extra": "forbid"}


class ReasonOut(Schema):
    """A reject reason and what it does to the contact."""

    code: str
    label: str
    disposition: Literal["nurturing", "disqualified", "back_to_marketing"]


class ReasonsOut(Schema):
    """The active agreement's reject reasons."""

    version: int | None = Field(description="the active agreement version; null: none active")
    reasons: list[ReasonOut]


def _actor(request: HttpRequest) -> User:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    user = token.created_by
    if not user.is_active:
        raise PermissionDeniedError(
            "The person who created this token is deactivated: create a new token."
        )
    return user


def _visible(user: User, handoff_id: int) -> Handoff:
    return handoff_visible_get(user=user, handoff_id=handoff_id)


def _assignee_id(user: User, assignee: str | None) -> int | None:
    if assignee is None or assignee == "none":
        return None
    return user.pk if assignee == "me" else int(assignee)


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username, "email": user.email}


def _out(handoff: Handoff) -> dict[str, Any]:
    contact, team = handoff.contact, handoff.team
    return {
        "id": handoff.pk,
        "contact": {
            "id": contact.pk,
            "email": contact.email,
            "name": f"{contact.first_name} {contact.last_name}".strip(),
        },
        "assignee": _person(handoff.assignee),
        "team": {"id": team.pk, "key": team.key, "name": team.name} if team else None,
        "rule": handoff.rule,
        "status": handoff.status,
        "sla_term": handoff.sla_term or None,
        "accept_due": handoff.accept_due,
        "first_touch_due": handoff.first_touch_due,
        "created_at": handoff.created_at,
        "decided_at": handoff.decided_at,
        "decided_by": _person(handoff.decided_by),
        "reason_code": handoff.reason_code or None,
        "comment": handoff.comment or None,
    }


@router.get(
    "/handoffs",
    response={200: HandoffPageOut, **LIST_REFUSALS},
    summary="List the hand-offs you may see",
)
def handoffs_list(
    request: HttpRequest,
    status: Literal["open", "accepted", "rejected"] | None = None,
    assignee: str | None = Query(
        None,
        pattern=r"^(me|none|[1-9][0-9]{0,17})$",
        description="`me`, a user id, or `none` (waiting in a manager's queue)",
    ),
    cursor: int | None = Query(None, ge=1, le=MAX_ID, description="`next_cursor` of a page"),
    limit: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> dict[str, Any]:
    """Newest first: yours, your teams', or all of them for admins and sales managers."""
    user = _actor(request)
    page = handoff_list_page(
        user=user,
        status=status,
        assignee_id=_assignee_id(user, assignee),
        unassigned=assignee == "none",
        after=cursor,
        limit=limit,
    )
    return {"items": [_out(h) for h in page.handoffs], "next_cursor": page.next_after}


@router.get(
    "/handoffs/{handoff_id}",
    response={200: HandoffOut, **READ_REFUSALS},
    summary="Read a hand-off",
)
def handoff_get(request: HttpRequest, handoff_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """One hand-off, if you may see it (404 otherwise)."""
    return _out(_visible(_actor(request), handoff_id))


@router.post(
    "/handoffs/{handoff_id}/accept",
    response={200: HandoffOut, **REFUSALS},
    summary="Accept a hand-off",
)
def handoff_accept_post(request: HttpRequest, handoff_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """The contact becomes sales-accepted (SAL). Only the assignee, the team's manager or an
    admin answers; a hand-off is answered once."""
    user = _actor(request)
    return _out(handoff_accept(actor=user, handoff=_visible(user, handoff_id)))


@router.post(
    "/handoffs/{handoff_id}/reject",
    response={200: HandoffOut, **REFUSALS},
    summary="Reject a hand-off with a reason code",
)
def handoff_reject_post(
    request: HttpRequest, payload: RejectIn, handoff_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    """The reason's disposition moves the contact (nurturing, disqualified, back to marketing).
    The codes are those of the agreement the hand-off was made under (`GET /api/v1/reasons`)."""
    user = _actor(request)
    handoff = _visible(user, handoff_id)
    return _out(
        handoff_reject(actor=user, handoff=handoff, code=payload.code, comment=payload.comment)
    )


@router.get("/reasons", response={200: ReasonsOut, **AUTH_REFUSALS}, summary="List reject reasons")
def reasons_get(request: HttpRequest) -> dict[str, Any]:
    """The active agreement's reject reasons, to answer `POST /api/v1/handoffs/{id}/reject`."""
    _actor(request)
    version, reasons = reasons_active()
    return {
        "version": version.number if version else None,
        "reasons": [
            {"code": r.code, "label": r.label, "disposition": str(r.disposition)} for r in reasons
        ],
    }
