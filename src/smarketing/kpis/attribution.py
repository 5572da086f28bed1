"""Attribution of won revenue and open pipeline to the touches that led to each deal, by model
(docs/kpis.md, "Attribution"): pure functions over one deal's touches, and a reader that groups
the credits by campaign, channel or content.

A deal's touches are its contact's touchpoints after the close of the contact's latest deal won
before this one was created, up to its close (won) or to the end of the period (open). On them:

- the *first touch* is the earliest, the *closed-won touch* the latest;
- the *lead creation touch* is the latest at or before the contact entered the funnel (its first
  row in the stage history, else its creation), the *deal creation touch* the latest at or
  before the deal's creation; when no touch is that early, the role falls on the first touch.

Roles that fall on one touch add up. Money is ``Decimal``: each touch's credit is rounded to the
cent (half up) and the remainder goes to the latest touch with a share, so that a deal's credits
add up to its amount exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Min
from django.utils import timezone

from smarketing.contacts.choices import DealStatus
from smarketing.contacts.models import Contact, Deal, StageTransition
from smarketing.kpis.figures import CENT
from smarketing.kpis.scope import Period
from smarketing.marketing.models import Touchpoint

FIRST_TOUCH = "first_touch"
LAST_TOUCH = "last_touch"
LINEAR = "linear"
U_SHAPED = "u_shaped"
W_SHAPED = "w_shaped"
FULL_PATH = "full_path"
TIME_DECAY = "time_decay"
MODELS = (FIRST_TOUCH, LAST_TOUCH, LINEAR, U_SHAPED, W_SHAPED, FULL_PATH, TIME_DECAY)
HALF_LIFE = timedelta(days=7)
GROUPINGS = ("campaign", "channel", "content")
NONE = "(none)"

# position-based models: the share of each role, and the share spread over the touches between
# the first touch and the model's last role (the roles' own touches excepted)
POSITIONS: dict[str, tuple[tuple[str, ...], Fraction, Fraction]] = {
    U_SHAPED: (("first", "lead"), Fraction(2, 5), Fraction(1, 5)),
    W_SHAPED: (("first", "lead", "deal"), Fraction(3, 10), Fraction(1, 10)),
    FULL_PATH: (("first", "lead", "deal", "closed"), Fraction(9, 40), Fraction(1, 10)),
}


@dataclass(frozen=True)
class Touch:
    """One touch of a journey: when, and the labels it is grouped under (a campaign's name, a
    channel, a content asset's title, or ``(none)``)."""

    at: datetime
    campaign: str = NONE
    channel: str = NONE
    content: str = NONE
    id: int = 0


@dataclass(frozen=True)
class Roles:
    """The positions (in time order) of the touches that play a role in a deal."""

    first: int
    lead: int
    deal: int
    closed: int


def _latest_at_or_before(touches: Sequence[Touch], moment: datetime | None) -> int:
    found = 0
    if moment is None:
        return found
    for index, touch in enumerate(touches):
        if touch.at <= moment:
            found = index
        else:
            break
    return found


def roles_of(touches: Sequence[Touch], *, lead_at: datetime | None, deal_at: datetime) -> Roles:
    """The roles in ``touches`` (in time order, at least one): see the module's description."""
    if not touches:
        raise ValueError("a journey has at least one touch")
    return Roles(
        first=0,
        lead=_latest_at_or_before(touches, lead_at),
        deal=_latest_at_or_before(touches, deal_at),
        closed=len(touches) - 1,
    )


def shares(
    model: str,
    touches: Sequence[Touch],
    roles: Roles,
    *,
    end: datetime,
    half_life: timedelta = HALF_LIFE,
) -> list[Fraction]:
    """Each touch's share of the deal under ``model`` (they add up to 1)."""
    n = len(touches)
    out = [Fraction(0)] * n
    if model == FIRST_TOUCH:
        out[0] = Fraction(1)
    elif model == LAST_TOUCH:
        out[-1] = Fraction(1)
    elif model == LINEAR:
        out = [Fraction(1, n)] * n
    elif model == TIME_DECAY:
        if half_life <= timedelta(0):
            raise ValueError("the half-life is positive")
        weights = [
            Fraction(2 ** (-((end - touch.at) / half_life))) if touch.at < end else Fraction(1)
            for touch in touches
        ]
        total = sum(weights)
        out = [weight / total for weight in weights]
    elif model in POSITIONS:
        names, share, between_share = POSITIONS[model]
        slots = [getattr(roles, name) for name in names]
        last = max(slots)
        between = [i for i in range(1, last) if i not in slots]
        for slot in slots:
            out[slot] += share
        if between:
            for i in between:
                out[i] += between_share / len(between)
        else:  # nobody between: the roles share it, as they share the rest
            for slot in slots:
                out[slot] += between_share / len(slots)
    else:
        raise ValueError(f"unknown attribution model {model!r}")
    return out


def split(amount: Decimal, parts: Sequence[Fraction]) -> list[Decimal]:
    """``amount`` split by ``parts`` (adding up to 1): each rounded to the cent, half up, and
    the remainder to the last part above 0, so that the credits add up to ``amount``."""
    credits = []
    exact = Fraction(amount)
    for part in parts:
        value = exact * part
        credits.append(
            (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, ROUND_HALF_UP)
        )
    last = max((i for i, part in enumerate(parts) if part > 0), default=None)
    if last is not None:
        credits[last] += amount - sum(credits, Decimal(0))
    return credits


def deal_credits(
    model: str,
    touches: Sequence[Touch],
    *,
    amount: Decimal,
    lead_at: datetime | None,
    deal_at: datetime,
    end: datetime,
    half_life: timedelta = HALF_LIFE,
) -> list[Decimal]:
    """One deal's credit per touch (``touches`` in time order, within the deal's window)."""
    roles = roles_of(touches, lead_at=lead_at, deal_at=deal_at)
    return split(amount, shares(model, touches, roles, end=end, half_life=half_life))


def window(touches: Iterable[Touch], *, after: datetime | None, end: datetime) -> list[Touch]:
    """The touches of a deal: after ``after`` (the close of the contact's previous won deal),
    up to ``end`` included, in time order (then by id)."""
    kept = [t for t in touches if (after is None or t.at > after) and t.at <= end]
    return sorted(kept, key=lambda t: (t.at, t.id))


@dataclass(frozen=True)
class LeftOut:
    """A deal whose amount no touch takes, and why: ``no_contact``, ``no_touch`` (its contact
    has no touch in its window) or ``no_rate`` (its currency has no rate)."""

    deal_id: int
    name: str
    amount: Decimal
    currency: str
    reason: str


@dataclass
class Attribution:
    """Credits per model and group (``by``: campaign, channel or content), in ``currency``."""

    by: str
    currency: str
    credits: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    deals: int = 0  # deals counted
    attributed: int = 0  # of which had at least one touch
    total: Decimal = Decimal(0)  # their amounts, converted
    unattributed: Decimal = Decimal(0)  # the amounts of those without a contact or a touch
    refused: dict[str, int] = field(default_factory=dict)  # currency without a rate: deals
    left_out: list[LeftOut] = field(default_factory=list)  # unattributed or refused, by id

    def reason(self) -> str:
        """Why some deals are left out (currencies without a rate), or ''."""
        if not self.refused:
            return ""
        codes = ", ".join(sorted(self.refused))
        return f"amounts in {codes}: give a rate to {self.currency} (--rate {codes}=…)"


def _convert(deal: Deal, currency: str, rates: dict[str, Decimal]) -> Decimal | None:
    if deal.currency == currency:
        return deal.amount
    if deal.currency in rates:
        return (deal.amount * rates[deal.currency]).quantize(CENT, ROUND_HALF_UP)
    return None


def attribution_compute(
    *,
    period: Period,
    by: str = "campaign",
    pipeline: str = "won",
    currency: str = "EUR",
    rates: dict[str, Decimal] | None = None,
    half_life: timedelta = HALF_LIFE,
    now: datetime | None = None,
) -> Attribution:
    """Attribute the deals won in ``period`` (``pipeline="won"``) or open at its end
    (``"open"``, touches up to its end or now) under every model, grouped by ``by``."""
    if by not in GROUPINGS:
        raise ValueError(f"attribution is grouped by one of {GROUPINGS}")
    rates = rates or {}
    as_of = min(now or timezone.now(), period.end)
    if pipeline == "won":
        deals = Deal.objects.filter(
            status=DealStatus.WON, closed_at__gte=period.start, closed_at__lt=period.end
        )
    elif pipeline == "open":
        deals = Deal.objects.filter(created_at__lt=period.end).exclude(closed_at__lt=period.end)
    else:
        raise ValueError("pipeline is 'won' or 'open'")
    deals = deals.only(
        "name", "amount", "currency", "contact_id", "created_at", "closed_at"
    ).order_by("pk")
    result = Attribution(
        by=by, currency=currency, credits={m: defaultdict(Decimal) for m in MODELS}
    )
    chosen = list(deals)
    contacts = {d.contact_id for d in chosen if d.contact_id is not None}
    lead_at, previous, journeys = _journeys(contacts, as_of)
    for deal in chosen:
        amount = _convert(deal, currency, rates)
        if amount is None:
            result.refused[deal.currency] = result.refused.get(deal.currency, 0) + 1
            result.left_out.append(
                LeftOut(deal.pk, deal.name, deal.amount, deal.currency, "no_rate")
            )
            continue
        result.deals += 1
        result.total += amount
        won = pipeline == "won" and deal.closed_at is not None
        end = deal.closed_at if won and deal.closed_at else as_of
        after = max(
            (at for at in previous.get(deal.contact_id or 0, []) if at < deal.created_at),
            default=None,
        )
        touches = window(journeys.get(deal.contact_id or 0, []), after=after, end=end)
        if not touches:
            result.unattributed += amount
            reason = "no_touch" if deal.contact_id else "no_contact"
            result.left_out.append(LeftOut(deal.pk, deal.name, amount, currency, reason))
            continue
        result.attributed += 1
        for model in MODELS:
            credits = deal_credits(
                model,
                touches,
                amount=amount,
                lead_at=lead_at.get(deal.contact_id or 0),
                deal_at=deal.created_at,
                end=end,
                half_life=half_life,
            )
            for touch, credit in zip(touches, credits, strict=True):
                if credit:
                    result.credits[model][getattr(touch, by)] += credit
    result.credits = {m: dict(sorted(groups.items())) for m, groups in result.credits.items()}
    return result


def _journeys(
    contacts: set[int], as_of: datetime
) -> tuple[dict[int, datetime], dict[int, list[datetime]], dict[int, list[Touch]]]:
    """For these contacts: when each entered the funnel, when each won deal closed, and their
    touches up to ``as_of``."""
    lead_at: dict[int, datetime] = {}
    previous: dict[int, list[datetime]] = defaultdict(list)
    journeys: dict[int, list[Touch]] = defaultdict(list)
    ids = sorted(contacts)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        entered = StageTransition.objects.filter(contact_id__in=chunk).values("contact_id")
        lead_at.update(
            (row["contact_id"], row["first"]) for row in entered.annotate(first=Min("at"))
        )
        for pk, created in Contact.objects.filter(pk__in=chunk).values_list("pk", "created_at"):
            lead_at.setdefault(pk, created)
        for contact_id, closed in Deal.objects.filter(
            contact_id__in=chunk, status=DealStatus.WON
        ).values_list("contact_id", "closed_at"):
            if closed is not None:
                previous[contact_id].append(closed)
        rows = (
            Touchpoint.objects.filter(contact_id__in=chunk, occurred_at__lte=as_of)
            .order_by("contact_id", "occurred_at", "id")
            .values_list(
                "id", "contact_id", "occurred_at", "channel", "campaign__name", "content__title"
            )
        )
        for pk, contact_id, at, channel, campaign, content in rows.iterator(chunk_size=5000):
            journeys[contact_id].append(
                Touch(
                    at=at,
                    campaign=campaign or NONE,
                    channel=channel or NONE,
                    content=content or NONE,
                    id=pk,
                )
            )
    return lead_at, previous, journeys
