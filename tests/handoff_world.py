"""A small revenue team with an active agreement that routes French MQLs to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smarketing.contacts.models import Contact
from smarketing.contacts.services import account_create, contact_create
from smarketing.handoff.models import Team
from smarketing.users.models import User
from smarketing.users.roles import Role
from tests.factories import agreement_signed

YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
TERMS = """
routing:
  rules:
    - {key: france, kind: territory, team: france, countries: [FR]}
sla:
  terms:
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 3, follow_up_days: 10}
reasons:
  - {code: not_now, label: No project now, disposition: nurturing}
  - {code: wrong_persona, label: Wrong persona, disposition: disqualified}
"""


def _user(username: str, role: str, **fields: Any) -> User:
    return User.objects.create_user(
        username=username, password="x", role=role, email=f"{username}@nuage.example", **fields
    )


def team_world(*, slack: str = "", teams: str = "", reps: int = 2) -> dict[str, Any]:
    """Managers of both sides, an active agreement, a team 'france' of ``reps`` salespeople."""
    marketing = _user("marketing", Role.MARKETING_MANAGER)
    manager = _user("sophie", Role.SALES_MANAGER, first_name="Sophie")
    agreement_signed(YAML + TERMS, marketing, manager)
    members = [
        _user(f"rep{i}", Role.SALES_REP, first_name=f"Rep{i}", manager=manager)
        for i in range(1, reps + 1)
    ]
    team = Team.objects.create(
        key="france",
        name="France",
        manager=manager,
        country="FR",
        slack_webhook_url=slack,
        teams_webhook_url=teams,
    )
    team.members.set(members)
    return {"marketing": marketing, "manager": manager, "reps": members, "team": team}


def cfo(email: str) -> Contact:
    """A contact who fits the CFO persona (grade A) at a French mid-size company."""
    account = account_create(
        actor=None, name=email.split("@")[1], domain=email.split("@")[1], country="FR"
    )
    account.size_band = "201-1000"
    account.save()
    return contact_create(
        actor=None,
        email=email,
        account=account,
        first_name="Anne",
        last_name="Martin",
        job_title="CFO",
    )
