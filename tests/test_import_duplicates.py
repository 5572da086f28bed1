"""One rule for duplicates in a whole file, whatever its batches, and the database's rules
checked on the rows before they are written: a duplicate, or a value the database would
refuse, is a problem at its row (even in a dry run), never an IntegrityError."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Account, Contact, ContactExternalId, Deal, DealExternalId
from smarketing.imports import contacts as contact_rows
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import Mapping, mapping_detect, mapping_from, mapping_named
from smarketing.imports.readers import table_open

pytestmark = pytest.mark.django_db
HUBSPOT = "Record ID,First Name,Last Name,Email,Lifecycle Stage\n"
DEALS = mapping_from(
    {
        "name": "crm-deals",
        "kind": "deals",
        "source": "crm",
        "columns": {
            "external_id": "Deal ID",
            "name": "Deal",
            "amount": "Amount",
            "currency": "Currency",
            "contact_email": "Email",
            "expected_close": "Close",
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
            "first_name": "First",
            "last_name": "Last",
            "company": "Company",
            "website": "Website",
            "created_at": "Created",
        },
    },
    origin="test",
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _run(path: Path, kind: str = "contacts", mapping: Mapping | None = None, **options):
    with table_open(path) as table:
        chosen = (
            mapping or mapping_detect(table.columns, kind) or mapping_named(f"smarketing-{kind}")
        )
        return import_run(table=table, mapping=chosen, **options)


def _problems(report) -> list[tuple[int, str, str, str]]:
    return [(p.row, p.column, p.severity, p.reason) for p in report.problems]


def _counts(report) -> tuple[int, int, int, int, int]:
    return report.rows, report.created, report.updated, report.unchanged, report.rejected


def test_a_record_id_repeated_with_another_email_is_a_duplicate_even_in_a_dry_run(
    tmp_path: Path, capsys
) -> None:
    # given a HubSpot export whose two rows share a Record ID, with two e-mails
    text = HUBSPOT + "11,Anne,Martin,anne@acme.fr,Lead\n11,Annie,Martin,annie@acme.fr,Lead\n"
    path = _write(tmp_path / "hubspot.csv", text)
    # when the command checks it with a dry run, then it ends normally and names the duplicate
    assert main(["import", "contacts", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2 rows in" in out
    assert "1 would be created, 0 updated, 1 unchanged, 0 rejected (1 warnings)" in out
    assert "  row 3, Record ID: same Record ID as row 2: skipped (warning)" in out
    # when it is checked with a dry run
    dry = _run(path, dry_run=True)
    # then the second row is a duplicate of the first, and nothing is written
    assert _problems(dry) == [(3, "Record ID", "warning", "same Record ID as row 2: skipped")]
    assert _counts(dry) == (2, 1, 0, 1, 0)
    assert not Contact.objects.exists()
    assert not ContactExternalId.objects.exists()
    # when it is imported, then the import does what the dry run said: the first row wins
    real = _run(path)
    assert (_problems(real), _counts(real)) == (_problems(dry), _counts(dry))
    assert list(ContactExternalId.objects.values_list("external_id", "contact__email")) == [
        ("11", "anne@acme.fr")
    ]
    assert Contact.objects.get().first_name == "Anne"


@pytest.mark.parametrize("batch_size", [2, 1000])
def test_duplicates_follow_one_rule_whatever_the_batches(tmp_path: Path, batch_size: int) -> None:
    # given e-mails and Record IDs repeated within two rows (one batch when the batch size is
    # 1000) or across batches (when it is 2: rows 2-3, 4-5, 6-7, 8)
    text = HUBSPOT + (
        "11,Anne,Martin,anne@acme.fr,Lead\n"
        "12,Paul,Durand,paul@acme.fr,Lead\n"
        "13,Annie,Martin,ANNE@acme.fr,Customer\n"  # the same e-mail as row 2, in capitals
        "14,Élodie,Marçal,E\u0301lodie@acme.fr,Lead\n"  # É as E + combining accent
        "15,Élo,Marçal,élodie@acme.fr,Lead\n"  # the same e-mail as row 5, once normalised
        "12,Pauline,Durand,pauline@acme.fr,Lead\n"  # the same Record ID as row 3
        "16,Zoé,Roy,zoe@acme.fr,Lead\n"
    )
    # when it is imported with that batch size
    report = _run(_write(tmp_path / "hubspot.csv", text), batch_size=batch_size)
    # then the first row with an e-mail or an id wins, the later ones are reported, not applied
    assert _problems(report) == [
        (4, "Email", "warning", "same e-mail as row 2: skipped"),
        (6, "Email", "warning", "same e-mail as row 5: skipped"),
        (7, "Record ID", "warning", "same Record ID as row 3: skipped"),
    ]
    assert _counts(report) == (7, 4, 0, 3, 0)
    anne = Contact.objects.get(email_normalized="anne@acme.fr")
    assert (anne.first_name, anne.lifecycle_stage) == ("Anne", "lead")
    assert Contact.objects.get(email_normalized="élodie@acme.fr").first_name == "Élodie"
    assert not Contact.objects.filter(email="pauline@acme.fr").exists()
    assert sorted(ContactExternalId.objects.values_list("external_id", "contact__email")) == [
        ("11", "anne@acme.fr"),
        ("12", "paul@acme.fr"),
        ("14", "E\u0301lodie@acme.fr"),
        ("16", "zoe@acme.fr"),
    ]


def test_two_rows_that_reach_one_known_contact_by_id_and_by_email_are_duplicates(
    tmp_path: Path,
) -> None:
    # given Anne imported with her Record ID 11
    _run(_write(tmp_path / "first.csv", HUBSPOT + "11,Anne,Martin,anne@acme.fr,Lead\n"))
    # when a file names her by that id (with another e-mail) in row 2, by her e-mail in row 3
    text = HUBSPOT + "11,Anne,Martin-Roy,anne.roy@acme.fr,Lead\n,Anna,Martin,anne@acme.fr,Lead\n"
    report = _run(_write(tmp_path / "second.csv", text), batch_size=1)
    # then row 3 is a duplicate of row 2, which updated her
    assert _problems(report) == [(3, "Email", "warning", "same contact as row 2: skipped")]
    assert _counts(report) == (2, 0, 1, 1, 0)
    assert Contact.objects.get().last_name == "Martin-Roy"


def test_deal_ids_repeated_in_a_file_keep_the_first_row_not_rejected(tmp_path: Path) -> None:
    # given Anne, a contact with an account
    _run(
        _write(
            tmp_path / "c.csv", "email,first_name,last_name,lifecycle_stage\na@acme.fr,A,B,lead\n"
        )
    )
    # and deals whose ids repeat, across batches of two rows
    text = (
        "Deal ID,Deal,Amount,Currency,Email,Close\n"
        "D1,Acme deal,100,EUR,a@acme.fr,\n"
        "D2,Ghost deal,100,EUR,ghost@acme.fr,\n"  # rejected: claims nothing
        "D1,Acme deal bis,200,EUR,a@acme.fr,\n"
        "D2,Found deal,300,EUR,a@acme.fr,\n"
    )
    # when they are imported
    report = _run(_write(tmp_path / "d.csv", text), "deals", DEALS, batch_size=2)
    # then each id's first row not rejected wins
    assert _problems(report) == [
        (
            3,
            "Email",
            "rejected",
            "no imported contact matches this deal: import the contacts first",
        ),
        (4, "Deal ID", "warning", "same Deal ID as row 2: skipped"),
    ]
    assert _counts(report) == (4, 2, 0, 1, 1)
    assert sorted(
        DealExternalId.objects.values_list("external_id", "deal__name", "deal__amount")
    ) == [
        ("D1", "Acme deal", Decimal("100.00")),
        ("D2", "Found deal", Decimal("300.00")),
    ]
    assert Deal.objects.count() == 2


def test_account_domains_and_names_repeated_in_a_file_keep_the_first_row(tmp_path: Path) -> None:
    # given accounts whose domain (or, without one, name) repeats, across batches of two rows
    text = (
        "name,domain,sector,size_band\n"
        "Acme,acme.fr,Industry,\n"
        "Beta,beta.fr,Retail,\n"
        "Acme SAS,https://www.ACME.fr/en,Banking,\n"  # the same domain as row 2
        "Gamma,,Retail,\n"
        "GAMMA,,Banking,\n"  # the same name as row 5, in another case
    )
    # when they are imported
    report = _run(_write(tmp_path / "a.csv", text), "accounts", batch_size=2)
    # then the first row of each wins
    assert _problems(report) == [
        (4, "domain", "warning", "same website domain as row 2: skipped"),
        (6, "name", "warning", "same name as row 5: skipped"),
    ]
    assert _counts(report) == (5, 3, 0, 2, 0)
    assert sorted(Account.objects.values_list("name", "domain", "sector")) == [
        ("Acme", "acme.fr", "Industry"),
        ("Beta", "beta.fr", "Retail"),
        ("Gamma", "", "Retail"),
    ]


def test_values_the_database_would_refuse_are_problems_at_their_rows(tmp_path: Path) -> None:
    # given rows whose keys are too long for their columns (an e-mail of 311 characters, one
    # of 245 whose normalised form has 309: ß folds to ss; an id of 201), a date out of range,
    # and text too long, which is cut
    long_email = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "fr"
    folding_email = "ß" * 64 + "@" + ("c" * 59 + ".") * 3 + "fr"
    domain = ("d" * 60 + ".") * 3 + "e" * 24 + ".fr"  # 210 characters
    assert (len(long_email), len(folding_email), len(domain)) == (311, 247, 210)
    text = (
        "Id,Email,First,Last,Company,Website,Created\n"
        f"1,{long_email},A,B,,,\n"
        f"2,{folding_email},A,B,,,\n"
        f"{'x' * 201},x@acme.fr,A,B,,,\n"
        f"4,long@acme.fr,{'F' * 150},B,,,\n"
        f"5,site@acme.fr,A,B,Longco,https://{domain}/,\n"
        "6,old@acme.fr,A,B,,,0001-01-01T00:00:00+14:00\n"
        f"7,fold@acme.fr,{'ß' * 100},{'ß' * 100},,,\n"
    )
    # when it is imported
    report = _run(_write(tmp_path / "c.csv", text), mapping=CONTACTS)
    # then each is a problem at its row, and the others are imported
    cannot_cut = "longer than 254 characters: an id or e-mail cannot be cut"
    assert _problems(report) == [
        (2, "Email", "rejected", cannot_cut),
        (3, "Email", "rejected", cannot_cut),
        (4, "Id", "rejected", "longer than 200 characters: an id or e-mail cannot be cut"),
        (5, "First", "warning", "longer than 100 characters: cut"),
        (6, "Website", "warning", "a website domain of more than 200 characters: not kept"),
        (
            7,
            "Created",
            "rejected",
            "'0001-01-01T00:00:00+14:00': a date from 1900 to 2199 is expected",
        ),
    ]
    assert _counts(report) == (7, 3, 0, 0, 4)
    assert Contact.objects.get(email="long@acme.fr").first_name == "F" * 100
    assert Contact.objects.get(email="site@acme.fr").account.name == "Longco"
    assert Account.objects.get(name="Longco").domain == ""
    assert Contact.objects.get(email="fold@acme.fr").search_name == "ss" * 100


def test_deal_values_the_database_would_refuse_are_problems_at_their_rows(tmp_path: Path) -> None:
    # given Anne, then deals with amounts that are no number or too large, a date out of range,
    # a name and a currency too long
    _run(
        _write(
            tmp_path / "c.csv", "email,first_name,last_name,lifecycle_stage\na@acme.fr,A,B,lead\n"
        )
    )
    text = (
        "Deal ID,Deal,Amount,Currency,Email,Close\n"
        "D1,Nan deal,NaN,EUR,a@acme.fr,\n"
        "D2,Huge deal,1e15,EUR,a@acme.fr,\n"
        "D3,Far deal,100,EUR,a@acme.fr,31/12/9999\n"
        f"D4,{'N' * 250},100,Euros,a@acme.fr,\n"
    )
    # when they are imported
    report = _run(_write(tmp_path / "d.csv", text), "deals", DEALS)
    # then the amounts and the date reject their rows, the long texts are cut
    assert _problems(report) == [
        (2, "Amount", "rejected", "'NaN' is not an amount"),
        (3, "Amount", "rejected", "'1e15': an amount has at most 12 digits before the point"),
        (4, "Close", "rejected", "'31/12/9999': a date from 1900 to 2199 is expected"),
        (5, "Deal", "warning", "longer than 200 characters: cut"),
        (5, "Currency", "warning", "longer than 3 characters: cut"),
    ]
    deal = Deal.objects.get()
    assert (deal.name, deal.currency) == ("N" * 200, "EUR")


def test_a_row_the_database_refuses_all_the_same_is_rejected_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch
) -> None:
    # given Anne is known, and the matching of rows to known contacts fails to find her, so
    # that her row would insert her e-mail a second time
    _run(
        _write(
            tmp_path / "c.csv", "email,first_name,last_name,lifecycle_stage\na@acme.fr,A,B,lead\n"
        )
    )
    monkeypatch.setattr(contact_rows, "_matches", lambda rows, source: {})
    text = "email,first_name,last_name,lifecycle_stage\nb@acme.fr,B,B,lead\na@acme.fr,A,B,lead\n"
    # when the file is imported
    report = _run(_write(tmp_path / "again.csv", text))
    # then her row is rejected, and the other row of the batch imported
    assert _problems(report) == [
        (3, "", "rejected", "the database refused this row (IntegrityError): row skipped")
    ]
    assert _counts(report) == (2, 1, 0, 0, 1)
    assert sorted(Contact.objects.values_list("email", flat=True)) == ["a@acme.fr", "b@acme.fr"]


def test_a_batch_the_database_refuses_row_by_row_stops_the_import(
    tmp_path: Path, monkeypatch
) -> None:
    # given every contact the import inserts is refused (a fault that is not in the rows)
    from django.db import IntegrityError

    def refuse(*args, **kwargs):
        raise IntegrityError("refused")

    monkeypatch.setattr(contact_rows, "rows_insert", refuse)
    text = "email,first_name,last_name,lifecycle_stage\na@acme.fr,A,B,lead\nb@acme.fr,B,B,lead\n"
    # when the file is imported, then the import stops with the database's error
    with pytest.raises(IntegrityError, match="refused"):
        _run(_write(tmp_path / "c.csv", text))
    assert not Contact.objects.exists()
