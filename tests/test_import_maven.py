"""The Maven CRM pipeline (85 accounts, 8,800 opportunities keyed by account) imports without
made-up contacts, and the figures read from the records equal the ones computed here from the
raw CSV files (issue 17, acceptance)."""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Account, Contact, Deal
from smarketing.handoff.models import Team
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import mapping_load
from smarketing.imports.readers import table_open
from smarketing.users.roles import Role

ROOT = Path(__file__).parents[1]
MAVEN = ROOT.parent / "shared" / "datasets" / "maven-crm-pipeline"
MAPPINGS = ROOT / "docs" / "mappings"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (MAVEN / "sales_pipeline.csv").exists(),
        reason=f"the Maven CRM dataset is not at {MAVEN} (../shared/datasets, see README)",
    ),
]
# the pipeline's stages as this test reads them (independently of the mapping file)
STAGES = {
    "Prospecting": "discovery",
    "Engaging": "demo",
    "Won": "closed_won",
    "Lost": "closed_lost",
}


def _csv(name: str) -> list[dict[str, str]]:
    with (MAVEN / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _import(file: str, mapping: str):
    with table_open(MAVEN / file) as table:
        return import_run(table=table, mapping=mapping_load(MAPPINGS / mapping))


@pytest.fixture
def agents(make_user) -> dict[str, str]:
    """Every sales agent as a user, in a team per regional office; {agent: office}."""
    offices: dict[str, str] = {}
    teams: dict[str, Team] = {}
    for row in _csv("sales_teams.csv"):
        office = row["regional_office"]
        if office not in teams:
            manager = make_user(Role.SALES_MANAGER, username=f"manager-{office.lower()}")
            teams[office] = Team.objects.create(key=office.lower(), name=office, manager=manager)
        first, last = row["sales_agent"].split(" ", 1)
        rep = make_user(
            Role.SALES_REP,
            username=row["sales_agent"].replace(" ", ".").lower(),
            first_name=first,
            last_name=last,
            manager=teams[office].manager,
        )
        teams[office].members.add(rep)
        offices[row["sales_agent"]] = office
    return offices


def _win_rate(won: int, lost: int) -> Decimal:
    return (Decimal(won) / Decimal(won + lost)).quantize(Decimal("0.0001"))


def _pct(part: int, whole: int) -> str:
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def test_the_maven_pipeline_imports_as_the_files_say(agents, capsys) -> None:
    accounts, pipeline = _csv("accounts.csv"), _csv("sales_pipeline.csv")
    # when
    first = _import("accounts.csv", "maven-accounts.yaml")
    report = _import("sales_pipeline.csv", "maven-pipeline.yaml")
    # then: one account per company, no contact made up, every opportunity in
    assert (first.created, first.rejected) == (len(accounts), 0)
    assert Account.objects.count() == len(accounts) == 85
    assert Contact.objects.count() == 0
    assert (report.created, report.rejected) == (len(pipeline), 0)
    no_account = sum(1 for r in pipeline if not r["account"])
    assert Deal.objects.filter(account__isnull=True).count() == no_account == 1425
    # counts per stage
    expected_stages = Counter(STAGES[r["deal_stage"]] for r in pipeline)
    assert Counter(Deal.objects.values_list("pipeline_stage", flat=True)) == expected_stages
    # won revenue, in dollars
    won_rows = [r for r in pipeline if r["deal_stage"] == "Won"]
    won_revenue = sum(Decimal(r["close_value"]) for r in won_rows)
    assert sum(Deal.objects.filter(status="won").values_list("amount", flat=True)) == won_revenue
    assert set(Deal.objects.values_list("currency", flat=True)) == {"USD"}
    # win rate, overall and by regional office (the owner's team)
    lost_rows = [r for r in pipeline if r["deal_stage"] == "Lost"]
    assert _win_rate(
        Deal.objects.filter(status="won").count(), Deal.objects.filter(status="lost").count()
    ) == _win_rate(len(won_rows), len(lost_rows))
    for office in set(agents.values()):
        won = sum(1 for r in won_rows if agents[r["sales_agent"]] == office)
        lost = sum(1 for r in lost_rows if agents[r["sales_agent"]] == office)
        team = Deal.objects.filter(owner__sales_teams__name=office)
        assert _win_rate(
            team.filter(status="won").count(), team.filter(status="lost").count()
        ) == _win_rate(won, lost), office
    # median days from engage to close of the won deals
    engaged = statistics.median(
        (_day(r["close_date"]) - _day(r["engage_date"])).days for r in won_rows
    )
    assert (
        statistics.median(
            (d.closed_at - d.created_at).days
            for d in Deal.objects.filter(status="won").only("closed_at", "created_at")
        )
        == engaged
    )
    # the shared KPIs give the same figures (issue 18): win rate overall and by regional
    # office, won revenue by product, median days from engage to close
    capsys.readouterr()
    period = ["--from", "2016-01-01", "--to", "2017-12-31", "--currency", "USD"]
    assert main(["kpis", *period, "--by", "team", "--format", "json"]) == 0
    by_team = json.loads(capsys.readouterr().out)["groups"]
    assert by_team["all"]["win rate"]["value"] == _pct(
        len(won_rows), len(won_rows) + len(lost_rows)
    )
    for office in set(agents.values()):
        won = sum(1 for r in won_rows if agents[r["sales_agent"]] == office)
        lost = sum(1 for r in lost_rows if agents[r["sales_agent"]] == office)
        assert by_team[office]["win rate"]["value"] == _pct(won, won + lost), office
    assert by_team["all"]["days to close a won deal (median)"]["value"] == round(engaged, 1)
    assert main(["kpis", *period, "--by", "product", "--format", "json"]) == 0
    by_product = json.loads(capsys.readouterr().out)["groups"]
    for product in {r["product"] for r in won_rows}:
        revenue = sum(Decimal(r["close_value"]) for r in won_rows if r["product"] == product)
        assert by_product[product]["won revenue"]["value"] == f"{revenue:.2f}", product
    # and the same files again change nothing
    assert _import("accounts.csv", "maven-accounts.yaml").created == 0
    again = _import("sales_pipeline.csv", "maven-pipeline.yaml")
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(pipeline))


def _day(text: str):
    from datetime import date

    return date.fromisoformat(text)
