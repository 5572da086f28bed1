"""Headers of real exports: a name given twice is kept apart with a notice, a mapping finds its
columns whatever their case, spaces and accents, and the header may be on another row."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Contact
from smarketing.imports.engine import import_run, mapping_for_table
from smarketing.imports.headers import header_key
from smarketing.imports.mappings import mapping_detect, mapping_from
from smarketing.imports.readers import table_open

pytestmark = pytest.mark.django_db
HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Create Date,Lifecycle Stage,Create Date\n"
    "11,Anne,Martin,anne@acme.fr,2024-03-04 10:00,Lead,2024-05-06 11:00\n"
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _contacts(columns: dict[str, str]):
    return mapping_from({"name": "t", "kind": "contacts", "columns": columns}, origin="t")


def test_a_name_the_header_repeats_is_kept_apart_with_a_notice(tmp_path: Path) -> None:
    # given a HubSpot contacts export that has "Create Date" twice
    path = _write(tmp_path / "hubspot.csv", HUBSPOT)
    # when it is opened
    with table_open(path) as table:
        # then the second is "Create Date (2)", with its own values, and a notice says so
        assert table.columns == [
            "Record ID",
            "First Name",
            "Last Name",
            "Email",
            "Create Date",
            "Lifecycle Stage",
            "Create Date (2)",
        ]
        assert table.notices == [
            "The column 'Create Date' appears 2 times in the header: read as 'Create Date', "
            "'Create Date (2)'."
        ]
        assert [raw["Create Date (2)"] for _, raw in table.rows()] == ["2024-05-06 11:00"]


def test_a_third_repeat_takes_a_number_no_other_column_has() -> None:
    # given a header with "Date" three times and a column already named "Date (2)"
    from smarketing.imports.headers import names_apart

    # when the names are kept apart
    names, notices = names_apart(["Date", "Date (2)", "Date", "Date"])
    # then the repeats take (3) and (4)
    assert names == ["Date", "Date (2)", "Date (3)", "Date (4)"]
    assert notices == [
        "The column 'Date' appears 3 times in the header: read as 'Date', 'Date (3)', 'Date (4)'."
    ]


def test_the_command_shows_the_notice_and_writes_it_in_the_report(tmp_path: Path, capsys) -> None:
    # given the HubSpot export with "Create Date" twice
    path = _write(tmp_path / "hubspot.csv", HUBSPOT)
    report = tmp_path / "report.csv"
    # when the command imports it
    code = main(["import", "contacts", str(path), "--report", str(report)])
    # then the contact is imported with the first "Create Date", and the notice is shown and
    # written first in the report
    assert code == 0
    out = capsys.readouterr().out
    assert (
        "  notice: The column 'Create Date' appears 2 times in the header: read as "
        "'Create Date', 'Create Date (2)'.\n" in out
    )
    assert Contact.objects.get().created_at.isoformat() == "2024-03-04T10:00:00+00:00"
    with report.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["row", "column", "severity", "reason"],
            [
                "",
                "",
                "notice",
                "The column 'Create Date' appears 2 times in the header: read as 'Create Date', "
                "'Create Date (2)'.",
            ],
        ]


@pytest.mark.parametrize(
    "name", ["Contact Owner", "contact  owner", "Contact Ówner", "CONTACTOWNER"]
)
def test_a_mapping_finds_its_column_whatever_its_case_spaces_and_accents(name: str) -> None:
    # given a mapping that says "Contact owner" and a file whose column is written otherwise
    mapping = _contacts({"email": "E-mail", "owner": "Contact owner"})
    # when the mapping is fitted to the file's columns
    fitted = mapping_for_table(mapping, ["e-mail", name])
    # then it reads the file's own names
    assert fitted.columns == {"email": "e-mail", "owner": name}


def test_two_columns_alike_the_first_is_read_with_a_notice() -> None:
    # given a file with "Email" and "EMAIL"
    mapping = _contacts({"email": "email"})
    notices: list[str] = []
    # when the mapping is fitted to it
    fitted = mapping_for_table(mapping, ["Email", "Name", "EMAIL"], notices)
    # then the first is read, and a notice says so
    assert fitted.columns == {"email": "Email"}
    assert notices == [
        "The columns 'Email' and 'EMAIL' both match 'email': 'Email' (the first) is read."
    ]


def test_the_header_key_drops_case_spaces_and_accents_only() -> None:
    # given names written differently; when keyed; then only case, spaces and accents go
    assert header_key(" Élodie  Prénom\u00a0") == "elodieprenom"
    assert header_key("Create Date (2)") == "createdate(2)"
    assert header_key("E-mail") != header_key("Email")


def test_a_shipped_mapping_is_detected_whatever_the_case_of_the_header(tmp_path: Path) -> None:
    # given a HubSpot export whose header is in lower case, with doubled spaces
    text = "record id,email,lifecycle  stage,first name\n11,anne@acme.fr,Lead,Anne\n"
    path = _write(tmp_path / "hubspot.csv", text)
    with table_open(path) as table:
        # when its mapping is detected and the file imported
        mapping = mapping_detect(table.columns, "contacts")
        assert mapping is not None
        report = import_run(table=table, mapping=mapping)
    # then it is HubSpot's, and the columns are found
    assert (report.mapping, report.created, report.rejected) == ("hubspot-contacts", 1, 0)
    anne = Contact.objects.get()
    assert (anne.email, anne.first_name) == ("anne@acme.fr", "Anne")


def test_a_csv_header_on_row_3_keeps_the_spreadsheet_numbering(tmp_path: Path, capsys) -> None:
    # given a CSV with a title and an empty row above its header (row 3); rows 4 and 5
    text = (
        "Contacts export;;\n"
        "\n"
        "email;first_name;last_name;lifecycle_stage\n"
        "anne@acme.fr;Anne;Martin;lead\n"
        "not-an-email;Paul;Roy;lead\n"
    )
    path = _write(tmp_path / "c.csv", text)
    # when the command imports it from row 3
    code = main(["import", "contacts", str(path), "--header-row", "3"])
    # then the header is found, and the bad row is reported as row 5
    assert code == 0
    out = capsys.readouterr().out
    assert "2 rows in" in out
    assert "  row 5, email: 'not-an-email' is not a valid email address. (rejected)" in out
    assert list(Contact.objects.values_list("email", flat=True)) == ["anne@acme.fr"]


def test_a_header_row_past_the_end_of_the_file_is_refused(tmp_path: Path) -> None:
    # given a file of two rows; when its header is asked on row 5; then it is refused
    from smarketing.imports.readers import FileError

    path = _write(tmp_path / "c.csv", "email\nanne@acme.fr\n")
    with pytest.raises(FileError, match=r"The file has no row 3\."):
        table_open(path, header_row=5)
