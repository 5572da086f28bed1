"""Both teams sign a new agreement: draft, backtest chart, two approvals, activation, new scores."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.services import (
    agreement_activate,
    agreement_approve,
    agreement_draft_create,
)
from smarketing.contacts.services import account_create, contact_create
from smarketing.scoring.models import RescoreRun
from smarketing.scoring.services import scoring_consume
from smarketing.scoring.tasks import rescore_task
from smarketing.tracking.services import EventIn, events_append

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YAML = (Path(__file__).parents[1] / "fixtures" / "agreement.yaml").read_text()
PASSWORD = "correct horse battery staple"


def _login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))  # each role's home page


def test_both_teams_sign_and_a_salesperson_sees_the_new_breakdown(
    page, live_server, make_user
) -> None:
    # given v1 in force and a CFO who looked at the pricing page three times today
    marketing = make_user("marketing_manager", username="camille")
    sales = make_user("sales_manager", username="sophie")
    make_user("sales_rep", username="thomas", manager=sales)
    v1 = agreement_draft_create(actor=marketing, text=YAML)
    agreement_approve(actor=marketing, version=v1)
    agreement_approve(actor=sales, version=v1)
    agreement_activate(actor=sales, version=v1)
    account = account_create(
        actor=None, name="Acme", domain="acme.fr", size_band="51-200", country="FR"
    )
    contact = contact_create(
        actor=None, email="anne@acme.fr", job_title="Directrice financière", account=account
    )
    now = timezone.now()
    events_append(
        events=[
            EventIn(
                type="page_view",
                occurred_at=now - timedelta(minutes=m),
                contact_id=contact.pk,
                properties={"path": "/pricing"},
            )
            for m in (30, 20, 10)
        ],
        source="api",
        now=now,
    )
    scoring_consume()
    base = live_server.url
    # when the marketing manager drafts v2, where pricing views are worth 20 points
    _login(page, base, "camille")
    page.goto(f"{base}/agreement/")
    page.click("text=New draft")
    text = page.input_value("#agreement-text")
    page.fill("#agreement-text", text.replace("points: 15", "points: 20"))
    page.click("text=Save draft")
    page.wait_for_url(re.compile(r"/agreement/v2/$"))
    assert "Engagement rule “Page viewed (page = /pricing)”: Points: 15 → 20" in page.inner_text(
        ".diff"
    )
    # and previews the backtest chart before approving
    page.click("text=Preview and backtest")
    page.click("#compute-preview")
    page.wait_for_selector("#backtest-chart .main-svg")
    assert page.locator("#backtest-chart .legendtext").all_text_contents() == ["v2", "v1"]
    page.goto(f"{base}/agreement/v2/")
    page.click("text=Approve for my team")
    assert "Approved for Marketing." in page.inner_text(".messages")
    # and the sales manager approves too
    _login(page, base, "sophie")
    page.goto(f"{base}/agreement/v2/")
    page.click("text=Approve for my team")
    assert "Approved by both sides" in page.inner_text("h1")
    # and activates it from the preview, 10 new MQLs a day at most
    page.goto(f"{base}/agreement/v2/preview/")
    page.fill("#daily-cap", "10")
    page.click("text=Activate v2")
    assert "is being rescored" in page.inner_text(".messages")
    run = RescoreRun.objects.get(version__number=2)
    rescore_task.func(run.pk)  # what the worker does
    assert AgreementVersion.objects.get(number=2).status == "active"
    # then a salesperson sees the breakdown of v2 on the contact: 3 × 20 points
    _login(page, base, "thomas")
    page.goto(f"{base}/contacts/{contact.pk}/")
    score = page.inner_text("#score")
    assert "+20 pricing ×3" in score
    assert "MQL rule v2: fit ≥ B and engagement ≥ 40" in score
    assert "Agreement v2 (Nuage Logiciel 2027)" in score
