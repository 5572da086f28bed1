"""The review pack's MQLs by source and sales objectives, on the KPI tests' hand-built history
(tests/test_kpis.py): every expected figure typed in by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from smarketing.marketing.services import sales_target_set
from smarketing.review.services import review_pack_make
from tests.test_kpis import world  # noqa: F401  (the hand-built history)

pytestmark = pytest.mark.django_db
FEBRUARY = date(2024, 2, 1)


def test_the_pack_shows_the_months_mqls_by_source_and_its_sales_objectives(
    world,  # noqa: F811
    make_user,
) -> None:
    # given the history of tests/test_kpis.py: in February 2024 C became an MQL (ads); D's
    # 500 EUR deal was lost on the 20th; A's 1,000 EUR deal, opened on the 1st, was still open
    # at the month's end (won on 1 March); the company aimed at 1,000 EUR that month
    sales_target_set(actor=None, month="2024-02", revenue="1000", new_customers=1)
    # when
    pack = review_pack_make(month=FEBRUARY, now=datetime(2024, 3, 4, 9, tzinfo=UTC))
    # then
    s = pack.snapshot
    assert s["mqls"]["sources"] == [{"source": "ads", "mqls": 1}]
    shown = {o["name"]: o["shown"] for o in s["sales"]["objectives"]}
    assert {
        name: shown[name]
        for name in (
            "open pipeline",
            "deals won",
            "deals lost",
            "win rate",
            "won revenue",
            "revenue target",
            "won revenue ÷ target",
        )
    } == {
        "open pipeline": "1,000.00 EUR",
        "deals won": "0",
        "deals lost": "1",
        "win rate": "0.0 %",
        "won revenue": "0.00 EUR",
        "revenue target": "1,000.00 EUR",
        "won revenue ÷ target": "0.0 %",
    }
    assert s["sales"]["has_deals"] is True
    # no agreement, no rejection, no content request: nothing to recommend, and the page says so
    assert s["recommendations"] == []
    client = Client()
    client.force_login(make_user("management"))
    page = client.get("/review/2024-02/").content.decode()
    assert "The figures of this month call for no recommendation." in page
    assert "The agreement sets no MQL quota." in page
    assert "No deal was open, won or lost in this month." not in page
