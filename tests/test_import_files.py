"""Imports of files written here: encodings, delimiters, bad rows, the shipped mappings."""

from __future__ import annotations

from pathlib import Path

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Account, Contact, ContactExternalId, Deal
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import mapping_detect, mapping_named
from smarketing.imports.readers import FileError, table_open

pytestmark = pytest.mark.django_db


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _run(path: Path, kind: str = "contacts", **options):
    with table_open(path) as table:
        mapping = mapping_detect(table.columns, kind) or mapping_named(f"smarketing-{kind}")
        return import_run(table=table, mapping=mapping, **options)


def _problems(report) -> list[tuple[int, str, str, str]]:
    return [(p.row, p.column, p.severity, p.reason) for p in report.problems]


NATIVE = "email,first_name,last_name,lifecycle_stage,created_at\n"


def test_latin1_semicolons_quoted_newlines_and_bad_rows(tmp_path: Path) -> None:
    text = (
        "email;first_name;last_name;job_title;lifecycle_stage;created_at\n"
        'élodie@exemple.fr;Élodie;Marçal;"Directrice\nfinancière";lead;24/11/2026\n'
        "ÉLODIE@exemple.fr;Élodie;Marçal;;lead;2026-11-24\n"
        "pas-un-email;Jean;Bon;;lead;2026-11-24\n"
        ";Sans;Mail;;lead;2026-11-24\n"
        "paul@acme.fr;Paul;Durand;;mql;24 Nov 2026\n"
        "zoe@acme.fr;Zoé;Roy;;lead;31/02/2026\n"
        "max@acme.fr;Max;Li;;alien;11/24/2026 10:00\n"
    )
    path = _write(tmp_path / "contacts.csv", text, encoding="latin-1")
    with table_open(path) as table:
        assert (table.encoding, table.delimiter) == ("cp1252", ";")
        report = import_run(table=table, mapping=mapping_named("smarketing-contacts"))
    assert (report.rows, report.created, report.rejected) == (7, 3, 3)
    assert _problems(report) == [
        (3, "email", "warning", "same e-mail as row 2: skipped"),
        (4, "email", "rejected", "'pas-un-email' is not a valid email address."),
        (5, "email", "rejected", "no e-mail"),
        (7, "created_at", "rejected", "'31/02/2026' is not a date (e.g. 2026-11-24 or 24/11/2026)"),
        (8, "lifecycle_stage", "warning", "unknown stage 'alien': imported as lead"),
    ]
    elodie = Contact.objects.get(email_normalized="élodie@exemple.fr")
    assert (elodie.first_name, elodie.last_name, elodie.job_title) == (
        "Élodie",
        "Marçal",
        "Directrice\nfinancière",
    )
    assert elodie.created_at.date().isoformat() == "2026-11-24"
    assert Contact.objects.get(email="max@acme.fr").lifecycle_stage == "lead"


def test_utf8_with_bom_and_tabs(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.tsv", "\ufeffemail\tfirst_name\nanne@acme.fr\tAnne\n")
    with table_open(path) as table:
        found = (table.encoding, table.delimiter, table.columns)
    assert found == (
        "utf-8-sig",
        "\t",
        ["email", "first_name"],
    )
    assert _run(path).created == 1


def test_dry_run_writes_nothing_and_counts_like_the_run(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.csv", NATIVE + "a@acme.fr,A,B,lead,\nbad,,,lead,\n")
    dry = _run(path, dry_run=True)
    assert (dry.created, dry.rejected, dry.dry_run) == (1, 1, True)
    assert not Contact.objects.exists()
    assert not Account.objects.exists()
    real = _run(path)
    assert (real.created, real.rejected) == (dry.created, dry.rejected)


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.csv", NATIVE + "a@acme.fr,A,B,lead,\nbad,,,lead,\n")
    report = _run(path, all_or_nothing=True)
    assert report.aborted
    assert not Contact.objects.exists()
    good = _write(tmp_path / "good.csv", NATIVE + "a@acme.fr,A,B,lead,\n")
    assert not _run(good, all_or_nothing=True).aborted
    assert Contact.objects.count() == 1


def test_accounts_by_website_never_by_free_mail(tmp_path: Path) -> None:
    text = (
        "Record ID,First Name,Last Name,Email,Company Name,Website URL,Lifecycle Stage\n"
        "11,Anne,Martin,anne@acme.fr,Acme,https://www.acme.fr/en,Lead\n"
        "12,Paul,Roy,paul@acme.fr,ACME SAS,,Marketing Qualified Lead\n"
        "13,Zoé,Li,zoe@gmail.com,Freelance,,Customer\n"
    )
    report = _run(_write(tmp_path / "hubspot.csv", text))
    assert report.mapping == "hubspot-contacts"
    assert (report.created, report.accounts_created) == (3, 2)
    assert Contact.objects.get(email="paul@acme.fr").account.domain == "acme.fr"
    assert Contact.objects.get(email="paul@acme.fr").lifecycle_stage == "mql"
    assert Contact.objects.get(email="zoe@gmail.com").account.name == "Freelance"
    assert Account.objects.get(name="Freelance").domain == ""
    assert set(ContactExternalId.objects.values_list("source", "external_id")) == {
        ("hubspot", "11"),
        ("hubspot", "12"),
        ("hubspot", "13"),
    }


@pytest.mark.parametrize(
    ("header", "row", "mapping"),
    [
        (
            "Id,FirstName,LastName,Email,Company,Status,IsConverted,CreatedDate",
            "00Q5e00000AbCdE,Bertha,Boxer,bertha@farmers.example,Farmers Coop.,"
            "Working - Contacted,false,2026-01-05T10:00:00.000Z",
            "salesforce-leads",
        ),
        (
            "Person - ID,Person - Name,Person - Email - Work,Person - Organization",
            '501,"Boxer, Bertha",bertha@farmers.example,Farmers Coop.',
            "pipedrive-persons",
        ),
    ],
)
def test_shipped_mappings_are_detected(tmp_path: Path, header: str, row: str, mapping: str) -> None:
    report = _run(_write(tmp_path / "export.csv", f"{header}\n{row}\n"))
    assert (report.mapping, report.created, report.rejected) == (mapping, 1, 0)
    bertha = Contact.objects.get()
    assert (bertha.first_name, bertha.last_name) == ("Bertha", "Boxer")
    assert bertha.account.name == "Farmers Coop."


def test_xlsx_files_import(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["email", "first_name", "last_name", "lifecycle_stage", "created_at"])
    book.active.append(["anne@acme.fr", "Anne", "Martin", "lead", None])
    path = tmp_path / "contacts.xlsx"
    book.save(path)
    with table_open(path) as table:
        assert table.encoding == "xlsx"
    assert _run(path).created == 1


def test_deals_link_to_contacts_and_move_them(tmp_path: Path) -> None:
    _run(_write(tmp_path / "c.csv", NATIVE + "anne@acme.fr,Anne,Martin,lead,\n"))
    contact = Contact.objects.get()
    assert contact.account.domain == "acme.fr"  # from the e-mail's domain
    text = (
        "name,amount,currency,pipeline_stage,contact_email,expected_close\n"
        'Acme deal,"12 500,50 €",,closed_won,anne@acme.fr,2026-10-01\n'
        "Ghost deal,100,EUR,discovery,ghost@acme.fr,\n"
        "Bad deal,douze,EUR,discovery,anne@acme.fr,\n"
    )
    report = _run(_write(tmp_path / "d.csv", text), kind="deals")
    assert (report.created, report.rejected) == (1, 2)
    assert [(p.row, p.column) for p in report.problems] == [(3, "contact_email"), (4, "amount")]
    deal = Deal.objects.get()
    assert (str(deal.amount), deal.currency, deal.status) == ("12500.50", "EUR", "won")
    assert list(contact.stage_transitions.order_by("id").values_list("to_stage", flat=True)) == [
        "lead",
        "opportunity",
        "customer",
    ]


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="empty"):
        table_open(_write(tmp_path / "empty.csv", ""))
    with table_open(_write(tmp_path / "dup.csv", "email,email\n")) as table:
        assert table.columns == ["email", "email (2)"]  # kept apart (test_import_headers.py)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"email\x00\x01\x02")
    with pytest.raises(FileError, match="not a text file"):
        table_open(binary)


def test_the_command_reports_and_refuses_unknown_columns(tmp_path: Path, capsys) -> None:
    good = _write(tmp_path / "c.csv", NATIVE + "a@acme.fr,A,B,lead,\n")
    assert main(["import", "contacts", str(good), "--report", str(tmp_path / "r.csv")]) == 0
    assert "1 rows in" in capsys.readouterr().out
    odd = _write(tmp_path / "odd.csv", "courriel,nom\na@acme.fr,A\n")
    assert main(["import", "contacts", str(odd)]) == 2
    assert "the columns match no known export" in capsys.readouterr().err
