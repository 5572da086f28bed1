"""Agreement texts that would pass a naive check but break preview or save are refused with
their line and field, before anything is stored (attacker's findings, medium and low)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.test import Client

from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.validation import AgreementValidationError, agreement_parse

YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()


def _problems(text: str) -> list[str]:
    with pytest.raises(AgreementValidationError) as refused:
        agreement_parse(text)
    return [str(p) for p in refused.value.problems]


def _laughs() -> str:
    """A 'billion laughs' draft: nine levels of aliases, each ten times the one before."""
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    return YAML + "extensions:\n" + "".join(f"  {line}\n" for line in lines)


def test_aliases_are_refused_before_anything_expands() -> None:
    started = time.perf_counter()
    problems = _problems(_laughs())
    assert time.perf_counter() - started < 1.0
    assert any("aliases (*a0) are not allowed" in p for p in problems)


def test_nesting_thousands_deep_is_refused_without_exhausting_the_stack() -> None:
    problems = _problems(YAML + "extensions:\n  deep: " + "[" * 5000 + "]" * 5000 + "\n")
    assert problems == [
        f"line {YAML.count(chr(10)) + 2}, (document): is nested deeper than 12 levels"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "half_life_days: 30",
            "half_life_days: .inf",
            "engagement.half_life_days: must be a finite number",
        ),
        (
            "half_life_days: 30",
            "half_life_days: .nan",
            "engagement.half_life_days: must be a finite number",
        ),
        ("weight: 40", "weight: " + "9" * 400, "fit.personas[0].criteria[0].weight: is too large"),
        (
            "weight: 40",
            "weight: " + "9" * 5000,
            "fit.personas[0].criteria[0].weight: is not a value",
        ),
        ("name: Nuage Logiciel 2027", 'name: "Nu\\0age"', "name: must not contain a NUL character"),
        (
            "name: Nuage Logiciel 2027",
            'name: "Nu\\ud800age"',
            "name: holds an invalid character (a lone surrogate)",
        ),
        ("name: Nuage", "name: " + "x" * 3000, "name: is too long"),
    ],
)
def test_values_no_rule_can_use_are_refused_with_their_field(
    old: str, new: str, expected: str
) -> None:
    assert old in YAML
    problems = _problems(YAML.replace(old, new, 1))
    assert any(expected in p for p in problems), problems


def test_list_items_must_be_words() -> None:
    old = "free_mail_domains: [gmail.com, orange.fr]"
    text = YAML.replace(old, "countries_out_of_target: [NO, 2024, [x], {a: b}, US]")
    problems = _problems(text)
    fields = [p.split(": ")[0].split(", ")[1] for p in problems]
    assert fields == [f"exclusions.countries_out_of_target[{i}]" for i in range(4)]
    assert all(p.endswith("must be text (put it in quotes)") for p in problems)
    # quoted, Norway is a country
    agreement_parse(YAML.replace(old, "countries_out_of_target: ['NO', US]"))


@pytest.mark.django_db
def test_the_draft_page_refuses_a_bomb_quickly_and_saves_nothing(users_by_role) -> None:
    client = Client()
    client.force_login(users_by_role["marketing_manager"])
    started = time.perf_counter()
    response = client.post("/agreement/new/", {"text": _laughs()})
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 400
    assert len(response.content) < 100_000
    assert "are not allowed" in response.content.decode()
    assert AgreementVersion.objects.count() == 0
