"""Writes of marketing's records: campaigns, content assets, sales targets (monthly costs, one
at a time or from a CSV, are in ``costs.py``). Bad input raises ``DomainError`` with a code
(docs/errors.md)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from smarketing.contacts.choices import LifecycleStage
from smarketing.core.errors import CommonErrorCode, ConflictError, DomainError
from smarketing.marketing.choices import Channel, ContentKind, Language
from smarketing.marketing.errors import MarketingErrorCode
from smarketing.marketing.matching import UTM_KEYS, UTM_LENGTH, path_key
from smarketing.marketing.models import Campaign, ContentAsset, SalesTarget
from smarketing.users.roles import Capability, ensure_can

if TYPE_CHECKING:
    from smarketing.users.models import User

CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_MONEY = Decimal("999999999999.99")  # 14 digits, 2 after the point


def allowed(actor: User | None) -> None:
    """People need the right to import data (marketing and sales managers, admins); ``None``
    is the system (the demo, the command line run by an administrator)."""
    if actor is not None:
        ensure_can(actor, Capability.IMPORT_DATA)


def money_clean(value: Decimal | str | int | None, *, field: str) -> Decimal:
    """A non-negative amount with at most two decimals (``1234.5``, ``"1 234,50"``)."""
    text = str(value if value is not None else "").replace("\u00a0", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY or amount != round(amount, 2):
        raise DomainError(
            f"{value!r} is not an amount (a positive number with at most two decimals).",
            code=MarketingErrorCode.INVALID_AMOUNT,
            field=field,
        )
    return amount.quantize(Decimal("0.01"))


def currency_clean(value: str, *, field: str = "currency") -> str:
    code = (value or "").strip().upper()
    if not CURRENCY.match(code):
        raise DomainError(
            f"{value!r}: a currency is three letters, e.g. EUR.",
            code=MarketingErrorCode.INVALID_CURRENCY,
            field=field,
        )
    return code


def month_clean(value: date | str, *, field: str = "month") -> date:
    """The first day of a month given as a date or ``YYYY-MM``."""
    if isinstance(value, date):
        return value.replace(day=1)
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", value or "")
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise DomainError(
            f"{value!r} is not a month (YYYY-MM).",
            code=MarketingErrorCode.INVALID_MONTH,
            field=field,
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


def _campaign_fields(campaign: Campaign, fields: dict[str, Any]) -> None:
    """Check and set the given fields of ``campaign``."""
    known = {"name", "channel", *UTM_KEYS, "starts_on", "ends_on", "budget", "currency"}
    unknown = set(fields) - known
    if unknown:
        raise TypeError(f"unknown campaign fields: {', '.join(sorted(unknown))}")
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise DomainError(
                "A campaign needs a name.", code=CommonErrorCode.REQUIRED, field="name"
            )
        campaign.name = name[:200]
    if "channel" in fields:
        if fields["channel"] not in Channel.values:
            raise DomainError(
                f"Unknown channel {fields['channel']!r} (one of {', '.join(Channel.values)}).",
                code=MarketingErrorCode.INVALID_CHANNEL,
                field="channel",
            )
        campaign.channel = fields["channel"]
    for key in UTM_KEYS:
        if key in fields:
            setattr(campaign, key, (fields[key] or "").strip().lower()[:UTM_LENGTH])
    for key in ("starts_on", "ends_on"):
        if key in fields:
            setattr(campaign, key, fields[key])
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise DomainError(
            "A campaign ends on or after the day it starts.",
            code=MarketingErrorCode.INVALID_DATES,
            field="ends_on",
        )
    if "budget" in fields:
        given = fields["budget"]
        campaign.budget = None if given in (None, "") else money_clean(given, field="budget")
    if "currency" in fields:
        campaign.currency = currency_clean(fields["currency"])


def _campaign_save(campaign: Campaign) -> Campaign:
    same_name = Campaign.objects.filter(name__iexact=campaign.name).exclude(pk=campaign.pk)
    if same_name.exists():
        raise ConflictError(
            f"A campaign is already named {campaign.name!r}.",
            code=MarketingErrorCode.DUPLICATE_CAMPAIGN,
            field="name",
        )
    utm = {key: getattr(campaign, key) for key in UTM_KEYS}
    if any(utm.values()):
        other = Campaign.objects.filter(**utm).exclude(pk=campaign.pk).first()
        if other is not None:
            raise ConflictError(
                f"The campaign {other.name!r} has the same UTM values.",
                code=MarketingErrorCode.DUPLICATE_UTM,
                field="utm_campaign",
            )
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as exc:  # written meanwhile by someone else
        raise ConflictError(
            "A campaign with this name or these UTM values was just saved.",
            code=MarketingErrorCode.DUPLICATE_CAMPAIGN,
            field="name",
        ) from exc
    return campaign


def campaign_create(
    *,
    actor: User | None,
    name: str,
    channel: str,
    utm_source: str = "",
    utm_medium: str = "",
    utm_campaign: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    budget: Decimal | str | None = None,
    currency: str = "EUR",
) -> Campaign:
    """Create a campaign; its name (in any case) and its UTM values (unless all empty) are its
    own."""
    allowed(actor)
    campaign = Campaign()
    _campaign_fields(
        campaign,
        {
            "name": name,
            "channel": channel,
            "utm_source": utm_source,
            "utm_medium": utm_medium,
            "utm_campaign": utm_campaign,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "budget": budget,
            "currency": currency,
        },
    )
    return _campaign_save(campaign)


def campaign_update(*, actor: User | None, campaign: Campaign, **fields: Any) -> Campaign:
    """Change the given fields of a campaign (name, channel, UTM values, dates, budget,
    currency). Touchpoints already written keep the campaign they were tied to."""
    allowed(actor)
    _campaign_fields(campaign, fields)
    return _campaign_save(campaign)


def _names(
    value: Any, *, field: str, code: MarketingErrorCode, allowed: set[str] | None
) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise DomainError(f"{field} is a list of names.", code=code, field=field)
    names = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    wrong = [v for v in names if allowed is not None and v not in allowed]
    if wrong:
        raise DomainError(
            f"Unknown {field}: {', '.join(wrong)} (one of {', '.join(sorted(allowed or ()))}).",
            code=code,
            field=field,
        )
    return names


def content_asset_create(
    *,
    actor: User | None,
    kind: str,
    title: str,
    url_or_path: str,
    language: str,
    personas: list[str] | None = None,
    stages: list[str] | None = None,
) -> ContentAsset:
    """Create a content asset. Events are tied to it by its path (``url_or_path`` without
    host, query or final slash, in any case), which no other asset may have."""
    allowed(actor)
    if kind not in ContentKind.values:
        raise DomainError(
            f"Unknown kind {kind!r} (one of {', '.join(ContentKind.values)}).",
            code=MarketingErrorCode.INVALID_CONTENT_KIND,
            field="kind",
        )
    if language not in Language.values:
        raise DomainError(
            f"Unknown language {language!r} (fr or en).",
            code=MarketingErrorCode.INVALID_LANGUAGE,
            field="language",
        )
    if not title.strip():
        raise DomainError(
            "A content asset needs a title.", code=CommonErrorCode.REQUIRED, field="title"
        )
    if not url_or_path.strip():
        raise DomainError(
            "A content asset needs a URL or a path.",
            code=CommonErrorCode.REQUIRED,
            field="url_or_path",
        )
    key = path_key(url_or_path)
    other = ContentAsset.objects.filter(path_key=key).first()
    if other is not None:
        raise ConflictError(
            f"The content asset {other.title!r} is already at {key}.",
            code=MarketingErrorCode.DUPLICATE_CONTENT_PATH,
            field="url_or_path",
        )
    asset = ContentAsset(
        kind=kind,
        title=title.strip()[:200],
        url_or_path=url_or_path.strip()[:500],
        path_key=key,
        language=language,
        personas=_names(
            personas or [], field="personas", code=MarketingErrorCode.INVALID_PERSONAS, allowed=None
        ),
        stages=_names(
            stages or [],
            field="stages",
            code=MarketingErrorCode.INVALID_STAGES,
            allowed=set(LifecycleStage.values),
        ),
    )
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError as exc:
        raise ConflictError(
            f"A content asset was just saved at {key}.",
            code=MarketingErrorCode.DUPLICATE_CONTENT_PATH,
            field="url_or_path",
        ) from exc
    return asset


def sales_target_set(
    *,
    actor: User | None,
    month: date | str,
    revenue: Decimal | str,
    currency: str = "EUR",
    new_customers: int = 0,
    team_key: str = "",
) -> SalesTarget:
    """Set the target of a month, for the whole company (``team_key`` empty) or a sales team
    (its key); setting it again replaces it."""
    allowed(actor)
    if not isinstance(new_customers, int) or new_customers < 0:
        raise DomainError(
            "new_customers is a whole number, 0 or more.",
            code=CommonErrorCode.INVALID,
            field="new_customers",
        )
    target, _ = SalesTarget.objects.update_or_create(
        month=month_clean(month),
        team_key=team_key.strip(),
        defaults={
            "revenue": money_clean(revenue, field="revenue"),
            "currency": currency_clean(currency),
            "new_customers": new_customers,
        },
    )
    return target
