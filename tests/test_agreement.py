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
