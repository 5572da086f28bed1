"""The deal list: the deals behind a KPI (won, lost or open in a period, with its filters),
newest first, a page at a time, with their totals."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from smarketing.core.errors import DomainError
from smarketing.core.text import whole_number
from smarketing.kpis.drill import DEAL_KINDS, deals_behind
from smarketing.users.roles import Capability
from smarketing.web.pages import requires
from smarketing.web.views.kpi_params import (
    DRILL,
    default_scope,
    error_fields,
    scope_of,
    scope_query,
)

PAGE_SIZE = 50
KINDS = {
    "won": gettext_lazy("Won in the period"),
    "lost": gettext_lazy("Lost in the period"),
    "open": gettext_lazy("Open at the end of the period"),
}


@requires(Capability.VIEW_RECORDS)
def deal_list(request: HttpRequest) -> HttpResponse:
    """Deals won, lost or open in a period, filtered as the KPI that links here."""
    errors: dict[str, str] = {}
    try:
        scope = scope_of(request, DRILL)
    except DomainError as exc:
        errors, scope = error_fields(exc), default_scope()
    kind = request.GET.get("kind", "won")
    if kind not in DEAL_KINDS:
        errors["kind"] = f"{kind!r}: won, lost or open"
        kind = "won"
    rows = deals_behind(scope, kind=kind)
    totals = list(
        rows.values("currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("currency")
    )
    after = whole_number(request.GET.get("after"))
    page = rows.select_related("account", "contact", "owner").order_by("-pk")
    if after is not None:
        page = page.filter(pk__lt=after)
    deals = list(page[: PAGE_SIZE + 1])
    more = len(deals) > PAGE_SIZE
    deals = deals[:PAGE_SIZE]
    context = {
        "deals": deals,
        "kind": kind,
        "kinds": KINDS,
        "scope": scope,
        "errors": errors,
        "totals": totals,
        "query": scope_query(scope, DRILL, kind=kind),
        "back": scope_query(scope),
        "next_after": deals[-1].pk if more and deals else None,
    }
    return render(request, "web/deals.html", context, status=400 if errors else 200)
