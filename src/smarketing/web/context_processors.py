"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from smarketing.notifications.services import unread_count
from smarketing.web.pages import menu_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """The menu entries of the logged-in user, and how many notifications they have not read."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    return {"menu": menu_for(user), "unread_count": unread_count(user)}
