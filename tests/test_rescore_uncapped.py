"""A rescore of an agreement whose engagement rules have no cap (found by the fit-fields test:
PostgreSQL refused ``bigint <= text`` when the cap column was an untyped NULL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from smarketing.contacts.services import account_create, contact_create
from smarketing.scoring.models import ContactScore
from smarketing.scoring.rescore import rescore_run, rescore_start
from smarketing.tracking.services import EventIn, events_append
from tests.factories import agreement_signed

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()


def test_a_rescore_without_any_cap_scores_every_event(make_user) -> None:
    # given the fixture's agreement without its one cap: pricing views count 15 points each
    text = YAML.replace("      cap: {count: 3, per_days: 30}\n", "")
    assert "cap:" not in text
    marketing, sales = make_user("marketing_manager"), make_user("sales_manager")
    version = agreement_signed(text, marketing, sales)
    account = account_create(actor=None, name="Acme", domain="acme.fr", country="FR")
    anne = contact_create(actor=None, email="anne@acme.fr", account=account, job_title="CFO")
    now = timezone.now()
    events_append(
        events=[
            EventIn(
                type="page_view",
                occurred_at=now - timedelta(minutes=i),
                contact_id=anne.pk,
                properties={"path": "/pricing"},
            )
            for i in range(1, 5)
        ],
        source="test",
    )
    # when every score is computed again in SQL
    run = rescore_start(version=version, actor=marketing)
    rescore_run(run)
    # then the four views count, uncapped: 4 × 15 = 60 points (decayed by minutes: ~60)
    score = ContactScore.objects.get(contact=anne, version=version)
    assert 59.9 < score.engagement <= 60
