"""Random rows through the whole contact import and the deal import (duplicates, empty cells,
unicode, huge cells, text where numbers and dates go, repeated ids): the import never raises;
the default mode stores every row it accepts, all-or-nothing stores them all or none, and a
dry run writes nothing."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smarketing.contacts.models import (
    Account,
    Contact,
    ContactExternalId,
    Deal,
    DealExternalId,
    StageTransition,
)
from smarketing.core.text import email_normalize
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import Mapping, mapping_from
from smarketing.imports.readers import table_open

pytestmark = pytest.mark.django_db
CONTACT_COLUMNS = {
    "external_id": "Id",
    "email": "Email",
    "first_name": "First",
    "last_name": "Last",
    "full_name": "Full",
    "job_title": "Title",
    "phone": "Phone",
    "company": "Company",
    "website": "Website",
    "sector": "Sector",
    "country": "Country",
    "owner": "Owner",
    "source": "Source",
    "source_detail": "Detail",
    "stage": "Stage",
    "consent": "Consent",
    "created_at": "Created",
}
DEAL_COLUMNS = {
    "external_id": "Deal ID",
    "name": "Deal",
    "contact_email": "Email",
    "contact_external_id": "Contact ID",
    "owner": "Owner",
    "amount": "Amount",
    "currency": "Currency",
    "stage": "Stage",
    "expected_close": "Close",
    "created_at": "Created",
    "lost_reason": "Lost",
}


def _mapping(kind: str, columns: dict[str, str]) -> Mapping:
    data = {"name": f"fuzz-{kind}", "kind": kind, "source": "fuzz", "columns": columns}
    return mapping_from(data, origin="test")


CONTACTS, DEALS = _mapping("contacts", CONTACT_COLUMNS), _mapping("deals", DEAL_COLUMNS)
HUGE = "A" * 1_000_001
LONG_EMAIL = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "fr"  # 311 characters
FOLDING_EMAIL = "ß" * 64 + "@" + ("c" * 59 + ".") * 3 + "fr"  # 311 once ß folds to ss
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
ODD = st.sampled_from(
    [
        "",
        " ",
        "'=1+1",
        '"',
        ",;\t",
        "\r\n",
        "ß" * 150,
        "x" * 260,
        "NaN",
        "inf",
        "1e15",
        "-3",
        "0001-01-01T00:00:00+14:00",
        "31/12/9999",
        "bad",
        LONG_EMAIL,
        FOLDING_EMAIL,
        "https://" + "d" * 250 + ".fr",
    ]
)
BAD = st.one_of(ODD, TEXT)  # what a corrupted cell holds
IDS = st.sampled_from(["", "1", "2", "3", " 3 "])
EMAILS = st.sampled_from(
    [
        "anne@acme.fr",
        "ANNE@acme.fr",
        " anne@acme.fr ",
        "E\u0301lodie@acme.fr",
        "élodie@acme.fr",
        "paul@gmail.com",
        "zoe@beta.fr",
    ]
)
DATES = st.sampled_from(["", "2026-11-24", "24/11/2026 10:00", "1 Mar 2026"])
OWNERS = st.sampled_from(["", "Sam Sales", "sam", "nobody"])
GOOD_CONTACT = {
    **dict.fromkeys(CONTACT_COLUMNS.values(), TEXT),
    "Id": IDS,
    "Email": EMAILS,
    "Website": st.sampled_from(["", "https://www.acme.fr/x", "beta.fr", "gmail.com"]),
    "Country": st.sampled_from(["", "FR", "fr", "France"]),
    "Owner": OWNERS,
    "Source": st.sampled_from(["", "import", "web", "bogus"]),
    "Stage": st.sampled_from(["", "lead", "mql", "Customer", "alien"]),
    "Consent": st.sampled_from(["", "granted", "opted_out", "maybe"]),
    "Created": DATES,
}
GOOD_DEAL = {
    "Deal ID": IDS,
    "Deal": st.sampled_from(["Acme deal", "Big deal", "Ünïcode déal"]),
    "Email": EMAILS,
    "Contact ID": IDS,
    "Owner": OWNERS,
    "Amount": st.sampled_from(["", "100", "12 500,50 €", "$22,700.00", "342.09K"]),
    "Currency": st.sampled_from(["", "EUR", "usd", "Euros"]),
    "Stage": st.sampled_from(["", "discovery", "proposal", "closed_won", "closed_lost"]),
    "Close": DATES,
    "Created": DATES,
    "Lost": st.sampled_from(["", "price", "other", "bogus"]),
}


def _rows(good: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[list[dict[str, str]]]:
    """Rows of good values with up to two cells corrupted; about one in forty gets a cell of
    over a megabyte."""

    @st.composite
    def row(draw: st.DrawFn) -> dict[str, str]:
        cells = draw(st.fixed_dictionaries(good))
        for column in draw(st.sets(st.sampled_from(sorted(good)), max_size=2)):
            cells[column] = draw(BAD)
        if draw(st.integers(0, 39)) == 0:
            cells[draw(st.sampled_from(sorted(good)))] = HUGE
        return cells

    return st.lists(row(), max_size=10)


CONTACT_ROWS, DEAL_ROWS = _rows(GOOD_CONTACT), _rows(GOOD_DEAL)


def _file(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(columns)
        out.writerows([row[c] for c in columns] for row in rows)
    return path


def _state() -> list[list[tuple[Any, ...]]]:
    """Everything an import writes, as it is now."""
    return [
        list(model.objects.order_by("pk").values_list())
        for model in (Contact, ContactExternalId, Account, Deal, DealExternalId, StageTransition)
    ]


def _import(path: Path, mapping: Mapping, **options: Any):
    with table_open(path) as table:
        report = import_run(table=table, mapping=mapping, **options)
    assert report.created + report.updated + report.unchanged + report.rejected == report.rows
    assert not any("database refused" in p.reason for p in report.problems)
    return report


def _blank(row: dict[str, str]) -> bool:
    """Whether the row has blank cells only (the reader passes over it)."""
    return not any(cell.strip() for cell in row.values())


def _accepted(report, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows the import kept: neither blank, rejected nor skipped as duplicates."""
    refused = {p.row for p in report.problems if p.severity == "rejected"}
    refused |= {p.row for p in report.problems if p.reason.endswith(": skipped")}
    return [
        {**row, "_row": str(number)}
        for number, row in enumerate(rows, start=2)
        if number not in refused and not _blank(row)
    ]


def _cell(text: str) -> str:
    """A cell as the import reads it: trimmed, without an export's apostrophe before = + - @."""
    text = text.strip()
    return text[1:] if text[:1] == "'" and text[1:2] in {"=", "+", "-", "@"} else text


def _distinct(keys: list[str]) -> bool:
    present = [key for key in keys if key]
    return len(present) == len(set(present))


def _contacts_stored(rows: list[dict[str, str]]) -> None:
    # the first row with an e-mail or an id wins: no two rows kept share one
    assert _distinct([email_normalize(row["Email"]) for row in rows])
    assert _distinct([_cell(row["Id"]) for row in rows])
    for row in rows:
        external = _cell(row["Id"])
        if external:
            assert ContactExternalId.objects.filter(source="fuzz", external_id=external).exists()
        else:
            normalized = email_normalize(row["Email"])
            assert Contact.objects.filter(email_normalized=normalized).exists()


def _deals_stored(rows: list[dict[str, str]]) -> None:
    assert _distinct([_cell(row["Deal ID"]) for row in rows])
    for row in rows:
        external = _cell(row["Deal ID"])
        if external:
            assert DealExternalId.objects.filter(source="fuzz", external_id=external).exists()
        else:
            # a deal without a name is named after the mapping and its row
            name = _cell(row["Deal"])[:200] or f"{DEALS.label}, row {row['_row']}"
            assert Deal.objects.filter(name=name).exists()


def _check(path: Path, mapping: Mapping, rows: list[dict[str, str]], batch: int, stored) -> None:
    """A dry run, then all-or-nothing, then (if it refused) the default mode."""
    before = _state()
    dry = _import(path, mapping, dry_run=True, batch_size=batch)
    assert dry.rows == sum(1 for row in rows if not _blank(row))
    assert _state() == before
    whole = _import(path, mapping, all_or_nothing=True, batch_size=batch)
    assert (whole.created, whole.rejected) == (dry.created, dry.rejected)
    if whole.rejected:
        assert whole.aborted
        assert _state() == before
        report = _import(path, mapping, batch_size=batch)
        assert (report.created, report.rejected) == (dry.created, dry.rejected)
    else:
        report = whole
    stored(_accepted(report, rows))


@pytest.fixture
def owner(make_user):
    """A user the rows may name as owner (made once, before the examples)."""
    return make_user("sales_rep", first_name="Sam", last_name="Sales", username="sam")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(contacts=CONTACT_ROWS, deals=DEAL_ROWS, batch=st.sampled_from([1, 3, 1000]))
def test_random_rows_never_break_the_contact_and_deal_imports(
    owner,
    caplog,
    tmp_path: Path,
    contacts: list[dict[str, str]],
    deals: list[dict[str, str]],
    batch: int,
) -> None:
    # given random contact rows, then deal rows that may name them, in batches of 1, 3 or 1000
    savepoint = transaction.savepoint()
    try:
        # when each file is checked, imported all or nothing, and imported (if that refused)
        # then no import raises, and each mode does what it says
        path = _file(tmp_path / "contacts.csv", list(CONTACT_COLUMNS.values()), contacts)
        _check(path, CONTACTS, contacts, batch, _contacts_stored)
        path = _file(tmp_path / "deals.csv", list(DEAL_COLUMNS.values()), deals)
        _check(path, DEALS, deals, batch, _deals_stored)
    finally:
        transaction.savepoint_rollback(savepoint)
    # and the database never refused a batch: every rule was checked before writing
    assert [r.getMessage() for r in caplog.records if r.name == "smarketing.imports"] == []
