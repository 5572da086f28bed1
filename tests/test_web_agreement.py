"""The agreement pages: drafting with line-level errors, approvals by side, preview, activation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.services import agreement_approve, agreement_draft_create
from smarketing.contacts.services import account_create, contact_create
from smarketing.scoring.models import RescoreRun
from smarketing.scoring.tasks import rescore_task
from smarketing.tracking.services import EventIn, events_append

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_invalid_yaml_is_shown_next_to_the_field_and_nothing_is_saved(users_by_role) -> None:
    bad = YAML.replace("half_life_days: 30", "half_life_days: thirty").replace(
        "weight: 40", "weight: 400"
    )
    response = _client(users_by_role["marketing_manager"]).post("/agreement/new/", {"text": bad})
    assert response.status_code == 400
    body = response.content.decode()
    # the weight is on line 10 and the half-life on line 18 of the fixture
    assert "Line 10, fit.personas[0].criteria[0].weight: must be between 0 and 100" in body
    assert "Line 18, engagement.half_life_days: must be a number" in body
    assert 'aria-invalid="true"' in body
    assert AgreementVersion.objects.count() == 0


def test_a_draft_is_saved_exported_and_approved_once_per_side(users_by_role) -> None:
    marketing = _client(users_by_role["marketing_manager"])
    response = marketing.post("/agreement/new/", {"text": YAML})
    version = AgreementVersion.objects.get()
    assert response["Location"] == f"/agreement/v{version.number}/"
    export = marketing.get(f"/agreement/v{version.number}/export/")
    assert export["Content-Disposition"] == 'attachment; filename="agreement-v1.yaml"'
    assert export.content.decode() == YAML
    # a sales rep cannot sign; the marketing side signs once
    assert _client(users_by_role["sales_rep"]).post("/agreement/v1/approve/").status_code == 403
    marketing.post("/agreement/v1/approve/")
    again = marketing.post("/agreement/v1/approve/", follow=True)
    assert "The marketing side already approved version 1." in again.content.decode()
    signed = _client(users_by_role["sales_manager"]).post("/agreement/v1/approve/", follow=True)
    assert "Approved for Sales." in signed.content.decode()
    version.refresh_from_db()
    assert version.status == "approved"
    assert sorted(version.approvals.values_list("side", flat=True)) == ["marketing", "sales"]


def test_preview_then_activation_with_a_daily_cap(users_by_role) -> None:
    manager = users_by_role["marketing_manager"]
    version = agreement_draft_create(actor=manager, text=YAML)
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
                type="demo_requested", occurred_at=now - timedelta(days=1), contact_id=contact.pk
            )
        ],
        source="api",
        now=now,
    )
    client = _client(manager)
    empty = client.get(f"/agreement/v{version.number}/preview/").content.decode()
    assert 'id="compute-preview"' in empty
    assert 'id="backtest-chart"' not in empty
    page = client.post(
        f"/agreement/v{version.number}/preview/", {"months": "6"}, follow=True
    ).content.decode()
    assert 'id="backtest-chart"' in page
    assert "Activating hands 1 contact to sales at once." in page
    assert "Activation needs the approval of both teams." in page
    # not approved yet: refused with a message, nothing runs
    client.post(f"/agreement/v{version.number}/activate/", {"daily_cap": "5"})
    assert not RescoreRun.objects.exists()
    agreement_approve(actor=manager, version=version)
    agreement_approve(actor=users_by_role["sales_manager"], version=version)
    bad = client.post(f"/agreement/v{version.number}/activate/", {"daily_cap": "zero"}, follow=True)
    assert "The daily cap must be a whole number of at least 1." in bad.content.decode()
    client.post(f"/agreement/v{version.number}/activate/", {"daily_cap": "5"})
    run = RescoreRun.objects.get()
    assert (run.activate, run.daily_cap, run.status) == (True, 5, "running")
    assert "Rescoring version 1" in client.get("/agreement/").content.decode()
    # a second activation while it runs is refused
    refused = client.post(f"/agreement/v{version.number}/activate/", follow=True)
    assert "A rescore of version 1 is running" in refused.content.decode()
    # the worker runs the task: the version is active and the contact handed over
    rescore_task.func(run.pk)
    version.refresh_from_db()
    contact.refresh_from_db()
    assert version.status == "active"
    assert contact.lifecycle_stage == "mql"
    rep_page = _client(users_by_role["sales_rep"]).get(f"/contacts/{contact.pk}/").content.decode()
    assert "fast track: demo_requested with fit ≥ C" in rep_page


def test_plotly_is_served_by_the_product(users_by_role) -> None:
    from smarketing.web.views.agreement import PLOTLY_URL

    response = _client(users_by_role["sales_rep"]).get("/" + PLOTLY_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    head = b"".join(response.streaming_content)[:2000].lower()
    response.close()
    assert b"plotly" in head


def test_a_large_database_backtests_in_the_worker_with_progress(users_by_role, monkeypatch) -> None:
    from smarketing.scoring import previews
    from smarketing.scoring.models import PreviewRun
    from smarketing.scoring.tasks import preview_task

    monkeypatch.setattr(previews, "INLINE_CONTACTS", 0)
    manager = users_by_role["marketing_manager"]
    version = agreement_draft_create(actor=manager, text=YAML)
    account = account_create(actor=None, name="Acme", domain="acme.fr", country="FR")
    contact_create(actor=None, email="anne@acme.fr", job_title="DAF", account=account)
    client = _client(manager)
    page = client.post(f"/agreement/v{version.number}/preview/", follow=True).content.decode()
    preview = PreviewRun.objects.get()
    assert preview.status == "running"
    assert "Backtesting: 0 % (0 of 1 contacts)." in page
    polled = client.get(f"/agreement/v{version.number}/preview/", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polled
    preview_task.func(preview.pk)  # what the worker does
    polled = client.get(f"/agreement/v{version.number}/preview/", HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    assert (
        'id="backtest-chart"'
        in client.get(f"/agreement/v{version.number}/preview/").content.decode()
    )
