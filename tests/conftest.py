"""Fixtures shared by every test."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from smarketing.users.models import User
from smarketing.users.roles import Role
from tests.factories import UserFactory

DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def uses_test_database(item: pytest.Item) -> bool:
    """Whether a test reads or writes pytest's database (the one ``DATABASE_URL`` chooses)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(fixtures & DATABASE_FIXTURES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the PostgreSQL pass (``SMARKETING_TEST_PASS=postgres``, see ``scripts/test.sh``), run
    only the tests that use pytest's database: the others (process tests, which choose their
    database by their ``kind`` parameter, and pure functions) gave their answer in the SQLite
    pass, and would only repeat it."""
    if os.environ.get("SMARKETING_TEST_PASS") != "postgres":
        return
    keep = [item for item in items if uses_test_database(item)]
    dropped = [item for item in items if not uses_test_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _data_folder_per_worker(settings: Any) -> None:
    """Each pytest-xdist worker keeps its files (uploads, import reports, the e-mail outbox)
    in a folder of its own: two workers' databases both start their ids at 1, and an import
    job's files are named after its id."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        settings.DATA_DIR = os.path.join(str(settings.DATA_DIR), worker)
        os.makedirs(settings.DATA_DIR, exist_ok=True)


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
