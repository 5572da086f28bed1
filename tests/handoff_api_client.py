"""The hand-off API tests' client side: the world with an admin, tokens acting as a person,
requests with a bearer token, and the error and list shapes."""

from __future__ import annotations

from typing import Any

import orjson
from django.test import Client

from smarketing.capture.models import ApiToken
from smarketing.capture.tokens import token_create
from smarketing.contacts.models import Contact
from smarketing.handoff.models import Handoff
from smarketing.users.models import User
from tests.handoff_api_world import handoff_api_world


def world_with_admin(make_user: Any) -> dict[str, Any]:
    """The hand-off API world, and an administrator (who creates the tokens)."""
    people = handoff_api_world(make_user)
    people["admin"] = make_user("admin", username="admin")
    return people


def _token(world: dict[str, Any], user: User, scopes: tuple[str, ...] = ("handoffs",)) -> str:
    """A token acting as ``user``. Integration managers create tokens; one made for someone
    else is written here by changing its creator."""
    token, secret = token_create(actor=world["admin"], name="crm", scopes=list(scopes))
    ApiToken.objects.filter(pk=token.pk).update(created_by=user)
    return secret


def _get(secret: str | None, url: str) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return Client().get(url, **headers)


def _post(secret: str | None, url: str, body: object = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    data = body if isinstance(body, bytes) else b"" if body is None else orjson.dumps(body)
    return Client().post(url, data=data, content_type="application/json", **headers)


def _error(response: Any) -> tuple[int, str, str | None]:
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    return response.status_code, body["code"], body["field"]


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def _unchanged(handoff: Handoff) -> None:
    handoff.refresh_from_db()
    assert (handoff.status, handoff.decided_at, handoff.reason_code) == ("open", None, "")
    assert Contact.objects.get(pk=handoff.contact_id).lifecycle_stage == "mql"
