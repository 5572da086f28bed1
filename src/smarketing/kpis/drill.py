"""The rows behind a figure: the contacts and deals a KPI counts, as querysets the lists page
(every number drills down to them, with the same period and filters)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from smarketing.agreement.selectors import active_version
from smarketing.contacts.models import Contact, Deal, StageTransition
from smarketing.kpis.labels import NONE, user_labels
from smarketing.kpis.scope import Scope
from smarketing.scoring.models import ContactScore

DEAL_KINDS = ("won", "lost", "open")


def _owner_filter(dimension: str, value: str, field: str) -> Q:
    """Records whose owner (``field``) has this team (the first by name) or this name."""
    labels = user_labels(dimension)
    if value == NONE:
        return Q(**{f"{field}__isnull": True}) | ~Q(**{f"{field}__in": list(labels)})
    return Q(**{f"{field}__in": [pk for pk, label in labels.items() if label == value]})


def _contact_filter(dimension: str, value: str, prefix: str = "") -> Q:
    """The contacts (``prefix`` "contact__" from a deal) having ``value`` for ``dimension``."""
    blank = value == NONE
    if dimension == "source":
        if blank:
            return Q(**{f"{prefix}source_detail": "", f"{prefix}source": ""})
        return Q(**{f"{prefix}source_detail": value}) | (
            Q(**{f"{prefix}source_detail": ""}) & Q(**{f"{prefix}source": value})
        )
    fields = {"sector": "sector", "size": "size_band", "country": "country"}
    if dimension in fields:
        return Q(**{f"{prefix}account__{fields[dimension]}": "" if blank else value})
    if dimension == "persona":
        version = active_version()
        scores = ContactScore.objects.filter(version=version, persona=value)
        ids = scores.values("contact_id") if version is not None and not blank else []
        return Q(**{f"{prefix}pk__in": ids})
    if dimension in {"team", "rep"}:
        return _owner_filter(dimension, value, f"{prefix}owner_id")
    return Q(pk__in=[])  # product: deals only


def contacts_none() -> QuerySet[Contact]:
    """No contact: the list behind a figure whose link is wrong."""
    return Contact.objects.none()


def contacts_behind(scope: Scope, *, entered: str) -> QuerySet[Contact]:
    """The contacts that entered ``entered`` for the first time in the scope's period, kept by
    its filters: what the funnel's bar counts."""
    period = scope.period
    earlier = StageTransition.objects.filter(
        contact=OuterRef("pk"), to_stage=entered, at__lt=period.start
    )
    within = StageTransition.objects.filter(
        contact=OuterRef("pk"), to_stage=entered, at__gte=period.start, at__lt=period.end
    )
    rows = Contact.objects.filter(Exists(within)).exclude(Exists(earlier))
    for dimension, value in scope.where.items():
        rows = rows.filter(_contact_filter(dimension, value))
    return rows


def deals_behind(scope: Scope, *, kind: str) -> QuerySet[Deal]:
    """The deals won or lost in the period, or open at its end, kept by the scope's filters."""
    period = scope.period
    closed = Q(closed_at__gte=period.start, closed_at__lt=period.end)
    if kind == "won":
        rows = Deal.objects.filter(closed, status="won")
    elif kind == "lost":
        rows = Deal.objects.filter(closed, status="lost")
    else:
        rows = Deal.objects.filter(created_at__lt=period.end).filter(
            Q(closed_at__isnull=True) | Q(closed_at__gte=period.end)
        )
    for dimension, value in scope.where.items():
        if dimension == "product":
            rows = rows.filter(name=value)
        elif dimension in {"sector", "size", "country"}:
            field = {"sector": "sector", "size": "size_band", "country": "country"}[dimension]
            rows = rows.filter(**{f"account__{field}": "" if value == NONE else value})
        elif dimension in {"team", "rep"}:
            rows = rows.filter(
                _owner_filter(dimension, value, "owner_id")
                | (Q(owner_id__isnull=True) & _owner_filter(dimension, value, "contact__owner_id"))
            )
        else:
            rows = rows.filter(_contact_filter(dimension, value, "contact__"))
    return rows
