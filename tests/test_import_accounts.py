"""Accounts imports: ids in the source system, domains, names compared without their legal
form, headcounts read as size bands, countries in English or French; and the choice readers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from smarketing.contacts.models import Account, AccountExternalId, Contact
from smarketing.imports.choices import (
    choice_value,
    company_key,
    country_code,
    size_band,
    unused_value_keys,
    values_unused_report,
)
from smarketing.imports.engine import import_run
from smarketing.imports.lookups import accounts_for
from smarketing.imports.mappings import Mapping, mapping_from
from smarketing.imports.readers import table_open
from smarketing.imports.report import ImportReport


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _mapping(kind: str = "accounts", **extra: object) -> Mapping:
    columns = {
        "accounts": {
            "external_id": "id",
            "name": "name",
            "website": "website",
            "employees": "employees",
            "size_band": "size",
            "country": "country",
            "sector": "sector",
        },
        "contacts": {"email": "email", "company": "company", "last_name": "last_name"},
    }[kind]
    data = {"name": f"test-{kind}", "kind": kind, "source": "crm", "columns": columns, **extra}
    return mapping_from(data, origin="test")


def _run(path: Path, mapping: Mapping, **options: object) -> ImportReport:
    with table_open(path) as table:
        return import_run(table=table, mapping=mapping, **options)


def _problems(report: ImportReport) -> list[tuple[int, str, str, str]]:
    return [(p.row, p.column, p.severity, p.reason) for p in report.problems]


HEADER = ["id", "name", "website", "employees", "size", "country", "sector"]


# ---- readers of choices ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("United States", "US"),
        ("USA", "US"),
        ("US", "US"),
        ("u.s.a.", "US"),
        ("États-Unis", "US"),
        ("Etats Unis", "US"),
        ("Allemagne", "DE"),
        ("germany", "DE"),
        ("FRA", "FR"),
        ("France", "FR"),
        ("  france ", "FR"),
        ("Royaume-Uni", "GB"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Corée du Sud", "KR"),
        ("South Korea", "KR"),
        ("Bolivia", "BO"),
        ("Russie", "RU"),
        ("Russia", "RU"),
        ("The Netherlands", "NL"),
        ("Pays-Bas", "NL"),
        ("Côte d'Ivoire", "CI"),
        ("Vietnam", "VN"),
        ("Korea", None),  # two countries
        ("Narnia", None),
        ("", None),
    ],
)
def test_country_code_reads_names_and_codes_in_english_and_french(
    text: str, code: str | None
) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("2822", "1001-5000"),
        ("2,822", "1001-5000"),
        ("2 822", "1001-5000"),
        ("2822.0", "1001-5000"),
        ("2.8K", "1001-5000"),
        ("7", "1-10"),
        ("5000", "1001-5000"),
        ("5001", "5000+"),
        ("51-200", "51-200"),
        ("51 to 200", "51-200"),
        ("de 51 à 200 salariés", "51-200"),
        ("11-50 employees", "11-50"),
        ("1–10", "1-10"),
        ("1,001–5,000", "1001-5000"),
        ("5,000+", "5000+"),
        ("5000+", "5000+"),
        ("201-500", "201-1000"),  # held wholly by a band
        ("501-1000", "201-1000"),
        ("501-2000", "201-1000"),  # across two bands: its lower bound's
        ("1 000+", "201-1000"),
        ("1000+", "201-1000"),
        ("10001+", "5000+"),
        ("10,001+", "5000+"),
        ("more than 5000", "5000+"),
        ("<10", "1-10"),
        ("0", None),
        ("200-51", None),
        ("lots", None),
    ],
)
def test_size_band_reads_headcounts_and_ranges(text: str, band: str | None) -> None:
    assert size_band(text) == band


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ACME Inc.", "acme"),
        ("Acme", "acme"),
        ("Acme, Inc", "acme"),
        ("acme   ltd", "acme"),
        ("Acme LLC", "acme"),
        ("Acme GmbH & Co. KG", "acme"),
        ("Société Générale S.A.", "societe generale"),
        ("Smith & Co", "smith"),
        ("SAS", "sas"),
        ("Acme Holdings", "acme holdings"),
    ],
)
def test_company_key_ignores_case_accents_punctuation_and_legal_forms(name: str, key: str) -> None:
    assert company_key(name) == key


def test_choice_value_maps_then_accepts_then_warns() -> None:
    # given
    mapping = _mapping(values={"size_band": {" Grande  ": "1001-5000", "Typo": "huge"}})
    report = ImportReport(kind="accounts", mapping=mapping.name)
    allowed = ("1-10", "1001-5000", "5000+")

    def read(text: str) -> str:
        return choice_value(
            mapping,
            "size_band",
            text,
            allowed=allowed,
            default="",
            number=2,
            report=report,
            read=size_band,
        )

    # when
    found = [read(t) for t in ("grande", "5000+", "5001", "", "enormous", "typo")]
    report.flush()
    # then
    assert found == ["1001-5000", "5000+", "5000+", "", "", ""]
    assert _problems(report) == [
        (2, "size", "warning", "unknown size_band 'enormous': left empty"),
        (2, "size", "warning", "unknown size_band 'typo' (mapped to 'huge'): left empty"),
    ]
    assert unused_value_keys(mapping, "size_band", ["GRANDE"]) == ["Typo"]


# ---- accounts imports --------------------------------------------------------------------


@pytest.mark.django_db
def test_accounts_by_id_domain_and_normalised_name(tmp_path: Path) -> None:
    # given
    Account.objects.create(name="Globex Corporation", domain="")
    path = _csv(
        tmp_path / "companies.csv",
        [
            HEADER,
            ["101", "ACME Inc.", "https://www.acme.com/", "2,822", "", "États-Unis", "Retail"],
            ["102", "Initech", "", "", "51-200", "Allemagne", ""],
            ["103", "globex", "globex.io", "10001+", "", "Narnia", ""],
            ["104", "Acme", "", "12", "", "FR", ""],
            ["105", "Umbrella", "umbrella.com", "lots", "11-50", "", ""],
        ],
    )
    # when
    report = _run(path, _mapping())
    # then
    assert (report.rows, report.created, report.updated, report.unchanged) == (5, 3, 2, 0)
    assert report.accounts_created == report.created == 3
    assert _problems(report) == [
        (4, "country", "warning", "unknown country 'Narnia': left empty"),
        (6, "employees", "warning", "'lots' is not a headcount: size read from size"),
    ]
    acme = Account.objects.get(domain="acme.com")
    # row 5 "Acme" (no domain) is ACME Inc.: it updates it (name, size, country)
    assert (acme.name, acme.size_band, acme.country, acme.sector) == (
        "Acme",
        "11-50",
        "FR",
        "Retail",
    )
    globex = Account.objects.get(name="globex")  # found by name, given the domain it lacked
    assert (globex.domain, globex.size_band) == ("globex.io", "5000+")
    initech = Account.objects.get(name="Initech")
    assert (initech.size_band, initech.country) == ("51-200", "DE")
    assert Account.objects.get(domain="umbrella.com").size_band == "11-50"
    ids = dict(AccountExternalId.objects.values_list("external_id", "account_id"))
    assert ids == {
        "101": acme.pk,
        "102": initech.pk,
        "103": globex.pk,
        "104": acme.pk,
        "105": Account.objects.get(domain="umbrella.com").pk,
    }
    assert set(AccountExternalId.objects.values_list("source", flat=True)) == {"crm"}


@pytest.mark.django_db
def test_accounts_again_change_nothing_and_match_on_their_id(tmp_path: Path) -> None:
    # given
    rows = [HEADER, ["7", "Hooli", "hooli.com", "300", "", "US", ""]]
    mapping = _mapping()
    _run(_csv(tmp_path / "a.csv", rows), mapping)
    # when: the same file, then the company renamed and moved to another domain
    again = _run(_csv(tmp_path / "b.csv", rows), mapping)
    renamed = _run(
        _csv(tmp_path / "c.csv", [HEADER, ["7", "Hooli XYZ", "hooli.xyz", "", "", "", ""]]),
        mapping,
    )
    # then
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert (renamed.created, renamed.updated) == (0, 1)
    hooli = Account.objects.get()
    assert (hooli.name, hooli.domain, hooli.size_band) == ("Hooli XYZ", "hooli.com", "201-1000")


@pytest.mark.django_db
def test_a_later_row_with_the_same_domain_gives_its_id_to_the_first_rows_account(
    tmp_path: Path,
) -> None:
    # given: a CRM holding the company twice
    path = _csv(
        tmp_path / "dupes.csv",
        [
            HEADER,
            ["1", "Acme", "acme.com", "", "", "", ""],
            ["2", "Acme (old)", "acme.com", "", "", "", ""],
            ["1", "Acme again", "acme.org", "", "", "", ""],
        ],
    )
    # when
    report = _run(path, _mapping())
    # then
    acme = Account.objects.get()
    assert (report.created, report.unchanged, acme.name) == (1, 2, "Acme")
    assert _problems(report) == [
        (
            3,
            "website",
            "warning",
            "same website domain as row 2: skipped (its id '2' now points at that account)",
        ),
        (4, "id", "warning", "same id as row 2: skipped"),
    ]
    assert sorted(AccountExternalId.objects.values_list("external_id", flat=True)) == ["1", "2"]


@pytest.mark.django_db
def test_a_dry_run_counts_the_accounts_and_writes_nothing(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "a.csv",
        [HEADER, ["1", "Acme", "acme.com", "", "", "", ""], ["2", "ACME Ltd", "", "", "", "", ""]],
    )
    report = _run(path, _mapping(), dry_run=True)
    assert (report.created, report.updated, report.accounts_created) == (1, 1, 1)
    assert not Account.objects.exists()
    assert not AccountExternalId.objects.exists()


@pytest.mark.django_db
def test_contacts_after_accounts_find_the_account_by_its_normalised_name(tmp_path: Path) -> None:
    # given: the accounts file, then contacts naming the company two ways, with free mail
    _run(
        _csv(tmp_path / "a.csv", [HEADER, ["1", "ACME Inc.", "acme.com", "", "", "", ""]]),
        _mapping(),
    )
    contacts = _csv(
        tmp_path / "c.csv",
        [
            ["email", "company", "last_name"],
            ["ann@gmail.com", "ACME Inc.", "Ann"],
            ["bob@yahoo.fr", "Acme", "Bob"],
            ["cid@hotmail.com", "acme, inc", "Cid"],
            ["dan@orange.fr", "Initech SA", "Dan"],
            ["eve@gmail.com", "INITECH", "Eve"],
        ],
    )
    # when
    report = _run(contacts, _mapping("contacts"))
    # then: one Acme; one Initech for both spellings
    assert (report.created, report.accounts_created) == (5, 1)
    assert Account.objects.count() == 2
    acme = Account.objects.get(domain="acme.com")
    initech = Account.objects.get(name="Initech SA")
    by_contact = dict(Contact.objects.values_list("email", "account_id"))
    assert by_contact == {
        "ann@gmail.com": acme.pk,
        "bob@yahoo.fr": acme.pk,
        "cid@hotmail.com": acme.pk,
        "dan@orange.fr": initech.pk,
        "eve@gmail.com": initech.pk,
    }


@pytest.mark.django_db
def test_accounts_for_gives_one_account_per_company_and_keeps_other_domains_apart() -> None:
    # given
    known = Account.objects.create(name="Acme", domain="acme.com")
    # when
    found, created = accounts_for(
        {
            "a": ("", "ACME Inc.", "", ""),  # the known Acme, by name
            "b": ("acme.de", "Acme", "", "FR"),  # another domain: another account
            "c": ("", "Wayne Enterprises", "", ""),
            "d": ("", "wayne enterprises, inc.", "", ""),  # the same new one
        },
        write=True,
    )
    # then
    assert created == 2
    assert found["a"] == known.pk
    assert found["c"] == found["d"] != found["b"]
    assert Account.objects.get(pk=found["b"]).domain == "acme.de"
    assert Account.objects.count() == 3


def test_unused_value_keys_are_reported_once_for_a_users_mapping() -> None:
    # given
    mapping = _mapping(values={"sector": {"Pharma": "Pharmaceuticals", "Techno": "Tech"}})
    report = ImportReport(kind="accounts", mapping=mapping.name)
    choice_value(
        mapping,
        "sector",
        "pharma",
        allowed=("Pharmaceuticals",),
        default="",
        number=2,
        report=report,
    )
    # when
    values_unused_report(mapping, report)
    report.flush()
    # then
    assert _problems(report) == [
        (
            1,
            "sector",
            "warning",
            "the mapping's value 'Techno' for sector matched no row: is it spelt as in the file?",
        )
    ]


@pytest.mark.django_db
def test_an_accounts_import_warns_about_values_keys_that_matched_nothing(tmp_path: Path) -> None:
    mapping = _mapping(values={"sector": {"Pharma": "Pharmaceuticals", "Techno": "Tech"}})
    path = _csv(tmp_path / "a.csv", [HEADER, ["1", "Acme", "", "", "", "", "PHARMA"]])
    report = _run(path, mapping)
    assert Account.objects.get().sector == "Pharmaceuticals"
    assert _problems(report) == [
        (
            1,
            "sector",
            "warning",
            "the mapping's value 'Techno' for sector matched no row: is it spelt as in the file?",
        )
    ]
