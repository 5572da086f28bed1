"""The files of `bench/import.py`: contacts with five dated stages, and their deals.

Contacts: one row per person, in random order; 2 % of the rows repeat the e-mail of a row up to
500 rows before (the import skips them), 1 % have an invalid e-mail (imported without one,
known by their id), a company per 12 people (its account found by the e-mail's domain). Each
person entered the funnel on a day of 2021–2023 and moved lead → MQL → SAL → SQL → opportunity
on distinct, increasing days. Deals: one for every tenth imported contact (distinct contacts),
in random order, created on or after the contact's opportunity day; 30 % won, 40 % lost (with
a close date), 30 % open.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SOURCE = "bench"
STAGES = ("lead", "mql", "sal", "sql", "opportunity")
CONTACT_COLUMNS = {
    "external_id": "Contact ID",
    "email": "Email",
    "first_name": "First Name",
    "last_name": "Last Name",
    "job_title": "Job Title",
    "company": "Company",
    "created_at": "Create Date",
    "lead_at": "Became a Lead Date",
    "mql_at": "Became an MQL Date",
    "sal_at": "Became an SAL Date",
    "sql_at": "Became an SQL Date",
    "opportunity_at": "Became an Opportunity Date",
}
DEAL_COLUMNS = {
    "external_id": "Deal ID",
    "name": "Deal Name",
    "amount": "Amount",
    "contact_external_id": "Contact ID",
    "stage": "Deal Stage",
    "created_at": "Create Date",
    "closed_at": "Close Date",
}
CONTACTS_MAPPING: dict[str, Any] = {
    "name": "bench-contacts",
    "label": "Bench CRM",
    "kind": "contacts",
    "source": SOURCE,
    "columns": CONTACT_COLUMNS,
}
DEALS_MAPPING: dict[str, Any] = {
    "name": "bench-deals",
    "label": "Bench CRM",
    "kind": "deals",
    "source": SOURCE,
    "columns": DEAL_COLUMNS,
}
OPEN_STAGES = ("discovery", "demo", "proposal", "negotiation")
START = date(2021, 1, 1)


def _stage_days(rng: random.Random) -> list[date]:
    day = START + timedelta(days=rng.randint(0, 1000))
    days = [day]
    for gap in (60, 30, 30, 60):
        day += timedelta(days=rng.randint(1, gap))
        days.append(day)
    return days


def contacts_write(path: Path, rows: int, seed: int = 17) -> list[tuple[str, date]]:
    """Write the contacts file; return (external id, opportunity day) of each contact the
    import keeps (a row whose valid e-mail an earlier row has is skipped), in file order."""
    rng = random.Random(seed)
    people = list(range(rows))
    rng.shuffle(people)
    emails: list[str] = []
    seen: set[str] = set()
    kept: list[tuple[str, date]] = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(CONTACT_COLUMNS.values())
        for position, person in enumerate(people):
            company = person // 12
            if position and rng.random() < 0.02:
                email = emails[position - rng.randint(1, min(500, position))]
            elif rng.random() < 0.01:
                email = f"broken{person}"
            else:
                email = f"person{person}@company{company}.example"
            emails.append(email)
            days = _stage_days(rng)
            external_id = f"C{person}"
            out.writerow(
                [
                    external_id,
                    email,
                    f"First{person}",
                    f"Last{person}",
                    rng.choice(("CFO", "DSI", "Gérant", "Directeur financier")),
                    f"Company {company}",
                    days[0].isoformat(),
                    *(day.isoformat() for day in days),
                ]
            )
            key = email.lower() if "@" in email else ""
            if key and key in seen:
                continue
            seen.add(key)
            kept.append((external_id, days[-1]))
    return kept


def deals_write(path: Path, deals: int, contacts: list[tuple[str, date]], seed: int = 18) -> None:
    """Write the deals file: ``deals`` deals of distinct contacts of ``contacts``."""
    rng = random.Random(seed)
    chosen = rng.sample(contacts, min(deals, len(contacts)))
    numbers = list(range(len(chosen)))
    rng.shuffle(numbers)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(DEAL_COLUMNS.values())
        for number in numbers:
            contact, opportunity = chosen[number]
            created = opportunity + timedelta(days=rng.randint(0, 30))
            draw = rng.random()
            if draw < 0.3:
                stage, closed = "closed_won", created + timedelta(days=rng.randint(1, 120))
            elif draw < 0.7:
                stage, closed = "closed_lost", created + timedelta(days=rng.randint(1, 120))
            else:
                stage, closed = rng.choice(OPEN_STAGES), None
            out.writerow(
                [
                    f"D{number}",
                    f"Deal {number}",
                    f"{rng.randint(100_000, 10_000_000) / 100:.2f}",
                    contact,
                    stage,
                    created.isoformat(),
                    closed.isoformat() if closed else "",
                ]
            )
