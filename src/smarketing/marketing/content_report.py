"""Reads of content and sales' feedback on it: what a lead consumed (to rate it), each asset's
results next to sales' ratings, and the backlog of requested content.

An asset's results count the contacts who consumed it (a touchpoint of it) and, of those, who
became MQL and SQL at or after their first touch of it, and the revenue of won deals closed
after that first touch — the revenue it *influenced* (every asset a won contact consumed
before the close is credited in full; the attribution models split it, see docs/kpis.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet

from smarketing.contacts.choices import DealStatus
from smarketing.contacts.choices import LifecycleStage as S
from smarketing.contacts.models import Deal, StageTransition
from smarketing.marketing.choices import RequestStatus, Verdict
from smarketing.marketing.models import ContentAsset, ContentRating, ContentRequest, Touchpoint

COMMENTS_SHOWN = 3
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Consumed:
    """An asset a contact consumed, when, and the ratings sales gave it for that contact."""

    asset: ContentAsset
    first_at: datetime
    last_at: datetime
    ratings: list[ContentRating]


def content_consumed(*, contact_id: int) -> list[Consumed]:
    """The assets ``contact_id`` consumed, the latest first, with their ratings for it."""
    rows = (
        Touchpoint.objects.filter(contact_id=contact_id, content__isnull=False)
        .values("content")
        .annotate(first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("-last")
    )
    found = list(rows)
    assets = ContentAsset.objects.in_bulk([row["content"] for row in found])
    ratings: dict[int, list[ContentRating]] = defaultdict(list)
    for rating in ContentRating.objects.filter(contact_id=contact_id).select_related("rated_by"):
        ratings[rating.asset_id].append(rating)
    return [
        Consumed(assets[row["content"]], row["first"], row["last"], ratings[row["content"]])
        for row in found
    ]


@dataclass
class AssetResults:
    """One asset's results and sales' word on it."""

    asset: ContentAsset
    touched: int = 0
    mqls: int = 0
    sqls: int = 0
    influenced: dict[str, Decimal] = field(default_factory=dict)  # currency → won revenue
    helped: int = 0
    did_not_help: int = 0
    comments: list[ContentRating] = field(default_factory=list)


FIRSTS = """
    WITH firsts AS (
        SELECT content_id, contact_id, MIN(occurred_at) AS first_at
        FROM {touchpoint} WHERE content_id IS NOT NULL GROUP BY content_id, contact_id
    )
"""
REACHED = """
    , reached AS (
        SELECT contact_id,
            MAX(CASE WHEN to_stage = %s THEN at END) AS mql_at,
            MAX(CASE WHEN to_stage = %s THEN at END) AS sql_at
        FROM {transition} WHERE to_stage IN (%s, %s) GROUP BY contact_id
    )
    SELECT f.content_id, COUNT(*),
        SUM(CASE WHEN r.mql_at >= f.first_at THEN 1 ELSE 0 END),
        SUM(CASE WHEN r.sql_at >= f.first_at THEN 1 ELSE 0 END)
    FROM firsts f LEFT JOIN reached r ON r.contact_id = f.contact_id
    GROUP BY f.content_id
"""
INFLUENCED = """
    SELECT f.content_id, d.currency, SUM(d.amount)
    FROM firsts f JOIN {deal} d ON d.contact_id = f.contact_id
    WHERE d.status = %s AND d.closed_at IS NOT NULL AND d.closed_at >= f.first_at
    GROUP BY f.content_id, d.currency
"""


def _rows(sql: str, params: list[str]) -> list[tuple[Any, ...]]:
    tables = {
        "touchpoint": Touchpoint._meta.db_table,
        "transition": StageTransition._meta.db_table,
        "deal": Deal._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute((FIRSTS + sql).format(**tables), params)
        return list(cursor.fetchall())


def _money(value: object) -> Decimal:
    """A sum as the driver gives it (Decimal on PostgreSQL, a number on SQLite), to the cent."""
    return Decimal(str(value)).quantize(CENT)


def content_results() -> list[AssetResults]:
    """Every asset's results and ratings, the most consumed first (two grouped queries over
    each contact's first touch of each asset, whatever the number of touchpoints)."""
    assets = {asset.pk: AssetResults(asset) for asset in ContentAsset.objects.all()}
    for asset_id, touched, mqls, sqls in _rows(REACHED, [S.MQL, S.SQL, S.MQL, S.SQL]):
        results = assets[int(asset_id)]
        results.touched, results.mqls, results.sqls = int(touched), int(mqls), int(sqls)
    for asset_id, currency, amount in _rows(INFLUENCED, [DealStatus.WON]):
        assets[int(asset_id)].influenced[str(currency)] = _money(amount)
    verdicts = ContentRating.objects.values("asset", "verdict").annotate(n=Count("id")).order_by()
    for row in verdicts:
        if row["verdict"] == Verdict.HELPED:
            assets[row["asset"]].helped = row["n"]
        else:
            assets[row["asset"]].did_not_help = row["n"]
    commented = (
        ContentRating.objects.exclude(comment="")
        .select_related("rated_by", "contact")
        .order_by("-rated_at", "-id")
    )
    for rating in commented[:500]:
        kept = assets[rating.asset_id].comments
        if len(kept) < COMMENTS_SHOWN:
            kept.append(rating)
    return sorted(assets.values(), key=lambda r: (-r.touched, r.asset.title))


def content_requests(*, status: str | None = None) -> QuerySet[ContentRequest]:
    """The backlog: requests with their vote count, the most voted first (open ones unless a
    status is asked)."""
    rows = ContentRequest.objects.select_related("requested_by", "answer").annotate(
        votes=Count("voters", distinct=True)
    )
    if status:
        rows = rows.filter(status=status)
    else:
        rows = rows.filter(Q(status=RequestStatus.OPEN) | Q(status=RequestStatus.PLANNED))
    return rows.order_by("-votes", "created_at", "id")


def content_request_get(*, request_id: int) -> ContentRequest | None:
    """One request, if it exists."""
    return ContentRequest.objects.filter(pk=request_id).first()


def content_asset_get(*, asset_id: int) -> ContentAsset | None:
    """One asset, if it exists."""
    return ContentAsset.objects.filter(pk=asset_id).first()


def content_assets() -> QuerySet[ContentAsset]:
    """Every asset, by title."""
    return ContentAsset.objects.order_by("title")
