"""The agreement: YAML checked line by line, drafted, approved by both sides, one active."""

from __future__ import annotations

from pathlib import Path

import pytest

from smarketing.agreement.diff import agreement_diff
from smarketing.agreement.models import AgreementApproval, AgreementVersion
from smarketing.agreement.services import (
    agreement_activate,
    agreement_approve,
    agreement_draft_create,
    agreement_draft_update,
)
from smarketing.agreement.validation import AgreementValidationError, agreement_parse
from smarketing.core.errors import ConflictError, DomainError

VALID = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()


def _problems(text: str) -> list[str]:
    with pytest.raises(AgreementValidationError) as error:
        agreement_parse(text)
    return [str(p) for p in error.value.problems]


def test_the_valid_fixture_parses() -> None:
    document = agreement_parse(VALID)
    assert document["fit"]["grades"] == {"A": 80, "B": 60, "C": 40}
    assert [rule["key"] for rule in document["engagement"]["rules"]] == ["pricing", "demo"]


def test_unknown_fields_wrong_types_and_ranges_name_line_and_field() -> None:
    text = (
        VALID.replace("      weight: 40", "      weight: 140")
        .replace("  half_life_days: 30", "  half_life_days: thirty")
        .replace("      points: 30", "      points: 30\n      bonus: 5")
    )
    assert _problems(text) == [
        "line 10, fit.personas[0].criteria[0].weight: must be between 0 and 100",
        "line 18, engagement.half_life_days: must be a number",
        "line 28, engagement.rules[1].bonus: unknown field "
        "(allowed: key, event, where, points, cap)",
    ]


def test_contradictory_grade_thresholds_are_refused() -> None:
    assert _problems(VALID.replace("{A: 80, B: 60, C: 40}", "{A: 60, B: 60, C: 40}")) == [
        "line 3, fit.grades: thresholds must decrease: A > B > C"
    ]


def test_unknown_event_and_grade_and_missing_fields() -> None:
    text = VALID.replace("event: demo_requested\n      points", "event: teleport\n      points")
    text = text.replace("  min_fit: B", "  min_fit: E").replace("name: Nuage Logiciel 2027\n", "")
    assert _problems(text) == [
        "line 1, name: is required",
        "line 25, engagement.rules[1].event: unknown event type (allowed: page_view, "
        "content_download, webinar_registered, webinar_attended, email_opened, email_clicked, "
        "form_submitted, demo_requested, custom)",
        "line 28, mql.min_fit: must be A, B, C or D",
    ]


def test_broken_yaml_names_its_line() -> None:
    problems = _problems("name: x\nfit: [unclosed\n")
    assert problems[0].startswith("line 3, (document): not valid YAML")


@pytest.fixture
def managers(make_user) -> dict:
    return {
        "marketing": make_user("marketing_manager"),
        "sales": make_user("sales_manager"),
        "rep": make_user("sales_rep"),
        "admin": make_user("admin"),
    }


@pytest.mark.django_db
def test_draft_approve_by_both_sides_then_activate(managers: dict) -> None:
    # given a draft by marketing
    draft = agreement_draft_create(actor=managers["marketing"], text=VALID)
    assert (draft.number, draft.status, draft.name) == (1, "draft", "Nuage Logiciel 2027")
    # when marketing approves, activation is refused until sales approves too
    agreement_approve(actor=managers["marketing"], version=draft)
    with pytest.raises(ConflictError) as error:
        agreement_activate(actor=managers["marketing"], version=draft)
    assert error.value.code == "agreement_not_approved"
    agreement_approve(actor=managers["sales"], version=draft)
    assert draft.status == "approved"
    agreement_activate(actor=managers["sales"], version=draft)
    # then it is active, with both approvals recorded
    assert draft.status == "active"
    assert sorted(AgreementApproval.objects.values_list("side", "user_id")) == [
        ("marketing", managers["marketing"].pk),
        ("sales", managers["sales"].pk),
    ]
    # and a second activated version retires the first: exactly one active
    second = agreement_draft_create(actor=managers["sales"], text=VALID.replace("B: 60", "B: 55"))
    agreement_approve(actor=managers["marketing"], version=second)
    agreement_approve(actor=managers["sales"], version=second)
    agreement_activate(actor=managers["admin"], version=second)
    assert list(AgreementVersion.objects.order_by("number").values_list("status", flat=True)) == [
        "retired",
        "active",
    ]


@pytest.mark.django_db
def test_same_side_twice_or_without_the_role_is_refused(managers: dict, make_user) -> None:
    draft = agreement_draft_create(actor=managers["marketing"], text=VALID)
    agreement_approve(actor=managers["marketing"], version=draft)
    with pytest.raises(ConflictError) as twice:
        agreement_approve(actor=make_user("marketing_manager"), version=draft)
    assert twice.value.code == "already_approved"
    for who in ("rep", "admin"):
        with pytest.raises(DomainError) as refused:
            agreement_approve(actor=managers[who], version=draft)
        assert refused.value.code == "permission_denied"
    assert AgreementApproval.objects.count() == 1


@pytest.mark.django_db
def test_invalid_yaml_saves_nothing(managers: dict) -> None:
    with pytest.raises(AgreementValidationError):
        agreement_draft_create(actor=managers["marketing"], text=VALID.replace("C: 40", "C: 400"))
    assert AgreementVersion.objects.count() == 0


@pytest.mark.django_db
def test_only_unapproved_drafts_change(managers: dict) -> None:
    draft = agreement_draft_create(actor=managers["marketing"], text=VALID)
    agreement_draft_update(
        actor=managers["marketing"],
        version=draft,
        text=VALID.replace("Nuage Logiciel 2027", "Nuage 2027 bis"),
    )
    assert draft.name == "Nuage 2027 bis"
    agreement_approve(actor=managers["sales"], version=draft)
    with pytest.raises(ConflictError) as error:
        agreement_draft_update(actor=managers["marketing"], version=draft, text=VALID)
    assert error.value.code == "agreement_not_editable"


def test_diff_reads_like_a_person_wrote_it() -> None:
    # lines come in the order of their path
    before = agreement_parse(VALID)
    after = agreement_parse(
        VALID.replace("B: 60", "B: 55")
        .replace("      points: 30\n", "      points: 25\n")
        .replace("  opted_out: true\n", "")
    )
    assert agreement_diff(before, after) == [
        "changed engagement.rules[demo].points: 30 → 25",
        "removed exclusions.opted_out (was True)",
        "changed fit.grades.B: 60 → 55",
    ]


TERMS = """
routing:
  max_open_mqls: 25
  rules:
    - {key: named, kind: account_owner}
    - {key: south, kind: territory, team: south, countries: [FR, ES]}
    - {key: rest, kind: round_robin, team: inside}
sla:
  at_risk_percent: 75
  terms:
    - {key: hot, min_fit: A, accept_hours: 2, first_touch_hours: 4, follow_ups: 3,
       follow_up_days: 7}
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 3, follow_up_days: 10}
quotas:
  - {mqls_per_month: 120}
  - {persona: cfo, mqls_per_month: 40}
reasons:
  - {code: wrong_persona, label: Wrong persona, disposition: disqualified}
  - {code: not_now, label: No project now, disposition: nurturing}
  - {code: bad_data, label: Bad contact data, disposition: back_to_marketing}
recalibration: {months: 3}
"""


def test_the_agreement_holds_routing_sla_quotas_and_reasons() -> None:
    document = agreement_parse(VALID + TERMS)
    assert document["sla"]["terms"][0]["accept_hours"] == 2
    assert [r["code"] for r in document["reasons"]] == ["wrong_persona", "not_now", "bad_data"]
    assert document["routing"]["rules"][1]["countries"] == ["FR", "ES"]


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "disposition: nurturing",
            "disposition: later",
            "reasons[1].disposition",
            "must be one of",
        ),
        ("code: bad_data", "code: not_now", "reasons[2].code", "the code 'not_now' is used twice"),
        ("accept_hours: 8", "accept_hours: 0", "sla.terms[1].accept_hours", "must be between"),
        (
            "{key: default, accept_hours",
            "{key: default, persona: cfo, accept_hours",
            "sla.terms",
            "the last term must apply to every lead",
        ),
        ("persona: cfo, mqls", "persona: ceo, mqls", "quotas[1].persona", "is not a persona"),
        ("months: 3", "months: 30", "recalibration.months", "must be between 1 and 12"),
        (
            "kind: round_robin, team: inside",
            "kind: round_robin",
            "routing.rules[2].team",
            "a round_robin rule names its team",
        ),
        (
            "kind: territory, team: south, countries: [FR, ES]",
            "kind: territory, team: south",
            "routing.rules[1].countries",
            "a territory names countries",
        ),
        ("kind: account_owner", "kind: lottery", "routing.rules[0].kind", "must be one of"),
    ],
)
def test_bad_terms_name_their_field(old: str, new: str, field: str, message: str) -> None:
    assert old in TERMS
    with pytest.raises(AgreementValidationError) as caught:
        agreement_parse(VALID + TERMS.replace(old, new))
    problems = [(p.field, p.message) for p in caught.value.problems]
    assert any(f == field and message in m for f, m in problems), problems
