"""The pack printed: the same agenda as the page, as a PDF (WeasyPrint), its charts as static
SVG (``review.charts``), ready to read offline or to send to the participants."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from smarketing.review.charts import Bar, bars_svg
from smarketing.review.models import ReviewPack


def _charts(snapshot: dict[str, Any]) -> dict[str, str]:
    quotas = [
        Bar(row["label"], row["delivered"], row["quota"]) for row in snapshot["mqls"]["quotas"]
    ]
    steps = [
        Bar(str(row["step"]), row["rate"], row["target"])
        for row in snapshot["sales"]["steps"]
        if row["rate"] is not None
    ]
    return {
        "quotas": mark_safe(bars_svg(quotas)),  # noqa: S308  (built from escaped text)
        "steps": mark_safe(bars_svg(steps, unit=" %")),  # noqa: S308
    }


def pack_html(*, pack: ReviewPack) -> str:
    """The printable page of ``pack`` (the agenda, the recommendations, the decisions)."""
    return render_to_string(
        "review/pack_pdf.html",
        {
            "pack": pack,
            "s": pack.snapshot,
            "decisions": list(pack.decisions.select_related("owner", "draft")),
            "charts": _charts(pack.snapshot),
            "title": _("Smarketing review of %(month)s") % {"month": f"{pack.month:%Y-%m}"},
        },
    )


def pack_pdf(*, pack: ReviewPack) -> bytes:
    """The pack as a PDF document."""
    from weasyprint import HTML

    return HTML(string=pack_html(pack=pack)).write_pdf()
