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

from django.db.models import Count, Max, Min, Q, QuerySet

from smarketing.contacts.choices import DealStatus
from smarketing.contacts.choices import LifecycleStage as S
from smarketing.contacts.models import Deal, StageTransition
from smarketing.marketing.choices import RequestStatus, Verdict
from smarketing.marketing.models import ContentAsset, ContentRating, ContentRequest, Touchpoint

COMMENTS_SHOWN = 3


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


def _first_at(stage: str, contact_ids: set[int]) -> dict[int, list[datetime]]:
    moments: dict[int, list[datetime]] = defaultdict(list)
    rows = StageTransition.objects.filter(contact_id__in=contact_ids, to_stage=stage)
    for contact_id, at in rows.values_list("contact_id", "at"):
        moments[contact_id].append(at)
    return moments


def content_results() -> list[AssetResults]:
    """Every asset's results and ratings, the most consumed first."""
    assets = {asset.pk: AssetResults(asset) for asset in ContentAsset.objects.all()}
    firsts = list(
        Touchpoint.objects.filter(content__isnull=False)
        .values("content", "contact")
        .annotate(first=Min("occurred_at"))
        .order_by()
    )
    contact_ids = {row["contact"] for row in firsts}
    mqls, sqls = _first_at(S.MQL, contact_ids), _first_at(S.SQL, contact_ids)
    won: dict[int, list[tuple[datetime, Decimal, str]]] = defaultdict(list)
    deals = Deal.objects.filter(
        contact_id__in=contact_ids, status=DealStatus.WON, closed_at__isnull=False
    )
    for contact_id, closed_at, amount, currency in deals.values_list(
        "contact_id", "closed_at", "amount", "currency"
    ):
        if closed_at is not None:
            won[contact_id].append((closed_at, amount, currency))
    for row in firsts:
        results, contact, first = assets[row["content"]], row["contact"], row["first"]
        results.touched += 1
        results.mqls += any(at >= first for at in mqls.get(contact, ()))
        results.sqls += any(at >= first for at in sqls.get(contact, ()))
        for closed_at, amount, currency in won.get(contact, ()):
            if closed_at >= first:
                results.influenced[currency] = results.influenced.get(currency, 0) + amount
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
