"""Contacts, versions and helpers shared by the rescore run and hand-over tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.agreement.services import (
    agreement_activate,
    agreement_approve,
    agreement_draft_create,
)
from smarketing.contacts.models import Contact, StageTransition
from smarketing.contacts.services import account_create, contact_create
from smarketing.scoring.models import ContactScore, ScoreState
from smarketing.scoring.services import scoring_consume
from smarketing.tracking.services import EventIn, events_append
from smarketing.users.models import User

YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
FIXED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PRICING = {"path": "/pricing"}


def variant(min_engagement: int) -> str:
    """The fixture agreement with another engagement threshold (and name)."""
    assert "min_engagement: 40" in YAML
    return YAML.replace(
        "name: Nuage Logiciel 2027", f"name: Nuage Logiciel {min_engagement}"
    ).replace("min_engagement: 40", f"min_engagement: {min_engagement}")


def pricing_points(days_ago: list[float]) -> float:
    """15 points per pricing view, halved every 30 days (no cap reached: at most 3 views)."""
    return sum(15 * 2 ** (-days / 30) for days in days_ago)


def managers_make(make_user: Any) -> tuple[User, User]:
    """A marketing manager and a sales manager."""
    return make_user("marketing_manager"), make_user("sales_manager")


def approved(managers: tuple[User, User], text: str) -> AgreementVersion:
    """``text`` drafted and approved by both managers (not active)."""
    marketing, sales = managers
    version = agreement_draft_create(actor=marketing, text=text)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=sales, version=version)
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    return version


def fixture_active(managers: tuple[User, User]) -> AgreementVersion:
    """The fixture agreement, approved by both managers and active."""
    return agreement_activate(actor=managers[1], version=approved(managers, YAML))


def cfo(name: str, *, stage: str = "lead", email_domain: str = "") -> Contact:
    """A CFO of a 51–200 company in France: fit A (100 points) under the fixture agreement."""
    account = account_create(
        actor=None, name=name, domain=f"{name}.example", size_band="51-200", country="FR"
    )
    return contact_create(
        actor=None,
        email=f"{name}@{email_domain or f'{name}.example'}",
        job_title="Directrice financière",
        account=account,
        stage=stage,
    )


def send(contact: Contact, now: datetime, *days_ago: float, kind: str = "page_view") -> None:
    """Events of ``kind`` (a pricing page view by default) so many days before ``now``."""
    events_append(
        events=[
            EventIn(
                type=kind,
                occurred_at=now - timedelta(days=days),
                contact_id=contact.pk,
                properties=PRICING if kind == "page_view" else {},
            )
            for days in days_ago
        ],
        source="test",
        now=now,
    )


def drain(now: datetime) -> int:
    """Consume every new event at ``now``; how many were read."""
    total = 0
    while read := scoring_consume(now=now):
        total += read
    return total


def mql_moves(contact: Contact) -> list[tuple[str, str, str]]:
    """The contact's moves to MQL: (from stage, source, rule)."""
    return list(
        StageTransition.objects.filter(contact=contact, to_stage="mql").values_list(
            "from_stage", "source", "rule"
        )
    )


def counted(caps: str) -> dict[str, dict[str, list[float]]]:
    """A state row's counted times per rule and window, each window's times in order."""
    windows = orjson.loads(caps) if caps else {}
    return {rule: {w: sorted(times) for w, times in by.items()} for rule, by in windows.items()}


def score_rows(version: AgreementVersion) -> dict[int, tuple[Any, ...]]:
    """Every stored field of the version's score and state rows except the ids."""
    states = {state.contact_id: state for state in ScoreState.objects.filter(version=version)}
    rows = {}
    for score in ContactScore.objects.filter(version=version):
        state = states[score.contact_id]
        rows[score.contact_id] = (
            score.fit_grade,
            score.fit_points,
            score.persona,
            score.fit_marks,
            round(score.engagement, 9),
            score.computed_at,
            round(state.value, 9),
            state.at,
            state.since,
            counted(state.caps),
            state.fast,
            state.grade,
            state.verdict,
            score.qualifies,
            score.reason,
            score.handover_due,
        )
    return rows
