"""The demo company's marketing: campaigns with a year of seasonal costs, content, the UTM
values its contacts' events carry and their touchpoints, targets, upsells (issue 18, item 7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from smarketing.contacts.models import Deal
from smarketing.demo import generate
from smarketing.marketing.models import (
    Campaign,
    CampaignCost,
    ContentAsset,
    SalesTarget,
    Touchpoint,
)
from smarketing.tracking.models import Event

pytestmark = pytest.mark.django_db


def test_the_demo_company_has_campaigns_costs_touchpoints_and_targets() -> None:
    # when a demo company is made on 15 November 2026
    generate(contacts=400, seed=7, today=date(2026, 11, 15))
    # then seven campaigns, six billed every month of November 2025 … November 2026 and the
    # trade show once, in September
    assert Campaign.objects.count() == 7
    assert CampaignCost.objects.count() == 6 * 13 + 1
    google = CampaignCost.objects.filter(campaign__utm_campaign="cloture-mensuelle")
    # 4,200 a month; × 0.7 in December, 1.2 in January, 0.4 in August, 1.3 in September
    assert google.aggregate(total=Sum("amount"))["total"] == Decimal("52920.00")
    assert google.get(month=date(2026, 8, 1)).amount == Decimal("1680.00")
    show = CampaignCost.objects.get(campaign__utm_campaign="salon-daf")
    assert (show.month, show.amount) == (date(2026, 9, 1), Decimal("18000.00"))
    assert ContentAsset.objects.count() == 7
    # every event of a contact is a touchpoint; paid, partner and show visits have a campaign
    assert Touchpoint.objects.count() == Event.objects.filter(contact__isnull=False).count() > 0
    tied = Touchpoint.objects.filter(campaign__isnull=False)
    assert set(tied.values_list("campaign__channel", flat=True)) >= {
        "paid_search",
        "paid_social",
        "email",
        "webinar",
    }
    assert Touchpoint.objects.filter(content__path_key="/ressources/guide-cloture").exists()
    # a target for each of the 13 months; upsells sold to customers
    assert SalesTarget.objects.count() == 13
    upsells = Deal.objects.filter(deal_type="upsell")
    assert upsells.exists()
    assert set(upsells.values_list("contact__lifecycle_stage", flat=True)) == {"customer"}
