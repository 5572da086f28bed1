"""Reads of the review for pages and the command: the packs and their decisions."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, QuerySet

from smarketing.review.models import Decision, ReviewPack


def packs_list() -> QuerySet[ReviewPack]:
    """Every pack, the newest month first, with its number of decisions (no snapshot read)."""
    return (
        ReviewPack.objects.defer("snapshot")
        .annotate(decision_count=Count("decisions"))
        .order_by("-month")
    )


def pack_get(*, month: date) -> ReviewPack | None:
    """The pack of ``month`` (its first day), if it was made."""
    return ReviewPack.objects.filter(month=month).first()


def pack_decisions(*, pack: ReviewPack) -> list[Decision]:
    """The decisions taken on ``pack``, in the order they were taken."""
    return list(pack.decisions.select_related("owner", "decided_by", "draft"))
