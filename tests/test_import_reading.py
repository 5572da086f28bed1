"""Reading files that break the CSV format: huge cells, quotes never closed, a stray byte far
into the file. Each becomes a problem at its row (or a refusal before anything is written),
never a traceback, a garbled name or rows lost without a word."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Contact
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import mapping_named
from smarketing.imports.readers import FileError, Unreadable, table_open

pytestmark = pytest.mark.django_db
NATIVE = "email,first_name,last_name,lifecycle_stage,created_at\n"
MB = 1_000_000


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _run(path: Path, **options):
    with table_open(path) as table:
        return import_run(table=table, mapping=mapping_named("smarketing-contacts"), **options)


def _problems(report) -> list[tuple[int, str, str, str]]:
    return [(p.row, p.column, p.severity, p.reason) for p in report.problems]


def _emails() -> list[str]:
    return sorted(Contact.objects.values_list("email", flat=True))


def test_a_cell_over_a_megabyte_is_a_rejected_row_and_the_command_goes_on(
    tmp_path: Path, capsys
) -> None:
    # given 1,500 good rows (two batches), then a row with a first name of 1.1 million
    # characters, then a good row: rows 2 to 1501, 1502 and 1503
    good = "".join(f"p{i}@acme.fr,P{i},Last,lead,\n" for i in range(1500))
    big = "big@acme.fr," + "A" * (MB + 100_000) + ",Big,lead,\n"
    path = _write(tmp_path / "c.csv", NATIVE + good + big + "after@acme.fr,After,Last,lead,\n")
    # when the command imports it in the default mode
    code = main(["import", "contacts", str(path), "--report", str(tmp_path / "r.csv")])
    # then it ends normally: every good row imported, the big one reported at its row
    assert code == 0
    assert "1,502 rows in" in capsys.readouterr().out
    assert Contact.objects.count() == 1501
    assert Contact.objects.filter(email="after@acme.fr").exists()
    assert not Contact.objects.filter(email="big@acme.fr").exists()
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["row", "column", "severity", "reason"],
            ["1502", "", "rejected", "a cell holds more than 1,000,000 characters: row skipped"],
        ]


@pytest.mark.parametrize(
    ("big", "reason"),
    [
        (  # quoted, over two lines, and closed: the reading goes on after its closing quote
            'big@acme.fr,"' + "A" * 600_000 + "\n" + "B" * 600_000 + '",Big,lead,\n',
            "a cell holds more than 1,000,000 characters (a cell over 2 lines): row skipped",
        ),
        (  # unquoted, on one line
            "big@acme.fr," + "A" * (MB + 1) + ",Big,lead,\n",
            "a cell holds more than 1,000,000 characters: row skipped",
        ),
        (  # a line of 4.5 million characters, in cells each under the limit
            "big@acme.fr," + ",".join(["A" * 900_000] * 5) + "\n",
            "a line holds more than 4,000,000 characters: row skipped",
        ),
    ],
)
def test_a_row_too_large_is_skipped_to_its_end(tmp_path: Path, big: str, reason: str) -> None:
    # given a good row, the large one, and a good row
    text = NATIVE + "a@acme.fr,A,Last,lead,\n" + big + "b@acme.fr,B,Last,lead,\n"
    # when it is imported
    report = _run(_write(tmp_path / "c.csv", text))
    # then the large row is rejected and the two others imported
    assert _problems(report) == [(3, "", "rejected", reason)]
    assert (report.rows, report.created) == (3, 2)
    assert _emails() == ["a@acme.fr", "b@acme.fr"]


def test_a_quote_never_closed_is_reported_at_its_row_and_the_rows_after_it_are_read(
    tmp_path: Path,
) -> None:
    # given row 3 opens a quote it never closes: the csv module would read the rest of the file
    # as one cell of row 3, and import rows 2 and 3 only
    text = (
        NATIVE
        + 'a@acme.fr,A,L,lead,\nb@acme.fr,"Bob,L,lead,\nc@acme.fr,C,L,lead,\nd@acme.fr,D,L,lead,\n'
    )
    # when it is imported
    report = _run(_write(tmp_path / "c.csv", text))
    # then row 3 is rejected, and rows 4 and 5 are read and imported
    assert _problems(report) == [
        (
            3,
            "",
            "rejected",
            "a quote opens a cell in this row and is not closed (the file ends inside it): "
            "row skipped, the 2 lines after its first one read as rows",
        )
    ]
    assert (report.rows, report.created, report.rejected) == (4, 3, 1)
    assert _emails() == ["a@acme.fr", "c@acme.fr", "d@acme.fr"]


def test_a_quote_closed_rows_later_by_a_stray_one_is_reported_and_the_rows_inside_are_read(
    tmp_path: Path,
) -> None:
    # given row 3 opens a quote, and the first quote in Dan's name (row 5) closes it: the csv
    # module would read rows 3 to 5 as one row whose first name holds row 4
    text = (
        NATIVE
        + "a@acme.fr,A,L,lead,\n"
        + 'b@acme.fr,"Bob,L,lead,\n'
        + "c@acme.fr,C,L,lead,\n"
        + 'd@acme.fr,Dan "the man",L,lead,\n'
        + 'e@acme.fr,"Eve",L,lead,\n'
    )
    # when it is imported
    report = _run(_write(tmp_path / "c.csv", text))
    # then row 3 is rejected and the lines after it are read as the rows they are
    assert _problems(report) == [
        (
            3,
            "",
            "rejected",
            "a quote opens a cell in this row and is not closed (it runs over lines that look "
            "like rows): row skipped, the 2 lines after its first one read as rows",
        )
    ]
    assert _emails() == ["a@acme.fr", "c@acme.fr", "d@acme.fr", "e@acme.fr"]
    assert Contact.objects.get(email="d@acme.fr").first_name == 'Dan "the man"'


def test_a_multi_line_cell_is_still_one_cell(tmp_path: Path) -> None:
    # given an address-like first name over three lines, commas included, then a good row
    text = (
        NATIVE
        + 'a@acme.fr,"12 rue X\n75001 Paris, France\nBât. B, 2e",L,lead,\nb@acme.fr,B,L,lead,\n'
    )
    # when it is imported
    report = _run(_write(tmp_path / "c.csv", text))
    # then nothing is reported and the cell keeps its lines
    assert (report.created, report.problems) == (2, [])
    assert Contact.objects.get(email="a@acme.fr").first_name == (
        "12 rue X\n75001 Paris, France\nBât. B, 2e"
    )


def test_the_encoding_is_decided_on_the_whole_file(tmp_path: Path) -> None:
    # given 100 KB of ASCII rows, then a name in Windows-1252 (é is the byte 0xE9)
    head = "".join(f"p{i:05}@acme.fr,P,Last,lead,\n" for i in range(4000))
    assert len(head) > 100_000
    path = _write(tmp_path / "c.csv", NATIVE + head + "zoe@acme.fr,Zoé,Roy,lead,\n", "cp1252")
    # when it is opened and imported
    with table_open(path) as table:
        assert table.encoding == "cp1252"
    report = _run(path)
    # then the name is read as written
    assert (report.created, report.rejected) == (4001, 0)
    assert Contact.objects.get(email="zoe@acme.fr").first_name == "Zoé"


def test_a_utf8_file_stays_utf8_whatever_is_far_into_it(tmp_path: Path) -> None:
    # given 100 KB of ASCII rows, then a name in UTF-8
    head = "".join(f"p{i:05}@acme.fr,P,Last,lead,\n" for i in range(4000))
    path = _write(tmp_path / "c.csv", NATIVE + head + "zoe@acme.fr,Zoé,Roy,lead,\n")
    # when it is imported
    report = _run(path)
    # then it is read as UTF-8
    assert report.created == 4001
    assert Contact.objects.get(email="zoe@acme.fr").first_name == "Zoé"


def test_a_nul_byte_far_into_the_file_refuses_it_before_anything_is_written(
    tmp_path: Path,
) -> None:
    # given 100 KB of rows, then a NUL byte (PostgreSQL cannot store one)
    head = "".join(f"p{i:05}@acme.fr,P,Last,lead,\n" for i in range(4000))
    path = tmp_path / "c.csv"
    path.write_bytes((NATIVE + head).encode() + b"nul@acme.fr,N\x00,L,lead,\n")
    # when it is opened, then it is refused, naming where the byte is
    offset = len((NATIVE + head).encode()) + len(b"nul@acme.fr,N") + 1
    with pytest.raises(FileError, match=f"a NUL byte at byte {offset:,}"):
        table_open(path)
    assert not Contact.objects.exists()


def test_a_header_that_is_not_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="holds more than 200 characters"):
        table_open(_write(tmp_path / "long.csv", "email," + "x" * 201 + "\na@acme.fr,b\n"))
    with pytest.raises(FileError, match="never closed"):
        table_open(_write(tmp_path / "quote.csv", 'email,"name\na@acme.fr,b\n'))
    with pytest.raises(FileError, match="not a header"):
        table_open(_write(tmp_path / "huge.csv", "email," + "x" * (MB + 1) + "\n"))


def test_rows_read_from_a_mac_file_keep_their_numbers(tmp_path: Path) -> None:
    # given a file with carriage returns only (Excel's "CSV (Macintosh)"), a quote never
    # closed on row 3
    path = _write(tmp_path / "c.csv", 'email,name\ra@acme.fr,A\rc@acme.fr,"C\rd@acme.fr,D\r')
    # when its rows are read
    with table_open(path) as table:
        rows = list(table.rows())
    # then row 3 is reported and row 4 read
    assert rows == [
        (2, {"email": "a@acme.fr", "name": "A"}),
        (
            3,
            Unreadable(
                "a quote opens a cell in this row and is not closed (the file ends inside it): "
                "row skipped, the 1 lines after its first one read as rows"
            ),
        ),
        (4, {"email": "d@acme.fr", "name": "D"}),
    ]
