"""The backtest on the demo data equals an independent replay written here, event by event."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import pytest

from smarketing.agreement.loading import agreement_from_document
from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.validation import agreement_parse
from smarketing.contacts.models import Activity, Contact, Deal, StageTransition
from smarketing.demo import generate
from smarketing.demo.agreement_text import DEMO_AGREEMENT
from smarketing.scoring.backtest import agreement_preview
from smarketing.scoring.engagement import EngagementState, engagement_fold, value_at
from smarketing.scoring.fit import Profile, fit_evaluate
from smarketing.scoring.qualification import Person, mql_evaluate
from smarketing.tracking.models import Event

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
STRICTER = DEMO_AGREEMENT.replace("min_engagement: 40", "min_engagement: 55")


def _replay(document: dict) -> tuple[dict[int, tuple[str, float]], set[int]]:
    """Per contact: (persona, first time the rule is met) and whether it is met at NOW."""
    agreement = agreement_from_document(document)
    half_life = agreement.engagement.half_life_days
    events = defaultdict(list)
    for event in Event.objects.exclude(contact=None).order_by("occurred_at", "id"):
        events[event.contact_id].append(event)
    first: dict[int, tuple[str, float]] = {}
    now_set: set[int] = set()
    for contact in Contact.objects.select_related("account"):
        account = contact.account
        fit = fit_evaluate(
            Profile(
                job_title=contact.job_title,
                sector=account.sector if account else "",
                size_band=account.size_band if account else "",
                country=account.country if account else "",
                annual_revenue=account.annual_revenue if account else None,
            ),
            agreement.fit,
        )
        person = Person(
            email=contact.email,
            job_title=contact.job_title,
            account_domain=account.domain if account else "",
            country=account.country if account else "",
            opted_out=contact.consent == "withdrawn",
        )
        state, types = EngagementState(), set()

        def meets(at: float, state=state, types=types, fit=fit, person=person) -> bool:
            qualifies, _ = mql_evaluate(
                grade=fit.grade,
                engagement=value_at(state, at, half_life),
                event_types=types,
                person=person,
                agreement=agreement,
            )
            return qualifies

        for event in events[contact.pk]:
            when = event.occurred_at.timestamp()
            if engagement_fold(
                state,
                event_type=event.type,
                properties=event.properties,
                when=when,
                engagement=agreement.engagement,
            ):
                types.add(event.type)
            if contact.pk not in first and meets(when):
                first[contact.pk] = (fit.persona, when)
        if meets(NOW.timestamp()):
            now_set.add(contact.pk)
    return first, now_set


def _expected(document: dict, months: list[str]) -> dict:
    first, now_set = _replay(document)
    names = {  # a name per language: the backtest names personas in English
        p["key"]: p["name"]["en"] if isinstance(p["name"], dict) else p["name"]
        for p in document["fit"]["personas"]
    }
    worked = set(Activity.objects.values_list("contact_id", flat=True)) | set(
        StageTransition.objects.filter(
            to_stage__in=["sal", "sql", "opportunity", "customer"]
        ).values_list("contact_id", flat=True)
    )
    reached = set(
        StageTransition.objects.filter(to_stage__in=["sql", "opportunity", "customer"]).values_list(
            "contact_id", flat=True
        )
    )
    won = set(Deal.objects.filter(status="won").values_list("contact_id", flat=True))
    per_month, per_persona = Counter(), Counter()
    in_window = []
    for contact_id, (persona, when) in first.items():
        month = datetime.fromtimestamp(when, UTC).strftime("%Y-%m")
        if month in months:
            per_month[month] += 1
            per_persona[names[persona]] += 1
            in_window.append(contact_id)
    worked_mqls = [c for c in in_window if c in worked]
    return {
        "per_month": {m: per_month[m] for m in months},
        "per_persona": dict(sorted(per_persona.items())),
        "mqls": len(in_window),
        "worked": len(worked_mqls),
        "reached_sql": sum(c in reached for c in worked_mqls),
        "won": sum(c in won for c in worked_mqls),
        "qualifying_now": len(now_set),
        "now_set": now_set,
    }


def test_backtest_on_the_demo_equals_an_independent_replay() -> None:
    generate(contacts=600, seed=11, today=date(2026, 6, 30))
    active = AgreementVersion.objects.get(status="active").document
    draft = agreement_parse(STRICTER)
    preview = agreement_preview(
        draft=agreement_from_document(draft),
        active=agreement_from_document(active),
        months=6,
        now=NOW,
    )
    assert preview.months == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    for result, document in ((preview.draft, draft), (preview.active, active)):
        assert result is not None
        expected = _expected(document, preview.months)
        del expected["now_set"]
        got = {key: getattr(result, key) for key in expected}
        got["per_persona"] = dict(sorted(result.per_persona.items()))
        assert got == expected
        assert result.mqls > 20  # the demo makes the comparison meaningful
    draft_now = _expected(draft, preview.months)["now_set"]
    active_now = _expected(active, preview.months)["now_set"]
    assert preview.enter_now == len(draft_now - active_now)
    assert preview.leave_now == len(active_now - draft_now)
    assert preview.leave_now > 0  # a stricter rule lets some contacts go
