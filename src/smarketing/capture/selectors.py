"""Reads of capture: API tokens, tracked sites and forms."""

from __future__ import annotations

from django.db.models import QuerySet

from smarketing.capture.models import ApiToken, Form, Site
from smarketing.core.text import whole_number


def tokens_listed(*, created_by_id: int | None = None) -> QuerySet[ApiToken]:
    """API tokens with who created them (only theirs when ``created_by_id`` is given)."""
    tokens = ApiToken.objects.select_related("created_by")
    return tokens if created_by_id is None else tokens.filter(created_by_id=created_by_id)


def sites_all() -> QuerySet[Site]:
    """Every tracked site, revoked ones included."""
    return Site.objects.all()


def sites_live() -> QuerySet[Site]:
    """The tracked sites not revoked."""
    return Site.objects.filter(revoked_at=None)


def site_live(*, site_id: int | str | None) -> Site | None:
    """The live site with this id (as a form sends it), if any."""
    pk = whole_number(site_id)
    if pk is None:
        return None
    return sites_live().filter(pk=pk).first()


def forms_all() -> QuerySet[Form]:
    """Every form with its site."""
    return Form.objects.select_related("site")


def form_live(*, key: str) -> Form | None:
    """The form with this key, if its site is live."""
    return forms_all().filter(key=key, site__revoked_at=None).first()
