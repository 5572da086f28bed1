"""``/api/v1/contacts/{id}/export`` and ``/erase``: a contact's personal data, with a token.

The token needs the ``privacy`` scope and acts as the person who created it, who needs the
personal-data capability (admins and marketing managers). Both are audited (docs/privacy.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema

from smarketing.api.auth import TokenBearer
from smarketing.api.errors import ErrorOut
from smarketing.capture.models import ApiToken, Scope
from smarketing.core.errors import PermissionDeniedError
from smarketing.privacy.selectors import contact_found
from smarketing.privacy.services import contact_erase, contact_export
from smarketing.users.models import User

router = Router(tags=["privacy"], auth=TokenBearer(Scope.PRIVACY))
MAX_ID = 2**63 - 1
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
ERASE_ERRORS = {409: ErrorOut, **ERRORS}


class EraseIn(Schema):
    """The contact's address again, so that a wrong id erases nobody."""

    email: str = Field(max_length=254, description="the contact's e-mail address, any case")

    model_config = {"extra": "forbid"}


class ErasedOut(Schema):
    """What the erasure touched."""

    contact_id: int
    rows: dict[str, int] = Field(description="rows deleted, kept or scrubbed, per table")


def _actor(request: HttpRequest) -> User:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    user = token.created_by
    if not user.is_active:
        raise PermissionDeniedError(
            _("The person who created this token is deactivated: create a new token.")
        )
    return user


@router.get(
    "/contacts/{contact_id}/export",
    response={200: dict[str, Any], **ERRORS},
    summary="Everything about a contact (the shape is in docs/privacy.md)",
)
def contacts_export(
    request: HttpRequest, contact_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    actor = _actor(request)
    return contact_export(actor=actor, contact=contact_found(contact_id=contact_id))


@router.post(
    "/contacts/{contact_id}/erase",
    response={200: ErasedOut, **ERASE_ERRORS},
    summary="Erase a contact everywhere (its address must be given again)",
)
def contacts_erase(
    request: HttpRequest, payload: EraseIn, contact_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    actor = _actor(request)
    contact = contact_found(contact_id=contact_id)
    rows = contact_erase(actor=actor, contact=contact, confirm_email=payload.email)
    return {"contact_id": contact.pk, "rows": rows}
