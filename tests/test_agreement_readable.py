"""The agreement read as a document, its changes in words, and labels per language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from smarketing.agreement.readable import agreement_changes, agreement_readable
from smarketing.agreement.selectors import agreement_check
from smarketing.agreement.services import agreement_draft_create
from smarketing.agreement.validation import AgreementValidationError
from tests.factories import agreement_signed

FIXTURE = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
TERMS = """
routing:
  max_open_mqls: 20
  rules:
    - {key: south, kind: territory, team: south, countries: [FR, ES]}
sla:
  terms:
    - key: hot
      label: {en: Hot lead, fr: Lead chaud, fr_CA: Lead en feu}
      min_fit: A
      accept_hours: 4
      first_touch_hours: 8
      follow_ups: 3
      follow_up_days: 7
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 2, follow_up_days: 10}
quotas:
  - {mqls_per_month: 120}
  - {persona: cfo, mqls_per_month: 40}
reasons:
  - code: wrong_persona
    label: {en: Wrong persona, fr: Mauvais persona}
    disposition: disqualified
  - {code: not_now, label: Pas de projet, disposition: nurturing}
  - code: bad_data
    label: {fr: Coordonnées fausses, de: Falsche Daten}
    disposition: back_to_marketing
recalibration: {months: 4}
"""
YAML = (
    FIXTURE.replace(
        "name: CFO of a mid-size company", "name: {en: CFO of a mid-size company, fr: DAF d’ETI}"
    )
    + TERMS
)


def _facts(agreement, section: str) -> dict[str, dict[str, str]]:
    found = next(s for s in agreement_readable(agreement) if s.key == section)
    return {entry.title: dict(entry.facts) for entry in found.entries}


def _changes(before: str, after: str) -> dict[str, list[str]]:
    found = agreement_changes(agreement_check(before), agreement_check(after))
    return {part.title: [change.text for change in part.changes] for part in found}


# labels per language


@pytest.mark.parametrize(
    ("kind", "code", "language", "expected"),
    [
        ("sla_term", "hot", "fr", "Lead chaud"),
        ("sla_term", "hot", "en", "Hot lead"),
        ("sla_term", "hot", "fr-ca", "Lead en feu"),  # fr_CA and fr-ca are one language
        ("sla_term", "hot", "fr-be", "Lead chaud"),  # a region falls back to its language
        ("sla_term", "hot", "de", "Hot lead"),  # no German: English
        ("reason", "bad_data", "en", "Coordonnées fausses"),  # no English: the first written
        ("reason", "not_now", "en", "Pas de projet"),  # plain text: every language
        ("persona", "cfo", "fr", "DAF d’ETI"),
        ("sla_term", "default", "fr", "Default"),  # no label: the key in words
        ("reason", "wrong_size", "en", "Wrong size"),  # unknown code: in words too
    ],
)
def test_a_label_falls_back_from_the_language_to_english_to_the_first_to_the_code(
    kind, code, language, expected
) -> None:
    agreement = agreement_check(YAML)
    assert agreement.label(kind, code, language) == expected


def test_a_label_defaults_to_the_active_language() -> None:
    agreement = agreement_check(YAML)
    with translation.override("fr"):
        assert agreement.label("reason", "wrong_persona") == "Mauvais persona"
        assert agreement.reason_labels() == {
            "wrong_persona": "Mauvais persona",
            "not_now": "Pas de projet",
            "bad_data": "Coordonnées fausses",
        }
    with translation.override("en"):
        assert agreement.label("reason", "wrong_persona") == "Wrong persona"


def test_a_label_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind must be one of reason, persona, sla_term"):
        agreement_check(YAML).label("stage", "mql")


def test_an_old_document_with_text_labels_keeps_working() -> None:
    agreement = agreement_check(
        FIXTURE + TERMS.replace("{en: Hot lead, fr: Lead chaud, fr_CA: Lead en feu}", "Hot")
    )
    assert agreement.fit.persona("cfo").name == "CFO of a mid-size company"  # type: ignore[union-attr]
    assert agreement.label("persona", "cfo", "fr") == "CFO of a mid-size company"
    assert agreement.label("sla_term", "hot", "fr") == "Hot"
    assert agreement.reason("wrong_persona").label == "Wrong persona"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("{}", "gives no language: write text, or e.g. {en: Hot lead, fr: Lead chaud}"),
        ("{english: Wrong}", ".english: 'english' is not a language code (such as en, fr, fr-CA)"),
        ("{en: Wrong, fr: ''}", ".fr: must be text, not empty (put it in quotes)"),
        ("{en: 2024}", ".en: must be text, not empty (put it in quotes)"),
        (
            "[Wrong, Mauvais]",
            "must be text or a mapping language → text (e.g. {en: Hot lead, fr: Lead chaud})",
        ),
    ],
)
def test_a_bad_label_mapping_is_refused_with_its_line_and_field(label, problem) -> None:
    text = YAML.replace("label: {en: Wrong persona, fr: Mauvais persona}", f"label: {label}")
    with pytest.raises(AgreementValidationError) as refused:
        agreement_check(text)
    # the reason's label is on line 56 of the text (35 of the fixture, a blank line, 20 more)
    where = "reasons[0].label" + ("" if problem.startswith(".") else ": ")
    assert [str(p) for p in refused.value.problems] == [f"line 56, {where}{problem}"]


# the document


def test_the_document_reads_each_section_in_words() -> None:
    with translation.override("en"):
        agreement = agreement_check(YAML)
        titles = [section.title for section in agreement_readable(agreement)]
        fit = _facts(agreement, "fit")
        engagement = _facts(agreement, "engagement")
        sla = _facts(agreement, "sla")
        rest = {key: _facts(agreement, key) for key in ("mql", "routing", "quotas", "reasons")}
    assert titles == [
        "Personas and fit",
        "Engagement",
        "When a lead becomes an MQL",
        "Exclusions",
        "Routing",
        "Sales' commitments (SLA)",
        "Marketing's commitments (quotas)",
        "Reasons to reject a lead",
        "Recalibration",
    ]
    assert fit["Fit grades"] == {
        "A": "from 80 points",
        "B": "from 60 points",
        "C": "from 40 points",
        "D": "below 40 points",
    }
    assert fit["CFO of a mid-size company"] == {
        "Job title": "contains “cfo”, “financ”, “daf” → 40 points",
        "Size": "is one of 51-200, 201-1000 → 30 points",
        "Country": "is one of FR, BE, CH → 30 points",
    }
    assert engagement["Decay"] == {"Half-life (points lose half their value)": "30 days"}
    assert engagement["Page viewed (page = /pricing)"] == {
        "Points": "15",
        "Counted at most": "3 times every 30 days",
    }
    assert engagement["Demo requested"] == {"Points": "30"}
    assert rest["mql"]["The MQL rule"] == {
        "Minimum fit": "B or better",
        "Minimum engagement": "40 points",
        "Fast track: Demo requested": "MQL at once with fit C or better",
    }
    assert rest["routing"] == {
        "South": {
            "Order": "1",
            "Who gets the lead": "A territory's team, in turn",
            "Team": "south",
            "Countries": "FR, ES",
        },
        "Capacity": {"Open MQLs per salesperson": "at most 20"},
    }
    assert sla["Hot lead"] == {
        "Applies to": "fit A or better",
        "Answer within": "4 h",
        "First touch within": "8 h",
        "Follow-ups": "3 within 7 days",
    }
    assert sla["Default"]["Applies to"] == "every lead"
    assert sla["Clocks and escalation"] == {
        "At risk from": "75 %",
        "At 75 % of the answer time": "Remind the salesperson",
        "At 100 % of the answer time": "Notify the manager",
        "At 150 % of the answer time": "Reassign",
    }
    assert rest["quotas"] == {
        "All MQLs": {"MQLs per month": "120"},
        "CFO of a mid-size company": {"MQLs per month": "40"},
    }
    assert rest["reasons"]["Wrong persona"] == {"Where the lead goes": "Disqualified"}
    assert rest["reasons"]["Coordonnées fausses"] == {"Where the lead goes": "Back to marketing"}


def test_the_document_speaks_french_with_french_numbers() -> None:
    with translation.override("fr"):
        agreement = agreement_check(YAML.replace("accept_hours: 4", "accept_hours: 1.5"))
        sla = _facts(agreement, "sla")
        reasons = _facts(agreement, "reasons")
    assert sla["Lead chaud"]["Répondre sous"] == "1,5 h"
    assert sla["Lead chaud"]["Relances"] == "3 en 7 jours"
    assert reasons["Mauvais persona"] == {"Où va le lead": "Disqualifié"}


# the changes between two versions


def test_changes_are_listed_section_by_section_in_words() -> None:
    after = (
        YAML.replace("accept_hours: 4", "accept_hours: 2")
        .replace("half_life_days: 30", "half_life_days: 21")
        .replace("  - {persona: cfo, mqls_per_month: 40}\n", "")
        .replace(
            "recalibration:",
            "  - {code: wrong_size, label: Wrong size, disposition: disqualified}\nrecalibration:",
        )
        .replace("label: Pas de projet", "label: {en: No project now, fr: Pas de projet}")
        .replace("          in: [FR, BE, CH]\n", "          in: [FR, BE]\n")
    )
    with translation.override("en"):
        changes = _changes(YAML, after)
    assert changes == {
        "Personas and fit": [
            "Persona “CFO of a mid-size company”: Country: is one of FR, BE, CH → 30 points"
            " → is one of FR, BE → 30 points"
        ],
        "Engagement": ["Decay: Half-life (points lose half their value): 30 days → 21 days"],
        "Sales' commitments (SLA)": ["SLA term “Hot lead”: Answer within: 4 h → 2 h"],
        "Marketing's commitments (quotas)": ["Quota “CFO of a mid-size company” removed"],
        "Reasons to reject a lead": [
            "Reason “Pas de projet” renamed “No project now”",
            "Reason “Wrong size” added",
        ],
    }


def test_the_same_agreement_has_no_change_and_a_new_name_is_one() -> None:
    assert _changes(YAML, YAML) == {}
    with translation.override("en"):
        renamed = _changes(YAML, YAML.replace("name: Nuage Logiciel 2027", "name: Nuage 2028"))
    assert renamed == {"Name": ["Name: Nuage Logiciel 2027 → Nuage 2028"]}


# the page


@pytest.mark.django_db
def test_the_version_page_shows_the_document_with_the_yaml_and_the_diff_behind_tabs(
    users_by_role,
) -> None:
    # given an active version and a draft that answers hot leads faster
    marketing, sales = users_by_role["marketing_manager"], users_by_role["sales_manager"]
    agreement_signed(YAML, marketing, sales)
    client = Client()
    client.force_login(users_by_role["sales_rep"])
    agreement_draft_create(actor=marketing, text=YAML.replace("accept_hours: 4", "accept_hours: 2"))
    # when a salesperson reads the draft
    body = client.get("/agreement/v2/").content.decode()
    # then the terms read as words, the change as a sentence, the YAML and raw diff behind tabs
    assert "<h4>Hot lead</h4>" in body
    assert "<dt>Answer within</dt><dd>2 h</dd>" in body
    assert '<li data-how="changed">SLA term “Hot lead”: Answer within: 4 h → 2 h</li>' in body
    assert "<details data-raw><summary>The changes as the YAML paths (raw diff)</summary>" in body
    assert "<code>changed sla.terms[hot].accept_hours: 4 → 2</code>" in body
    assert '<details data-raw id="yaml"><summary>The YAML text</summary>' in body
    assert "    - key: hot\n" in body  # the text itself, in the closed tab


def test_a_rule_keyed_like_a_section_setting_is_its_own_entry() -> None:
    # given a new engagement rule whose key is "decay", like the half-life's entry
    after = YAML.replace(
        "    - key: demo\n", "    - {key: decay, event: email_opened, points: 1}\n    - key: demo\n"
    )
    # when both versions are compared, then the rule is added and the half-life is unchanged
    with translation.override("en"):
        assert _changes(YAML, after) == {
            "Engagement": ["Engagement rule “Email opened” added"],
        }
