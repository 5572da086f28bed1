"""XLSX headers as people make them: merged cells over columns, two-row headers, a header
further down the sheet; rows keep the sheet's numbering."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from smarketing.cli.main import main
from smarketing.contacts.models import Contact
from smarketing.imports.readers import table_open
from smarketing.imports.xlsxfile import Merge, merged_ranges

pytestmark = pytest.mark.django_db


def _book(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def _rows(path: Path, **options) -> tuple[list[str], list[str], list[tuple[int, dict[str, str]]]]:
    with table_open(path, **options) as table:
        return table.columns, table.notices, list(table.rows())


def test_a_two_row_header_with_merged_cells_is_found_and_combined(tmp_path: Path) -> None:
    # given "Deal" merged over C1:E1 with Name, Amount, Stage below it, and Email and Owner
    # each merged down over both rows
    path = _book(
        tmp_path / "deals.xlsx",
        [
            ["Email", "Owner", "Deal", None, None],
            [None, None, "Name", "Amount", "Stage"],
            ["anne@acme.fr", "Sam", "Acme deal", 1200, "proposal"],
        ],
        ("A1:A2", "B1:B2", "C1:E1"),
    )
    # when it is opened
    columns, notices, rows = _rows(path)
    # then the two rows are one header, "Top / Bottom", and the data starts on row 3
    assert columns == ["Email", "Owner", "Deal / Name", "Deal / Amount", "Deal / Stage"]
    assert notices == [
        "Rows 1 and 2 are read as one header (a cell merged over columns with names below "
        "it): names such as 'Deal / Name'."
    ]
    assert rows == [
        (
            3,
            {
                "Email": "anne@acme.fr",
                "Owner": "Sam",
                "Deal / Name": "Acme deal",
                "Deal / Amount": "1200",
                "Deal / Stage": "proposal",
            },
        )
    ]


def test_a_merged_cell_alone_names_each_of_its_columns(tmp_path: Path) -> None:
    # given "Phone" merged over B1:D1, and data right below (so a one-row header)
    path = _book(
        tmp_path / "c.xlsx",
        [["email", "Phone"], ["anne@acme.fr", "01 23", "06 45", "09 87"]],
        ("B1:D1",),
    )
    # when it is opened
    columns, notices, rows = _rows(path)
    # then no column is dropped: Phone, Phone (2), Phone (3), with a notice
    assert columns == ["email", "Phone", "Phone (2)", "Phone (3)"]
    assert notices == [
        "The column 'Phone' appears 3 times in the header: read as 'Phone', 'Phone (2)', "
        "'Phone (3)'."
    ]
    assert rows == [
        (2, {"email": "anne@acme.fr", "Phone": "01 23", "Phone (2)": "06 45", "Phone (3)": "09 87"})
    ]


def test_a_two_row_header_can_be_asked_without_merged_cells(tmp_path: Path) -> None:
    # given a header on rows 1 and 2, nothing merged
    path = _book(tmp_path / "c.xlsx", [["Contact", "Contact"], ["Email", "Name"], ["a@x.fr", "A"]])
    # when it is opened with header_rows=2, and without
    asked = _rows(path, header_rows=2)
    found = _rows(path)
    # then asked, the rows combine; not asked, row 2 is data (and Contact is kept apart)
    assert asked[0] == ["Contact / Email", "Contact / Name"]
    assert asked[2] == [(3, {"Contact / Email": "a@x.fr", "Contact / Name": "A"})]
    assert found[0] == ["Contact", "Contact (2)"]
    assert [number for number, _ in found[2]] == [2, 3]


def test_the_header_row_is_chosen_from_the_command_and_rows_keep_their_numbers(
    tmp_path: Path, capsys
) -> None:
    # given a sheet with a merged title on row 1, an empty row 2, the header on row 3, and a
    # bad e-mail on row 5
    path = _book(
        tmp_path / "c.xlsx",
        [
            ["Contacts, March 2024"],
            [],
            ["email", "first_name", "last_name", "lifecycle_stage"],
            ["anne@acme.fr", "Anne", "Martin", "lead"],
            ["nope", "Paul", "Roy", "lead"],
        ],
        ("A1:D1",),
    )
    # when the command imports it with --header-row 3
    code = main(["import", "contacts", str(path), "--header-row", "3"])
    # then the header is row 3 and the bad row is row 5, as the sheet shows it
    assert code == 0
    out = capsys.readouterr().out
    assert "2 rows in" in out
    assert "  row 5, email: 'nope' is not a valid email address. (rejected)" in out
    assert list(Contact.objects.values_list("email", flat=True)) == ["anne@acme.fr"]


def test_a_mapping_file_gives_the_header_row_and_rows(tmp_path: Path, capsys) -> None:
    # given a two-row header on rows 2 and 3 (a title above it), nothing merged
    path = _book(
        tmp_path / "c.xlsx",
        [
            ["Fair 2024"],
            ["Visitor", "Visitor", "Visitor"],
            ["Mail", "First", "Last"],
            ["anne@acme.fr", "Anne", "Martin"],
        ],
    )
    spec = tmp_path / "fair.yaml"
    spec.write_text(
        "name: fair\nkind: contacts\nheader_row: 2\nheader_rows: 2\ncolumns:\n"
        "  email: Visitor / Mail\n  first_name: visitor / first\n  last_name: VISITOR / LAST\n",
        encoding="utf-8",
    )
    # when the command imports it with that mapping
    code = main(["import", "contacts", str(path), "--mapping", str(spec)])
    # then the header is found, its columns matched in any case
    assert code == 0
    assert "1 rows in" in capsys.readouterr().out
    anne = Contact.objects.get()
    assert (anne.email, anne.first_name, anne.last_name) == ("anne@acme.fr", "Anne", "Martin")


def test_the_merged_ranges_are_the_first_sheets_near_the_header(tmp_path: Path) -> None:
    # given a first sheet with merges on rows 1, 2 and 40, and a second sheet with its own
    book = Workbook()
    first = book.active
    first.merge_cells("B1:D1")
    first.merge_cells("A1:A2")
    first.merge_cells("A40:C40")
    book.create_sheet("other").merge_cells("A1:Z1")
    path = tmp_path / "two.xlsx"
    book.save(path)
    # when the merges touching rows 1 and 2 are read
    merges = merged_ranges(path, 1, 2)
    # then they are the first sheet's two
    assert sorted(merges, key=lambda m: m.min_col) == [Merge(1, 1, 1, 2), Merge(2, 1, 4, 1)]
