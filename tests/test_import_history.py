"""Imported history is told in time order, whatever the row order of the files: dated stages,
deals that predate their contact, won deals of recycled contacts, contacts without e-mail;
importing the same files again changes nothing (issue 17, item 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from smarketing.contacts.models import Contact, Deal, StageTransition
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import mapping_from
from smarketing.imports.readers import table_open
from smarketing.journal.models import Fact

pytestmark = pytest.mark.django_db
DATED = mapping_from(
    {
        "name": "dated-contacts",
        "kind": "contacts",
        "source": "crm",
        "columns": {
            "external_id": "Id",
            "email": "Email",
            "created_at": "Created",
            "lead_at": "Lead date",
            "mql_at": "MQL date",
            "sql_at": "SQL date",
            "customer_at": "Customer date",
            "stage": "Stage",
        },
    },
    origin="test",
)
CONTACTS = mapping_from(
    {
        "name": "crm-contacts",
        "kind": "contacts",
        "source": "crm",
        "columns": {
            "external_id": "Id",
            "email": "Email",
            "company": "Company",
            "created_at": "Created",
            "stage": "Stage",
        },
    },
    origin="test",
)
DEALS = mapping_from(
    {
        "name": "crm-deals",
        "kind": "deals",
        "source": "crm",
        "columns": {
            "external_id": "Deal ID",
            "name": "Deal",
            "amount": "Amount",
            "contact_external_id": "Contact",
            "stage": "Stage",
            "created_at": "Created",
            "closed_at": "Closed",
        },
    },
    origin="test",
)


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _run(tmp_path: Path, name: str, text: str, mapping):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with table_open(path) as table:
        return import_run(table=table, mapping=mapping)


def _history(contact: Contact) -> list[tuple[str, str, datetime]]:
    return list(
        contact.stage_transitions.order_by("at", "id").values_list("from_stage", "to_stage", "at")
    )


def test_dated_stages_are_written_in_time_order_whatever_the_row_order(tmp_path) -> None:
    # given three contacts, in no particular order; the third has no e-mail and its SQL date
    # comes before its MQL date (an export that was edited by hand)
    text = (
        "Id,Email,Created,Lead date,MQL date,SQL date,Customer date,Stage\n"
        "3,,2024-02-02,2024-02-02,2024-03-05,2024-02-20,,sql\n"
        "1,a@x.fr,2024-01-10,2024-01-10,2024-02-01,2024-03-01,,sql\n"
        "2,b@x.fr,2024-05-01,,2024-04-20,,2024-06-01,customer\n"
    )
    # when
    report = _run(tmp_path, "contacts.csv", text, DATED)
    # then
    assert (report.created, report.rejected) == (3, 0)
    first = Contact.objects.get(email="a@x.fr")
    assert _history(first) == [
        ("", "lead", _day("2024-01-10")),
        ("lead", "mql", _day("2024-02-01")),
        ("mql", "sql", _day("2024-03-01")),
    ]
    assert (first.lifecycle_stage, first.stage_changed_at) == ("sql", _day("2024-03-01"))
    # entered the record as MQL before its creation date: the entry is at the earlier date
    second = Contact.objects.get(email="b@x.fr")
    assert _history(second) == [
        ("", "mql", _day("2024-04-20")),
        ("mql", "customer", _day("2024-06-01")),
    ]
    third = Contact.objects.get(external_ids__external_id="3")
    assert (third.email, third.email_normalized) == ("", None)
    assert _history(third) == [
        ("", "lead", _day("2024-02-02")),
        ("lead", "sql", _day("2024-02-20")),
    ]
    assert [(p.row, p.severity, p.reason) for p in report.problems] == [
        (
            2,
            "warning",
            "not in the history: dated-contacts, row 2 (MQL date) on 2024-03-05: "
            "the contact was sql",
        )
    ]
    # the same file again changes nothing
    rows = StageTransition.objects.count()
    again = _run(tmp_path, "contacts.csv", text, DATED)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert StageTransition.objects.count() == rows == 7


CONTACT_ROWS = (
    "Id,Email,Company,Created,Stage\n"
    "c1,c1@acme.fr,Acme,2024-03-01,lead\n"
    "c2,c2@beta.fr,Beta,2024-01-01,nurturing\n"
)
DEAL_ROWS = [
    "d1,Acme renewal,1000,c1,closed_lost,2024-02-01,2024-04-01",
    "d2,Acme second try,2500,c1,closed_won,2024-05-01,2024-06-01",
    "d3,Beta,900,c2,closed_won,2024-02-01,2024-02-15",
]


@pytest.mark.parametrize("order", [1, -1], ids=["file-order", "reversed"])
def test_deals_tell_each_contact_story_by_date_whatever_the_row_order(tmp_path, order) -> None:
    # given the contacts, then their deals; c1's first deal predates c1's creation in the CRM,
    # was lost, and a later one was won; c2 was recorded as nurturing and won a deal
    _run(tmp_path, "contacts.csv", CONTACT_ROWS, CONTACTS)
    deals = "Deal ID,Deal,Amount,Contact,Stage,Created,Closed\n"
    deals += "\n".join(DEAL_ROWS[::order]) + "\n"
    # when
    report = _run(tmp_path, "deals.csv", deals, DEALS)
    # then
    assert (report.created, report.rejected) == (3, 0)
    c1, c2 = Contact.objects.get(email="c1@acme.fr"), Contact.objects.get(email="c2@beta.fr")
    assert _history(c1) == [
        ("", "lead", _day("2024-02-01")),
        ("lead", "opportunity", _day("2024-02-01")),
        ("opportunity", "nurturing", _day("2024-04-01")),
        ("nurturing", "customer", _day("2024-06-01")),
    ]
    assert _history(c2) == [
        ("", "nurturing", _day("2024-01-01")),
        ("nurturing", "customer", _day("2024-02-15")),
    ]
    assert (c1.lifecycle_stage, c2.lifecycle_stage) == ("customer", "customer")
    # c2's stage came from the file: a paying company recorded as nurturing is reported
    assert report.contradictions == 1
    said = sorted(p.reason for p in report.problems)
    assert said == [
        "contradiction: recorded as nurturing, won the deal Beta on 2024-02-15: now a customer",
        "not in the history: deal Acme second try on 2024-05-01: the contact was nurturing",
        "not in the history: deal Beta on 2024-02-01: the contact was nurturing",
    ]
    closed = dict(Deal.objects.values_list("name", "closed_at"))
    assert closed == {
        "Acme renewal": _day("2024-04-01"),
        "Acme second try": _day("2024-06-01"),
        "Beta": _day("2024-02-15"),
    }
    # the journal holds the stage facts of the history as told, not of an earlier telling
    told = Fact.objects.filter(kind="stage_changed", contact_id=c1.pk).count()
    assert told == 4
    # importing both files again changes nothing
    rows = list(StageTransition.objects.order_by("id").values_list("id", flat=True))
    facts = Fact.objects.count()
    assert _run(tmp_path, "contacts.csv", CONTACT_ROWS, CONTACTS).updated == 0
    again = _run(tmp_path, "deals.csv", deals, DEALS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(StageTransition.objects.order_by("id").values_list("id", flat=True)) == rows
    assert Fact.objects.count() == facts


def test_a_newer_export_moves_a_contact_forward_only(tmp_path) -> None:
    # given a contact imported as a lead, then moved on by a later export
    _run(
        tmp_path, "a.csv", "Id,Email,Company,Created,Stage\nk,k@k.fr,K,2024-01-01,lead\n", CONTACTS
    )
    _run(tmp_path, "b.csv", "Id,Email,Company,Created,Stage\nk,k@k.fr,K,2024-01-01,mql\n", CONTACTS)
    contact = Contact.objects.get(email="k@k.fr")
    assert [step[:2] for step in _history(contact)] == [("", "lead"), ("lead", "mql")]
    # when an older export says lead again
    report = _run(
        tmp_path, "c.csv", "Id,Email,Company,Created,Stage\nk,k@k.fr,K,2024-01-01,lead\n", CONTACTS
    )
    # then the stage stays, with a warning
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "mql"
    assert [p.reason for p in report.problems] == [
        "not in the history: the file says lead, the contact is mql: an import does not allow "
        "this move, the stage stays"
    ]
