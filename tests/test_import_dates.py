"""Dates read one way per column: day first or month first, decided over all its values; an
ambiguous column stops the import before anything is written, unless the mapping says."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Contact
from smarketing.core.errors import DomainError
from smarketing.imports.dates import datetime_read
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import MappingError, mapping_from, mapping_named
from smarketing.imports.readers import table_open
from smarketing.imports.values import ValueProblem

pytestmark = pytest.mark.django_db
HEADER = "email,first_name,last_name,lifecycle_stage,created_at\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _run(path: Path, **changes):
    mapping = replace(mapping_named("smarketing-contacts"), **changes)
    with table_open(path) as table:
        return import_run(table=table, mapping=mapping)


def _created(email: str) -> str:
    return Contact.objects.get(email=email).created_at.astimezone(UTC).isoformat()


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2/5/24 1:51", "month_first", datetime(2024, 2, 5, 1, 51, tzinfo=UTC)),
        ("2/5/24 1:51", "day_first", datetime(2024, 5, 2, 1, 51, tzinfo=UTC)),
        ("12/31/2024", "month_first", datetime(2024, 12, 31, tzinfo=UTC)),
        ("03/04/2024 14:05:00", "day_first", datetime(2024, 4, 3, 14, 5, tzinfo=UTC)),
        ("03/04/2024 2:05 PM", "month_first", datetime(2024, 3, 4, 14, 5, tzinfo=UTC)),
        ("04.03.2024", "", datetime(2024, 3, 4, tzinfo=UTC)),
        ("Mar 4, 2024", "", datetime(2024, 3, 4, tzinfo=UTC)),
        ("4 Mar 2024", "", datetime(2024, 3, 4, tzinfo=UTC)),
        ("4 mars 2024", "", datetime(2024, 3, 4, tzinfo=UTC)),
        ("15 Apr, 2021 00:03:00", "", datetime(2021, 4, 15, 0, 3, tzinfo=UTC)),
        ("2024/03/04", "", datetime(2024, 3, 4, tzinfo=UTC)),
        ("2024-03-04T14:05:00Z", "", datetime(2024, 3, 4, 14, 5, tzinfo=UTC)),
        (
            "2024-03-04T14:05:00+02:00",
            "",
            datetime(2024, 3, 4, 14, 5, tzinfo=timezone(timedelta(hours=2))),
        ),
        # Excel serials: 45292 is 2024-01-01 (Excel counts 1900-02-29), + 31 + 29 + 5 days
        ("45357", "", datetime(2024, 3, 6, tzinfo=UTC)),
        ("45357.75", "", datetime(2024, 3, 6, 18, 0, tzinfo=UTC)),
    ],
)
def test_the_forms_of_a_date(text: str, order: str, expected: datetime) -> None:
    # given a date as exports write them; when read in its column's order; then it is that time
    assert datetime_read(text, order) == expected


@pytest.mark.parametrize(
    ("text", "order", "reason"),
    [
        (
            "11/24/2026",
            "day_first",
            "'11/24/2026' is not a date read day first, as this column is",
        ),
        ("31/02/2026", "day_first", "'31/02/2026' is not a date (e.g. 2026-11-24 or 24/11/2026)"),
        (
            "03/04/2026",
            "mixed",
            "'03/04/2026' can be read day first or month first, and the column holds both "
            "kinds: say which it is in the mapping (dates: {created_at: day_first} or "
            "month_first)",
        ),
        ("1899-12-31", "", "'1899-12-31': a date from 1900 to 2199 is expected"),
    ],
)
def test_a_date_that_is_not_one_in_its_column_says_why(text: str, order: str, reason: str) -> None:
    # given a value its column cannot read; when read; then the reason is given
    with pytest.raises(ValueProblem) as caught:
        datetime_read(text, order, target="created_at")
    assert str(caught.value) == reason


def test_one_day_over_12_makes_the_whole_column_day_first(tmp_path: Path) -> None:
    # given a column of 03/04/2024 (either), then, far below, 25/12/2023 (only day first)
    rows = "".join(f"p{i}@acme.fr,P,L,lead,03/04/2024\n" for i in range(1500))
    path = _write(tmp_path / "c.csv", HEADER + rows + "last@acme.fr,L,L,lead,25/12/2023 10:30\n")
    # when it is imported
    report = _run(path)
    # then every date is read day first: the 3rd of April, also in the first batch
    assert (report.created, report.rejected, report.notices) == (1501, 0, [])
    assert _created("p0@acme.fr") == "2024-04-03T00:00:00+00:00"
    assert _created("last@acme.fr") == "2023-12-25T10:30:00+00:00"


def test_one_middle_number_over_12_makes_the_column_month_first(tmp_path: Path) -> None:
    # given 2/5/24 1:51 and 12/31/2024 in one column
    text = HEADER + "a@acme.fr,A,A,lead,2/5/24 1:51\nb@acme.fr,B,B,lead,12/31/2024\n"
    # when it is imported
    report = _run(_write(tmp_path / "c.csv", text))
    # then 2/5/24 is the 5th of February
    assert (report.created, report.rejected) == (2, 0)
    assert _created("a@acme.fr") == "2024-02-05T01:51:00+00:00"


def test_an_ambiguous_column_stops_the_import_before_anything_is_written(tmp_path: Path) -> None:
    # given a column where every date could be day first or month first
    text = HEADER + "a@acme.fr,A,A,lead,03/04/2024\nb@acme.fr,B,B,lead,2024-05-06\n"
    path = _write(tmp_path / "c.csv", text)
    # when it is imported
    with pytest.raises(DomainError) as caught:
        _run(path)
    # then nothing is written, and the error names the column and how to settle it
    assert caught.value.message == (
        "The column 'created_at' holds dates that can be read day first or month first (1, "
        "such as '03/04/2024' on row 2) and none of them decides: say which it is in the "
        "mapping (dates: {created_at: day_first} or month_first), or with --date-order. "
        "Nothing was imported."
    )
    assert caught.value.field == "created_at"
    assert not Contact.objects.exists()


def test_the_mapping_settles_an_ambiguous_column(tmp_path: Path) -> None:
    # given the ambiguous column, and a mapping file that says month first
    text = HEADER + "a@acme.fr,A,A,lead,03/04/2024\n"
    path = _write(tmp_path / "c.csv", text)
    spec = _write(
        tmp_path / "m.yaml",
        "name: m\nkind: contacts\ncolumns: {email: email, created_at: created_at}\n"
        "dates: {created_at: month_first}\n",
    )
    # when the command imports it with that mapping
    code = main(["import", "contacts", str(path), "--mapping", str(spec)])
    # then 03/04/2024 is the 4th of March
    assert code == 0
    assert _created("a@acme.fr") == "2024-03-04T00:00:00+00:00"


def test_the_command_settles_an_ambiguous_column(tmp_path: Path, capsys) -> None:
    # given the ambiguous column
    path = _write(tmp_path / "c.csv", HEADER + "a@acme.fr,A,A,lead,03/04/2024\n")
    # when the command imports it without, then with --date-order day_first
    assert main(["import", "contacts", str(path)]) == 1
    assert "The column 'created_at' holds dates" in capsys.readouterr().err
    assert main(["import", "contacts", str(path), "--date-order", "day_first"]) == 0
    # then it is read the 3rd of April
    assert _created("a@acme.fr") == "2024-04-03T00:00:00+00:00"


def test_a_column_with_both_orders_is_told_and_its_ambiguous_dates_rejected(
    tmp_path: Path,
) -> None:
    # given 24/11/2026 (day first), 11/24/2026 (month first) and 03/04/2026 (either)
    text = (
        HEADER
        + "a@acme.fr,A,A,lead,24/11/2026\n"
        + "b@acme.fr,B,B,lead,11/24/2026 10:00\n"
        + "c@acme.fr,C,C,lead,03/04/2026\n"
    )
    # when it is imported
    report = _run(_write(tmp_path / "c.csv", text))
    # then the first two are read the only way they can be, the third is rejected, and a
    # notice tells the column is inconsistent
    assert (report.created, report.rejected) == (2, 1)
    assert _created("b@acme.fr") == "2026-11-24T10:00:00+00:00"
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (
            4,
            "created_at",
            "'03/04/2026' can be read day first or month first, and the column holds both "
            "kinds: say which it is in the mapping (dates: {created_at: day_first} or "
            "month_first)",
        )
    ]
    assert report.notices == [
        "The column 'created_at' holds dates written day first (1, such as '24/11/2026' on "
        "row 2) and month first (1, such as '11/24/2026 10:00' on row 3): each is read the "
        "only way it can be, and a date that could be either is rejected. Say which it is in "
        "the mapping (dates: {created_at: day_first} or month_first)."
    ]


def test_a_date_against_the_order_the_mapping_says_is_rejected_at_its_row(tmp_path: Path) -> None:
    # given a mapping that says day first, and a month-first date
    text = HEADER + "a@acme.fr,A,A,lead,11/24/2026\nb@acme.fr,B,B,lead,24/11/2026\n"
    # when it is imported
    report = _run(_write(tmp_path / "c.csv", text), dates={"created_at": "day_first"})
    # then that row is rejected, the other read day first
    assert [(p.row, p.reason) for p in report.problems] == [
        (2, "'11/24/2026' is not a date read day first, as this column is")
    ]
    assert _created("b@acme.fr") == "2026-11-24T00:00:00+00:00"


def test_excel_serials_and_a_time_zone(tmp_path: Path) -> None:
    # given an Excel serial and a local time, in a file from Paris (UTC+1 in March)
    text = HEADER + "a@acme.fr,A,A,lead,45357\nb@acme.fr,B,B,lead,2024-03-04 14:05\n"
    # when it is imported with timezone: Europe/Paris
    report = _run(_write(tmp_path / "c.csv", text), timezone="Europe/Paris")
    # then the times are Paris times: midnight of 6 March there is 23:00 UTC on the 5th
    assert (report.created, report.rejected) == (2, 0)
    assert _created("a@acme.fr") == "2024-03-05T23:00:00+00:00"
    assert _created("b@acme.fr") == "2024-03-04T13:05:00+00:00"


def test_the_date_formats_of_the_mapping_read_a_column_first(tmp_path: Path) -> None:
    # given an ambiguous column, and a mapping whose date_formats read it
    text = HEADER + "a@acme.fr,A,A,lead,03/04/2024\n"
    # when it is imported
    report = _run(_write(tmp_path / "c.csv", text), date_formats=("%m/%d/%Y",))
    # then the format decides: the 4th of March
    assert (report.created, report.rejected) == (1, 0)
    assert _created("a@acme.fr") == "2024-03-04T00:00:00+00:00"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("dates: {created_at: sideways}", "dates maps a date field of contacts"),
        ("dates: {email: day_first}", "dates maps a date field of contacts"),
        ("timezone: Mars/Olympus", "'Mars/Olympus' is not a time zone"),
    ],
)
def test_a_mapping_with_a_wrong_date_option_is_refused(extra: str, message: str) -> None:
    # given a mapping with a wrong option; when checked; then it is refused, saying which
    import yaml

    data = {"name": "m", "kind": "contacts", "columns": {"email": "email"}, **yaml.safe_load(extra)}
    with pytest.raises(MappingError, match=message):
        mapping_from(data, origin="m.yaml")


def test_the_report_file_lists_the_notice_of_an_inconsistent_column(tmp_path: Path) -> None:
    # given a column with both orders
    text = HEADER + "a@acme.fr,A,A,lead,24/11/2026\nb@acme.fr,B,B,lead,11/24/2026\n"
    path = _write(tmp_path / "c.csv", text)
    # when the command imports it with a report
    assert main(["import", "contacts", str(path), "--report", str(tmp_path / "r.csv")]) == 0
    # then the report's first line after its header is the notice
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert [line[:3] for line in lines] == [["row", "column", "severity"], ["", "", "notice"]]
    assert lines[1][3].startswith("The column 'created_at' holds dates written day first")
