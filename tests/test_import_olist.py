"""The Olist marketing funnel (8,000 MQLs known by id, 842 closed deals keyed by MQL id) imports
every closed deal, and the funnel read from the records equals the one computed here from the
raw CSV files (issue 17, acceptance)."""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Contact, Deal, StageTransition
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import mapping_load
from smarketing.imports.readers import table_open

ROOT = Path(__file__).parents[1]
OLIST = ROOT.parent / "shared" / "datasets" / "olist-marketing-funnel"
MQLS, DEALS = "olist_marketing_qualified_leads_dataset.csv", "olist_closed_deals_dataset.csv"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (OLIST / DEALS).exists(),
        reason=f"the Olist funnel dataset is not at {OLIST} (../shared/datasets, see README)",
    ),
]


def _csv(name: str) -> list[dict[str, str]]:
    with (OLIST / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _import(file: str, mapping: str):
    with table_open(OLIST / file) as table:
        return import_run(table=table, mapping=mapping_load(ROOT / "docs" / "mappings" / mapping))


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _pct(part: int, whole: int) -> str:
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _kpis(capsys, *options: str) -> dict:
    capsys.readouterr()
    period = ["--from", "2017-01-01", "--to", "2018-12-31", "--format", "json"]
    assert main(["kpis", *period, *options]) == 0
    return json.loads(capsys.readouterr().out)["groups"]


def test_the_olist_funnel_imports_as_the_files_say(capsys) -> None:
    mqls, deals = _csv(MQLS), _csv(DEALS)
    # when
    first = _import(MQLS, "olist-mqls.yaml")
    report = _import(DEALS, "olist-closed-deals.yaml")
    # then every MQL and every closed deal is in (none refused for a missing name or e-mail)
    assert (first.created, first.rejected) == (len(mqls), 0) == (8000, 0)
    assert (report.created, report.rejected) == (len(deals), 0) == (842, 0)
    assert Deal.objects.filter(status="won").count() == 842
    # MQLs by month of first contact
    expected_months = Counter(r["first_contact_date"][:7] for r in mqls)
    became_mql = StageTransition.objects.filter(to_stage="mql").values_list("contact_id", "at")
    mql_at = dict(became_mql)
    assert Counter(at.strftime("%Y-%m") for at in mql_at.values()) == expected_months
    # MQL → won, overall and by origin
    won_ids = {r["mql_id"] for r in deals}
    # an MQL without an origin keeps the mapping's label as its detail
    origin = {r["mql_id"]: r["origin"] or "Olist — MQLs" for r in mqls}
    customers = Contact.objects.filter(lifecycle_stage="customer")
    assert customers.count() == len(won_ids)
    by_origin = Counter(c.source_detail for c in Contact.objects.all())
    won_by_origin = Counter(c.source_detail for c in customers)
    expected_origin = Counter(origin.values())
    expected_won = Counter(origin[i] for i in won_ids)
    assert by_origin == expected_origin
    assert won_by_origin == expected_won
    for source, total in expected_origin.items():
        assert Fraction(won_by_origin[source], by_origin[source]) == Fraction(
            expected_won[source], total
        )
    # median days from first contact to won
    first_contact = {r["mql_id"]: _time(r["first_contact_date"]) for r in mqls}
    expected_days = statistics.median(
        (_time(r["won_date"]) - first_contact[r["mql_id"]]).total_seconds() / 86400 for r in deals
    )
    won = StageTransition.objects.filter(to_stage="customer")
    won_at = dict(won.values_list("contact_id", "at"))
    measured = statistics.median(
        (won_at[contact] - mql_at[contact]).total_seconds() / 86400 for contact in won_at
    )
    assert measured == expected_days
    assert 13 < measured < 15  # about two weeks, not 3,191 days
    # the shared KPIs give the same figures (issue 18): MQL → won overall and by origin,
    # median days from first contact to won
    kpis = _kpis(capsys, "--by", "source")
    assert kpis["all"]["MQL → won"]["value"] == _pct(len(won_ids), len(mqls))
    for source, total in expected_origin.items():
        assert kpis[source]["MQL → won"]["value"] == _pct(expected_won[source], total), source
    assert kpis["all"]["days MQL → won (median)"]["value"] == round(expected_days, 1)
    # and the same files again change nothing
    history = StageTransition.objects.count()
    assert _import(MQLS, "olist-mqls.yaml").created == 0
    assert _import(DEALS, "olist-closed-deals.yaml").created == 0
    assert StageTransition.objects.count() == history
