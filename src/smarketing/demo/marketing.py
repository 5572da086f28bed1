"""The demo company's marketing: campaigns across channels with their monthly costs (and the
seasons: a quiet August, a busy September and January), content assets, the UTM values and
pages its contacts' events carry, their touchpoints, sales targets, and the upsells its
customers buy after their first deal."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from smarketing.contacts.models import Deal
from smarketing.core.bulk import rows_insert
from smarketing.marketing.costs import campaign_cost_set
from smarketing.marketing.services import (
    campaign_create,
    content_asset_create,
    sales_target_set,
)
from smarketing.marketing.touchpoints import touchpoints_consume

if TYPE_CHECKING:
    from smarketing.demo.generator import Context

# name, channel, (utm_source, utm_medium, utm_campaign), monthly cost in euros
CAMPAIGNS: list[tuple[str, str, tuple[str, str, str], int]] = [
    ("Google Ads — clôture mensuelle", "paid_search", ("google", "cpc", "cloture-mensuelle"), 4200),
    ("LinkedIn Ads — DAF", "paid_social", ("linkedin", "paid_social", "daf"), 3100),
    ("Newsletter mensuelle", "email", ("", "", "newsletter"), 350),
    ("Webinar démo live", "webinar", ("", "", "demo-live"), 900),
    ("Salon DAF & Finance", "events", ("salon", "event", "salon-daf"), 0),
    ("Partenaires experts-comptables", "partner", ("partenaires", "partner", "experts"), 1200),
    ("Blog et référencement", "seo", ("", "", ""), 1800),
]
TRADE_SHOW_MONTH, TRADE_SHOW_COST = 9, 18_000  # the trade show: one September, one bill
SEASON = {1: Decimal("1.2"), 8: Decimal("0.4"), 9: Decimal("1.3"), 12: Decimal("0.7")}
# kind, title, path, personas' stages
CONTENT = [
    ("whitepaper", "Guide de la clôture mensuelle", "/ressources/guide-cloture", ["lead", "mql"]),
    ("whitepaper", "Livre blanc trésorerie", "/ressources/livre-blanc-tresorerie", ["lead"]),
    ("blog_post", "Clôture mensuelle en 5 jours", "/blog/cloture-mensuelle", ["lead"]),
    ("blog_post", "Piloter sa trésorerie", "/blog/tresorerie", ["lead"]),
    ("case_study", "Cas clients", "/cas-clients", ["sql", "opportunity"]),
    ("webinar", "Démo live", "/webinars/demo-live", ["mql", "sal"]),
    ("landing_page", "Tarifs", "/tarifs", ["sql", "opportunity"]),
]
# the contact's source → the campaign its first visit came from (by UTM), or a referrer
SOURCE_TOUCH: dict[str, list[dict[str, str]]] = {
    "paid": [
        {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "cloture-mensuelle"},
        {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "daf"},
    ],
    "event": [{"utm_source": "salon", "utm_medium": "event", "utm_campaign": "salon-daf"}],
    "partner": [{"utm_source": "partenaires", "utm_medium": "partner", "utm_campaign": "experts"}],
    "referral": [{"referrer": "https://www.compta-online.fr/forum/outils-cloture"}],
    "website": [
        {"referrer": "https://www.google.fr/"},
        {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "cloture-mensuelle"},
        {},
    ],
    "form": [
        {"referrer": "https://www.google.fr/"},
        {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "daf"},
        {"referrer": "https://www.linkedin.com/"},
    ],
}


def event_tagged(
    kind: str, properties: dict[str, Any], *, source: str, contact_id: int, first: bool
) -> dict[str, Any]:
    """An event's properties with where it came from: the first page view of a contact its
    source's campaign or referrer, a download its resource's page, a webinar its campaign."""
    tagged = dict(properties)
    if kind == "page_view" and first:
        choices = SOURCE_TOUCH.get(source, [])
        if choices:
            tagged.update(choices[contact_id % len(choices)])
    if kind == "content_download" and "content" in tagged:
        tagged["path"] = f"/ressources/{tagged['content']}"
    if kind.startswith("webinar_") and "webinar" in tagged:
        tagged["utm_campaign"] = tagged["webinar"]
        tagged["path"] = f"/webinars/{tagged['webinar']}"
    return tagged


def _months(now: datetime) -> list[date]:
    """The twelve months before ``now``'s, and its own."""
    this = now.date().replace(day=1)
    index = this.year * 12 + this.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(12, -1, -1)]


def marketing_step(ctx: Context) -> None:
    """Campaigns and their costs, content assets, sales targets, then the touchpoints of every
    event stored so far (the worker's consumer, called until it has read them all)."""
    months = _months(ctx.now)
    for name, channel, (source, medium, campaign), monthly in CAMPAIGNS:
        record = campaign_create(
            actor=None,
            name=name,
            channel=channel,
            utm_source=source,
            utm_medium=medium,
            utm_campaign=campaign,
            starts_on=months[0],
            budget=Decimal(monthly * 12 or TRADE_SHOW_COST),
        )
        for month in months:
            if monthly:
                amount = Decimal(monthly) * SEASON.get(month.month, Decimal(1))
            elif month.month == TRADE_SHOW_MONTH:
                amount = Decimal(TRADE_SHOW_COST)
            else:
                continue
            campaign_cost_set(actor=None, campaign=record, month=month, amount=amount)
    for kind, title, path, stages in CONTENT:
        content_asset_create(
            actor=None, kind=kind, title=title, url_or_path=path, language="fr", stages=stages
        )
    read = 0
    while step := touchpoints_consume(batch=5000, now=ctx.now, settle=timedelta(0)):
        read += step
    won = _won_by_month(months)
    for month in months:
        base = won.get(month, (Decimal(0), 0))
        sales_target_set(
            actor=None,
            month=month,
            revenue=(base[0] * Decimal("1.1")).quantize(Decimal(1000)) or Decimal(20000),
            new_customers=max(1, round(base[1] * 1.1)),
        )
    ctx.summary.counts["campaigns"] = len(CAMPAIGNS)
    ctx.summary.counts["touchpoints"] = read


def _won_by_month(months: list[date]) -> dict[date, tuple[Decimal, int]]:
    totals: dict[date, list[Any]] = defaultdict(lambda: [Decimal(0), 0])
    won = Deal.objects.filter(status="won", closed_at__isnull=False)
    for amount, closed in won.values_list("amount", "closed_at"):
        if closed is None:
            continue
        month = closed.date().replace(day=1)
        totals[month][0] += amount
        totals[month][1] += 1
    return {m: (t[0], t[1]) for m, t in totals.items() if m in set(months)}


UPSELL_COLUMNS = (
    "name",
    "account_id",
    "contact_id",
    "owner_id",
    "amount",
    "currency",
    "pipeline_stage",
    "status",
    "deal_type",
    "expected_close",
    "lost_reason",
    "lost_detail",
    "closed_at",
    "created_at",
    "updated_at",
)


def upsells_step(ctx: Context) -> None:
    """A quarter of the customers buy more a few weeks after their first deal: upsell deals,
    won, lost or still open (customers stay customers: the stage does not move)."""
    rng = random.Random(ctx.rng.random())
    rows = []
    won = Deal.objects.filter(status="won", contact__isnull=False).order_by("pk")
    for deal in won.only("account_id", "contact_id", "owner_id", "amount", "closed_at", "name"):
        if rng.random() >= 0.25 or deal.closed_at is None:
            continue
        opened = deal.closed_at + timedelta(days=rng.uniform(20, 120))
        if opened >= ctx.now:
            continue
        closed = opened + timedelta(days=rng.uniform(10, 45))
        draw = rng.random()
        status = "won" if draw < 0.55 else "lost" if draw < 0.8 else "open"
        if closed >= ctx.now:
            status = "open"
        stage = {"won": "closed_won", "lost": "closed_lost"}.get(status, "proposal")
        rows.append(
            (
                f"{deal.name} — extension",
                deal.account_id,
                deal.contact_id,
                deal.owner_id,
                (deal.amount * Decimal(rng.choice(["0.2", "0.3", "0.5"]))).quantize(Decimal(1)),
                "EUR",
                stage,
                status,
                "upsell",
                (closed + timedelta(days=5)).date(),
                "price" if status == "lost" else "",
                "",
                closed if status != "open" else None,
                opened,
                closed if status != "open" else opened,
            )
        )
    rows_insert(Deal, UPSELL_COLUMNS, rows)
    ctx.summary.counts["upsells"] = len(rows)
