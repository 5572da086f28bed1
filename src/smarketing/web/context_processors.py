"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from smarketing.web.pages import menu_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """The menu entries of the logged-in user."""
    return {"menu": menu_for(request.user) if hasattr(request, "user") else []}
