"""Two sales teams with routed hand-offs, for the hand-off API tests (and its fuzzing).

Two teams under the active agreement (routing by country, at most 1 open MQL a salesperson):

- France (``france``), managed by Hélène (sales manager), members Léa then Hugo (Léa's id is the
  lower: she gets the first lead);
- Germany (``germany``), managed by Otto (sales manager), member Karl.

Routed at ``NOW`` (Tuesday 24 November 2026, 17:00 in Paris): Anne (FR) → Léa, Paul (FR) → Hugo,
Zoé (FR) → the France queue (both at capacity), Max (DE) → Karl. Teams work 09:00–18:00 Monday
to Friday, Paris time; the SLA term gives 8 working hours to answer and 24 to touch first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smarketing.contacts.models import Contact
from smarketing.contacts.services import account_create, contact_create, contact_stage_change
from smarketing.handoff.models import Handoff, Team
from smarketing.handoff.services import handoffs_route
from tests.factories import agreement_signed

YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
TERMS = """
routing:
  max_open_mqls: 1
  rules:
    - {key: france, kind: territory, team: france, countries: [FR]}
    - {key: germany, kind: territory, team: germany, countries: [DE]}
sla:
  terms:
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 3, follow_up_days: 10}
reasons:
  - {code: not_now, label: No project now, disposition: nurturing}
  - {code: student, label: Student, disposition: disqualified}
  - {code: bad_data, label: Bad contact data, disposition: back_to_marketing}
"""
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def mql(email: str, country: str, first_name: str = "", last_name: str = "") -> Contact:
    """A new contact of a new account in ``country``, made MQL at ``NOW``."""
    domain = email.split("@")[1]
    account = account_create(actor=None, name=domain, domain=domain, country=country)
    contact = contact_create(
        actor=None, email=email, first_name=first_name, last_name=last_name, account=account
    )
    contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="test", at=NOW)
    return contact


def handoff_api_world(make_user: Callable[..., Any]) -> dict[str, Any]:
    """Activate the agreement, create the teams and route four MQLs (see the module's doc)."""
    marketing = make_user("marketing_manager", username="marketing")
    helene = make_user("sales_manager", username="helene", first_name="Hélène", last_name="Vidal")
    otto = make_user("sales_manager", username="otto", first_name="Otto", last_name="Krause")
    version = agreement_signed(YAML + TERMS, marketing, helene)
    lea = make_user("sales_rep", username="lea", first_name="Léa", last_name="Roux", manager=helene)
    hugo = make_user(
        "sales_rep", username="hugo", first_name="Hugo", last_name="Blanc", manager=helene
    )
    karl = make_user(
        "sales_rep", username="karl", first_name="Karl", last_name="Weber", manager=otto
    )
    france = Team.objects.create(key="france", name="France", manager=helene, country="FR")
    france.members.set([lea, hugo])
    germany = Team.objects.create(key="germany", name="Germany", manager=otto, country="DE")
    germany.members.set([karl])
    mql("anne@acme.fr", "FR", "Anne", "Martin")
    mql("paul@beta.fr", "FR", "Paul", "Petit")
    mql("zoe@gamma.fr", "FR")
    mql("max@delta.de", "DE", "Max", "Braun")
    handoffs_route(now=NOW)
    by_email = {h.contact.email: h for h in Handoff.objects.select_related("contact")}
    return {
        "version": version,
        "marketing": marketing,
        "helene": helene,
        "otto": otto,
        "lea": lea,
        "hugo": hugo,
        "karl": karl,
        "france": france,
        "germany": germany,
        "anne": by_email["anne@acme.fr"],
        "paul": by_email["paul@beta.fr"],
        "zoe": by_email["zoe@gamma.fr"],
        "max": by_email["max@delta.de"],
    }
