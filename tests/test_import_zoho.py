"""The real Zoho CRM export imports with the detected mapping; counts match the files."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from smarketing.contacts import lifecycle
from smarketing.contacts.models import Account, Contact, Deal, StageTransition
from smarketing.contacts.services.accounts import domain_normalize
from smarketing.core.text import FREE_MAIL_DOMAINS, email_normalize
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import mapping_detect
from smarketing.imports.readers import table_open

ZOHO = Path(__file__).parents[2] / "shared" / "datasets" / "crm-exports" / "zoho-crm-sample"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (ZOHO / "Leads.csv").exists(),
        reason=f"the Zoho sample export is not at {ZOHO} (../shared/datasets, see README)",
    ),
]
STATUS = {
    "Not Contacted": "lead",
    "Attempted to Contact": "lead",
    "Contacted": "lead",
    "Contact in Future": "nurturing",
    "Pre Qualified": "mql",
    "Junk Lead": "disqualified",
    "Lost Lead": "disqualified",
}
OWNERS = [
    "Rozario Diego",
    "Santa Cruz Clara",
    "Lazar Mathew",
    "Pete Zachariah",
    "Jasmine Frank",
    "Harold Pawlan",
    "David Love",
    "Roger Terrence",
    "Thomas Mondrake",
]  # not 2 of the 11


def _rows(name: str) -> list[dict[str, str]]:
    with (ZOHO / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _import(kind: str, name: str, report_path: Path | None = None):
    table = table_open(ZOHO / name)
    mapping = mapping_detect(table.columns, kind)
    assert mapping is not None
    return mapping.name, import_run(table=table, mapping=mapping, report_path=report_path)


def _final_stage(lead_status: str, forecast: str | None) -> str:
    """The stage the documented rules give: the status's stage, then the deal's moves."""
    stage = STATUS[lead_status]
    if forecast is None:
        return stage
    targets = ["opportunity"] + {"Won": ["customer"], "Lost": ["nurturing"], "Open": []}[forecast]
    for target in targets:
        if target == "nurturing" and stage == "disqualified":
            continue
        move = lifecycle.rule_for(stage, target)
        if move is not None and not move.manager_only:
            stage = target
    return stage


def test_leads_and_potentials_import_as_the_files_say(make_user, tmp_path) -> None:
    for name in OWNERS:
        first, _, last = name.partition(" ")
        make_user("sales_rep", first_name=first, last_name=last, username=name.replace(" ", "."))
    leads, potentials = _rows("Leads.csv"), _rows("Potentials.csv")
    # independent counts from the files
    emails = {email_normalize(r["Email"]) for r in leads if "@" in r["Email"]}
    domains = {domain_normalize(r["Website"]) for r in leads} - FREE_MAIL_DOMAINS - {""}
    unmapped = Counter(r["Lead Owner"] for r in leads if r["Lead Owner"] not in OWNERS)
    lead_of = {r["LEADID"]: r for r in leads}
    linked = [p for p in potentials if p["LEADID"] in lead_of]
    # when the two files are imported with their detected mappings
    name, report = _import("contacts", "Leads.csv")
    assert name == "zoho-leads"
    assert (report.rows, report.created, report.rejected) == (len(leads), len(emails), 0)
    assert report.accounts_created == len(domains)
    assert report.warnings == sum(unmapped.values())
    name, deals = _import("deals", "Potentials.csv", tmp_path / "problems.csv")
    assert name == "zoho-potentials"
    assert (deals.rows, deals.created, deals.rejected) == (len(potentials), len(linked), 0)
    # then the record holds exactly that
    assert Contact.objects.count() == len(emails)
    assert Account.objects.count() == len(domains)
    assert Deal.objects.count() == len(linked)
    assert Contact.objects.filter(owner__isnull=True).count() == sum(unmapped.values())
    won = Counter(p["Forecast Type"] for p in linked)
    assert Counter(Deal.objects.values_list("status", flat=True)) == {
        "open": won["Open"],
        "won": won["Won"],
        "lost": won["Lost"],
    }
    expected = Counter(
        _final_stage(
            r["Lead Status"],
            next((p["Forecast Type"] for p in linked if p["LEADID"] == r["LEADID"]), None),
        )
        for r in leads
    )
    assert Counter(Contact.objects.values_list("lifecycle_stage", flat=True)) == expected
    # every contact with a won deal is a customer; those the file had in nurturing or
    # disqualified are listed as contradictions, once each
    won_leads = {p["LEADID"] for p in linked if p["Forecast Type"] == "Won"}
    assert set(
        Contact.objects.filter(deals__status="won").values_list("lifecycle_stage", flat=True)
    ) == {"customer"}
    contradicting = {
        r["LEADID"]
        for r in leads
        if r["LEADID"] in won_leads and STATUS[r["Lead Status"]] in {"nurturing", "disqualified"}
    }
    assert deals.contradictions == len(contradicting) > 0
    with (tmp_path / "problems.csv").open(encoding="utf-8", newline="") as handle:
        listed = [
            row for row in csv.DictReader(handle) if row["reason"].startswith("contradiction: ")
        ]
    assert len(listed) == len(contradicting)
    assert StageTransition.objects.filter(from_stage="").count() == len(emails)
    # and importing the same files again changes nothing
    history = StageTransition.objects.count()
    again = _import("contacts", "Leads.csv")[1]
    assert (again.created, again.updated, again.rejected) == (0, 0, 0)
    again_deals = _import("deals", "Potentials.csv")[1]
    assert (again_deals.created, again_deals.updated, again_deals.rejected) == (0, 0, 0)
    assert StageTransition.objects.count() == history
    assert Contact.objects.count() == len(emails)
