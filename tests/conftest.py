"""Fixtures shared by every test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smarketing.users.models import User
from smarketing.users.roles import Role
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Hash passwords cheaply in tests (the product keeps Django's strong default)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """Create a user with a role; a sales rep gets a sales manager unless one is given."""

    def make(role: str = Role.MARKETING_USER, **fields: object) -> User:
        if role == Role.SALES_REP and "manager" not in fields:
            fields["manager"] = UserFactory(role=Role.SALES_MANAGER)
        return UserFactory(role=role, **fields)

    return make


@pytest.fixture
def users_by_role(make_user: Callable[..., User]) -> dict[str, User]:
    """One user per role, keyed by the role's value."""
    return {role.value: make_user(role, username=f"{role.value}_person") for role in Role}
