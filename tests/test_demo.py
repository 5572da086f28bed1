"""The demo generator: deterministic, consistent with the lifecycle table, fast enough."""

from __future__ import annotations

import sqlite3
import time
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from django.db.models import Count, Max

from smarketing.contacts.lifecycle import rule_for
from smarketing.contacts.models import Contact, Deal, StageTransition
from smarketing.core.errors import DomainError
from smarketing.demo import generate
from smarketing.users.models import User
from tests.processes import site

DATA_TABLES = (
    "users_user",
    "contacts_account",
    "contacts_contact",
    "contacts_stagetransition",
    "contacts_deal",
    "contacts_activity",
    "tracking_event",
)


def _dump(path: Path) -> str:
    with sqlite3.connect(path) as db:
        lines = []
        for table in DATA_TABLES:
            lines += [repr(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY id")]
    return "\n".join(lines)


@pytest.mark.slow
def test_same_seed_gives_byte_identical_data_and_another_seed_differs(tmp_path: Path) -> None:
    dumps = []
    for index, seed in enumerate((7, 7, 8)):
        with site("sqlite", tmp_path / str(index)) as made:
            result = made.run(
                "demo",
                "--no-serve",
                "--contacts",
                "400",
                "--seed",
                str(seed),
                "--today",
                "2026-06-30",
            )
            assert result.returncode == 0, result.stderr
            dumps.append(_dump(Path(made.env["DATABASE_URL"].removeprefix("sqlite://"))))
    assert len(dumps[0]) > 10_000
    assert dumps[0] == dumps[1]
    assert dumps[0] != dumps[2]


@pytest.mark.django_db
def test_demo_data_is_consistent_with_the_lifecycle_table() -> None:
    # when
    summary = generate(contacts=600, seed=3, today=date(2026, 6, 30))
    # then the counts are as asked and the logins cover every role
    assert summary.counts["contacts"] == Contact.objects.count() == 600
    assert {login.role for login in summary.logins} == {
        "admin",
        "management",
        "marketing_manager",
        "marketing_user",
        "sales_manager",
        "sales_rep",
    }
    assert all(u.manager is not None for u in User.objects.filter(role="sales_rep"))
    # every history step is allowed by the table, and the stage is the last step's
    for contact in Contact.objects.all():
        steps = list(StageTransition.objects.filter(contact=contact).order_by("at", "id"))
        assert steps[0].from_stage == ""
        for before, after in pairwise(steps):
            assert after.from_stage == before.to_stage
            assert rule_for(after.from_stage, after.to_stage) is not None
        assert contact.lifecycle_stage == steps[-1].to_stage
        assert contact.stage_changed_at == steps[-1].at
    # open deal ⇔ opportunity, won ⇔ customer
    assert set(
        Deal.objects.filter(status="open").values_list("contact__lifecycle_stage", flat=True)
    ) <= {"opportunity"}
    assert set(
        Deal.objects.filter(status="won").values_list("contact__lifecycle_stage", flat=True)
    ) == {"customer"}
    assert (
        Deal.objects.filter(status="open").count()
        == Contact.objects.filter(lifecycle_stage="opportunity").count()
    )
    # a funnel: fewer at each step
    reached = dict(
        StageTransition.objects.values_list("to_stage").annotate(
            n=Count("contact_id", distinct=True)
        )
    )
    assert (
        reached["lead"]
        > reached["mql"]
        > reached["sql"]
        > reached["opportunity"]
        > reached["customer"]
        > 0
    )
    assert StageTransition.objects.filter(is_skip=True).exists()
    # nothing after the reference day
    assert StageTransition.objects.aggregate(last=Max("at"))["last"].date() < date(2026, 6, 30)


@pytest.mark.django_db
def test_demo_refuses_a_database_with_data(make_user) -> None:
    make_user("admin")
    with pytest.raises(DomainError) as error:
        generate(contacts=10)
    assert error.value.code == "demo_data_exists"


@pytest.mark.django_db
def test_five_thousand_contacts_in_under_a_minute() -> None:
    started = time.monotonic()
    generate(contacts=5000, seed=1, today=date(2026, 6, 30))
    elapsed = time.monotonic() - started
    print(f"5,000 contacts generated in {elapsed:.1f} s")
    assert elapsed < 60
