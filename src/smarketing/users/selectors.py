"""Reads of people."""

from __future__ import annotations

from django.db.models import QuerySet

from smarketing.core.text import whole_number
from smarketing.users.models import User


def user_active(*, user_id: int | str | None) -> User | None:
    """The active user with this id, if any (``user_id`` as a form sends it)."""
    pk = whole_number(user_id)
    if pk is None:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def users_active() -> QuerySet[User]:
    """Every active user, by name."""
    return User.objects.filter(is_active=True).order_by("first_name", "username")


def user_by_username(*, username: str) -> User | None:
    """The user with this username, if any."""
    return User.objects.filter(username=username).first()


def users_exist() -> bool:
    """Whether anybody has an account yet."""
    return User.objects.exists()


def logins() -> list[tuple[str, str]]:
    """Every (username, role), oldest account first."""
    return list(User.objects.order_by("id").values_list("username", "role"))


def user_names(*, user_ids: set[int | None]) -> dict[int, str]:
    """User id → name as shown (full name, else username), for these ids."""
    return {pk: str(user) for pk, user in User.objects.in_bulk([i for i in user_ids if i]).items()}
