"""Campaign costs per month: one at a time, or from a CSV with a report per line (written
with the other services of marketing: typed, keyword-only, ``DomainError`` with a code)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from smarketing.core.errors import CommonErrorCode, DomainError
from smarketing.marketing.errors import MarketingErrorCode
from smarketing.marketing.models import Campaign, CampaignCost
from smarketing.marketing.services import allowed, currency_clean, money_clean, month_clean

if TYPE_CHECKING:
    from smarketing.users.models import User


def campaign_cost_set(
    *,
    actor: User | None,
    campaign: Campaign,
    month: date | str,
    amount: Decimal | str,
    currency: str = "",
) -> CampaignCost:
    """Set what ``campaign`` cost in ``month`` (in ``currency``, default the campaign's);
    setting it again replaces it."""
    allowed(actor)
    cost, _ = CampaignCost.objects.update_or_create(
        campaign=campaign,
        month=month_clean(month),
        defaults={
            "amount": money_clean(amount, field="amount"),
            "currency": currency_clean(currency or campaign.currency),
        },
    )
    return cost


@dataclass(frozen=True)
class CostRow:
    """The outcome of one line of a costs file (``row``: its number in the file, the header
    being 1): stored, or refused with a code and a message."""

    row: int
    stored: bool
    code: str = ""
    message: str = ""
    campaign_id: int | None = None


@dataclass
class CostReport:
    """What a costs file did: each line's outcome, in order."""

    rows: list[CostRow] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(1 for row in self.rows if row.stored)

    @property
    def refused(self) -> list[CostRow]:
        return [row for row in self.rows if not row.stored]


COST_COLUMNS = ("campaign", "month", "amount", "currency")


def _campaign_named(text: str) -> Campaign:
    """The campaign a costs line names: by name (any case), else by utm_campaign."""
    name = text.strip()
    if not name:
        raise DomainError(
            "The line names no campaign.", code=CommonErrorCode.REQUIRED, field="campaign"
        )
    found = Campaign.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    by_utm = list(Campaign.objects.filter(utm_campaign=name.lower())[:2])
    if len(by_utm) > 1:
        raise DomainError(
            f"Several campaigns have the utm_campaign {name!r}: name the campaign.",
            code=MarketingErrorCode.AMBIGUOUS_CAMPAIGN,
            field="campaign",
        )
    if not by_utm:
        raise DomainError(
            f"No campaign is named {name!r} or has it as utm_campaign.",
            code=MarketingErrorCode.UNKNOWN_CAMPAIGN,
            field="campaign",
        )
    return by_utm[0]


def campaign_costs_import(*, actor: User | None, content: str | bytes) -> CostReport:
    """Store monthly costs from a CSV (``,`` or ``;``) with the columns campaign (its name or
    utm_campaign), month (YYYY-MM), amount and currency (optional: the campaign's). Each line is
    stored or refused with its reason; a campaign and month given twice keeps the first line.
    The stored lines commit together. A file without the columns raises ``DomainError``."""
    allowed(actor)
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    reader = csv.reader(
        io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","
    )
    header = [cell.strip().lower() for cell in next(reader, [])]
    missing = [column for column in COST_COLUMNS[:3] if column not in header]
    if missing:
        raise DomainError(
            f"The file needs the columns campaign, month, amount (and currency); missing: "
            f"{', '.join(missing)}.",
            code=MarketingErrorCode.INVALID_CSV,
            field="file",
        )
    where = {column: header.index(column) for column in COST_COLUMNS if column in header}
    report = CostReport()
    seen: dict[tuple[int, date], int] = {}
    with transaction.atomic():
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            values = {c: cells[i] if i < len(cells) else "" for c, i in where.items()}
            try:
                campaign = _campaign_named(values["campaign"])
                month = month_clean(values["month"])
                key = (campaign.pk, month)
                if key in seen:
                    raise DomainError(
                        f"Same campaign and month as line {seen[key]}: skipped.",
                        code=MarketingErrorCode.DUPLICATE_ROW,
                        field="month",
                    )
                amount = money_clean(values["amount"], field="amount")
                currency = currency_clean(values.get("currency", "") or campaign.currency)
            except DomainError as error:
                report.rows.append(CostRow(number, False, str(error.code), error.message))
                continue
            seen[key] = number
            CampaignCost.objects.update_or_create(
                campaign=campaign, month=month, defaults={"amount": amount, "currency": currency}
            )
            report.rows.append(CostRow(number, True, campaign_id=campaign.pk))
    return report
