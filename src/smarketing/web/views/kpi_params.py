"""The KPI pages' period and filters, read from the URL (so that they survive a reload and a
link carries them), and the links that drill down to the rows behind a figure."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from smarketing.core.errors import DomainError
from smarketing.kpis.scope import DIMENSIONS, Scope, scope_from

# the lists behind a figure take the KPI's filters as ``kpi_source=…``: their own ``source``
# (a contact's channel) is not the KPI's source (the most precise one)
DRILL = "kpi_"


def scope_of(request: HttpRequest, prefix: str = "") -> Scope:
    """The scope the URL asks for: ``from``, ``to`` (default: the last 365 days), ``by`` and one
    parameter per dimension (``source=webinar``, or ``kpi_source=webinar`` with ``prefix``); a
    bad one raises ``DomainError``."""
    params = request.GET
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    last = params.get("to") or today.isoformat()
    first = params.get("from") or (today - timedelta(days=364)).isoformat()
    where = {d: params[prefix + d] for d in DIMENSIONS if params.get(prefix + d)}
    return scope_from(
        first=first,
        last=last,
        by=params.get("by") or None,
        where=where,
        currency=params.get("currency") or "EUR",
    )


def default_scope() -> Scope:
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    return scope_from(first=(today - timedelta(days=364)).isoformat(), last=today.isoformat())


def scope_query(scope: Scope, prefix: str = "", **extra: str) -> dict[str, str]:
    """The URL parameters that say ``scope`` (and ``extra``)."""
    query = {"from": scope.period.first.isoformat(), "to": scope.period.last.isoformat()}
    query.update({prefix + d: v for d, v in scope.where.items()})
    query.update({k: v for k, v in extra.items() if v})
    return query


def drill_contacts(scope: Scope, stage: str, **where: str) -> str:
    """The contact list of the contacts that entered ``stage`` in the scope (and ``where``)."""
    query = scope_query(scope, DRILL, entered=stage)
    query.update({DRILL + d: v for d, v in where.items()})
    return f"{reverse('contact_list')}?{urlencode(query)}"


def drill_deals(scope: Scope, kind: str, **where: str) -> str:
    """The deal list of the deals won, lost or open at the end, in the scope (and ``where``)."""
    query = scope_query(scope, DRILL, kind=kind)
    query.update({DRILL + d: v for d, v in where.items()})
    return f"{reverse('deal_list')}?{urlencode(query)}"


def error_fields(exc: DomainError) -> dict[str, str]:
    return {exc.field or "from": exc.message}
