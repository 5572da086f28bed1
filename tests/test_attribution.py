"""Attribution (issue 18): crafted journeys of 1, 2, 3 and 6 touches, touches after the deal's
creation, several deals per contact. Every split is worked out by hand (docs/kpis.md,
"Attribution"): the expected amounts are typed in, never copied from the output."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from smarketing.contacts.models import Contact, Deal, StageTransition
from smarketing.kpis.attribution import (
    MODELS,
    Touch,
    attribution_compute,
    deal_credits,
    split,
)
from smarketing.kpis.scope import Period
from smarketing.marketing.models import Campaign, Touchpoint

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def _credits(
    touches: list[Touch],
    *,
    lead: float,
    deal: float,
    end: float,
    amount: str = "1000.00",
    half_life: timedelta = timedelta(days=7),
) -> dict[str, list[str]]:
    return {
        model: [
            str(c)
            for c in deal_credits(
                model,
                touches,
                amount=Decimal(amount),
                lead_at=_day(lead),
                deal_at=_day(deal),
                end=_day(end),
                half_life=half_life,
            )
        ]
        for model in MODELS
    }


def test_one_touch_takes_the_whole_deal_under_every_model() -> None:
    # given a single touch, which is first, lead creation, deal creation and closed-won touch
    touches = [Touch(at=_day(0))]
    # when the deal is split
    credits = _credits(touches, lead=0, deal=10, end=20)
    # then every model gives it all
    assert credits == {model: ["1000.00"] for model in MODELS}


def test_two_touches_roles_on_one_touch_add_up() -> None:
    # given a touch that created the lead (day 0) and one before the deal's creation (day 7);
    # the deal was created on day 8 and won on day 14
    touches = [Touch(at=_day(0)), Touch(at=_day(7))]
    # when the deal is split
    credits = _credits(touches, lead=0, deal=8, end=14)
    # then (by hand):
    assert credits == {
        "first_touch": ["1000.00", "0.00"],
        "last_touch": ["0.00", "1000.00"],
        "linear": ["500.00", "500.00"],
        # first and lead creation are the first touch: 40 + 40 + the 20 nobody lies between,
        # shared by the two roles; the touch after lead creation gets nothing
        "u_shaped": ["1000.00", "0.00"],
        # first + lead on touch 1 (30 + 30), deal on touch 2 (30); the 10 between split over
        # the three roles: 2 × 33.33… % and 33.33… %
        "w_shaped": ["666.67", "333.33"],
        # first + lead on touch 1, deal + closed-won on touch 2: 25 % per role
        "full_path": ["500.00", "500.00"],
        # 14 and 7 days before the close: weights 1/4 and 1/2 → 1/3 and 2/3
        "time_decay": ["333.33", "666.67"],
    }


def test_three_touches_first_lead_and_deal_each_their_own() -> None:
    # given touches on days 0, 7 and 14; the lead was created on day 7, the deal on day 14,
    # won on day 21
    touches = [Touch(at=_day(0)), Touch(at=_day(7)), Touch(at=_day(14))]
    # when the deal is split
    credits = _credits(touches, lead=7, deal=14, end=21)
    # then
    assert credits == {
        "first_touch": ["1000.00", "0.00", "0.00"],
        "last_touch": ["0.00", "0.00", "1000.00"],
        # 333.33 each, the remaining cent to the last
        "linear": ["333.33", "333.33", "333.34"],
        # 40 / 40 and the 20 shared by the two roles; the touch after lead creation: nothing
        "u_shaped": ["500.00", "500.00", "0.00"],
        # three roles, nobody between: a third each, the remaining cent to the last
        "w_shaped": ["333.33", "333.33", "333.34"],
        # first 25, lead 25, deal + closed-won 50
        "full_path": ["250.00", "250.00", "500.00"],
        # 21, 14 and 7 days before the close: 1/8, 1/4, 1/2 → 1/7, 2/7, 4/7
        "time_decay": ["142.86", "285.71", "571.43"],
    }


def test_six_touches_with_one_after_the_deal_was_created() -> None:
    # given touches on days 0 to 4 and on day 10; the lead was created on day 2 (touch 3),
    # the deal on day 4 (touch 5), won on day 10 (touch 6 is after the deal's creation)
    touches = [Touch(at=_day(n)) for n in (0, 1, 2, 3, 4, 10)]
    # when the deal is split, with a half-life of one day
    credits = _credits(touches, lead=2, deal=4, end=10, half_life=timedelta(days=1))
    # then
    assert credits == {
        "first_touch": ["1000.00", "0.00", "0.00", "0.00", "0.00", "0.00"],
        "last_touch": ["0.00", "0.00", "0.00", "0.00", "0.00", "1000.00"],
        # 166.67 five times, the last takes the remainder: 1000 − 833.35
        "linear": ["166.67", "166.67", "166.67", "166.67", "166.67", "166.65"],
        # 40 first, 40 lead creation, 20 to the one touch between; after lead creation: 0
        "u_shaped": ["400.00", "200.00", "400.00", "0.00", "0.00", "0.00"],
        # 30 first, lead, deal; 10 over the two touches between (5 each); after the deal's
        # creation: 0
        "w_shaped": ["300.00", "50.00", "300.00", "50.00", "300.00", "0.00"],
        # 22.5 first, lead, deal and closed-won; 10 over the two between
        "full_path": ["225.00", "50.00", "225.00", "50.00", "225.00", "225.00"],
        # 10, 9, 8, 7, 6 and 0 days before the close, half-life 1 day: weights 1, 2, 4, 8,
        # 16, 1024 (× 2^-10) of 1055: 0.95, 1.90, 3.79, 7.58, 15.17, 970.62 add up to 1000.01,
        # so the last gives back the cent
        "time_decay": ["0.95", "1.90", "3.79", "7.58", "15.17", "970.61"],
    }


def test_split_gives_the_remainder_to_the_last_touch_with_a_share() -> None:
    # given thirds of 100.00 over three touches and none for a fourth
    from fractions import Fraction

    parts = [Fraction(1, 3), Fraction(1, 3), Fraction(1, 3), Fraction(0)]
    # when split, then the third touch takes the cent, the fourth stays at zero
    assert split(Decimal("100.00"), parts) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
        Decimal("0.00"),
    ]


@pytest.fixture
def two_deals(db: None) -> Contact:
    """A contact (lead on day 1) won twice: a first deal (created day 8, won day 14, 1000 EUR)
    after touches on day 0 (campaign A, paid search) and day 7 (campaign B, e-mail); an upsell
    (created day 20, won day 34, 600 EUR) after touches on day 20 (B) and day 27 (A)."""
    contact = Contact.objects.create(email="c@x.fr", email_normalized="c@x.fr", created_at=_day(1))
    StageTransition.objects.create(contact=contact, from_stage="", to_stage="lead", at=_day(1))
    a = Campaign.objects.create(name="Campaign A", channel="paid_search", utm_campaign="a")
    b = Campaign.objects.create(name="Campaign B", channel="email", utm_campaign="b")
    for day, campaign in ((0, a), (7, b), (20, b), (27, a)):
        Touchpoint.objects.create(
            contact=contact,
            occurred_at=_day(day),
            kind="event",
            campaign=campaign,
            channel=campaign.channel,
        )
    for amount, created, closed in (("1000.00", 8, 14), ("600.00", 20, 34)):
        Deal.objects.create(
            name=f"deal {created}",
            contact=contact,
            amount=Decimal(amount),
            status="won",
            pipeline_stage="closed_won",
            created_at=_day(created),
            closed_at=_day(closed),
        )
    # a won deal of a contact without any touch, and one in dollars (no rate given)
    other = Contact.objects.create(email="d@x.fr", email_normalized="d@x.fr")
    for amount, currency in (("250.00", "EUR"), ("99.00", "USD")):
        Deal.objects.create(
            name="quiet",
            contact=other,
            amount=Decimal(amount),
            currency=currency,
            status="won",
            pipeline_stage="closed_won",
            created_at=_day(2),
            closed_at=_day(30),
        )
    return contact


def test_several_deals_per_contact_each_take_the_touches_since_the_last_win(
    two_deals: Contact,
) -> None:
    # given the fixture's deals, won in the first quarter of 2026
    period = Period(date(2026, 1, 1), date(2026, 3, 31))
    # when attributed by campaign
    result = attribution_compute(period=period, by="campaign", now=_day(60))
    # then (deal 1: touches day 0 A and day 7 B, lead and first on A, deal creation B;
    # deal 2: touches day 20 B and day 27 A, the lead before its window so lead and deal
    # creation fall on its first touch, day 20 B)
    a, b = "Campaign A", "Campaign B"
    assert result.credits == {
        "first_touch": {a: Decimal("1000.00"), b: Decimal("600.00")},
        "last_touch": {a: Decimal("600.00"), b: Decimal("1000.00")},
        "linear": {a: Decimal("800.00"), b: Decimal("800.00")},
        # deal 1: A has first and lead creation (100 %); deal 2: B has both (100 %)
        "u_shaped": {a: Decimal("1000.00"), b: Decimal("600.00")},
        # deal 1: A 666.67, B 333.33; deal 2: every role on day 20's B, the touch after the
        # deal's creation gets nothing: B 600
        "w_shaped": {a: Decimal("666.67"), b: Decimal("933.33")},
        # deal 1: 50 / 50; deal 2: B three roles (450), A the closed-won touch (150)
        "full_path": {a: Decimal("650.00"), b: Decimal("950.00")},
        # deal 1: 14 and 7 days before the close (A 333.33, B 666.67); deal 2: the same
        # distances (B 200, A 400)
        "time_decay": {a: Decimal("733.33"), b: Decimal("866.67")},
    }
    assert (result.deals, result.attributed) == (3, 2)
    assert (result.total, result.unattributed) == (Decimal("1850.00"), Decimal("250.00"))
    assert result.refused == {"USD": 1}
    assert result.reason() == "amounts in USD: give a rate to EUR (--rate USD=…)"


def test_grouped_by_channel_and_dollars_converted_with_a_rate(two_deals: Contact) -> None:
    # given the same deals, by channel, with a rate for dollars
    period = Period(date(2026, 1, 1), date(2026, 3, 31))
    # when
    result = attribution_compute(
        period=period, by="channel", rates={"USD": Decimal("0.5")}, now=_day(60)
    )
    # then the channels take their campaign's credit; the dollar deal (49.50 EUR) has no touch
    assert result.credits["full_path"] == {
        "email": Decimal("950.00"),
        "paid_search": Decimal("650.00"),
    }
    assert (result.refused, result.unattributed) == ({}, Decimal("299.50"))


def test_open_pipeline_counts_touches_up_to_now(two_deals: Contact) -> None:
    # given an open deal of the contact created on day 40, after both wins, and a touch on
    # day 45 (campaign A); "now" is day 50
    contact = two_deals
    Deal.objects.create(name="open", contact=contact, amount=Decimal("300.00"), created_at=_day(40))
    Touchpoint.objects.create(
        contact=contact,
        occurred_at=_day(45),
        kind="event",
        campaign=Campaign.objects.get(name="Campaign A"),
        channel="paid_search",
    )
    # when the open pipeline is attributed
    result = attribution_compute(
        period=Period(date(2026, 1, 1), date(2026, 3, 31)), pipeline="open", now=_day(50)
    )
    # then only that deal is open, and its one touch since the last win takes it all
    assert result.deals == 1
    assert result.credits == {model: {"Campaign A": Decimal("300.00")} for model in MODELS}
