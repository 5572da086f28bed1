"""Amounts as exports write them: a currency code or sign before or after, thousands apart by
commas, dots, apostrophes or spaces; an unknown currency is a problem of its row."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Deal
from smarketing.imports.mappings import MappingError, mapping_from
from smarketing.imports.values import ValueProblem, amount_parse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("USD 1,200.50", "1200.50", "USD"),
        ("1 200 EUR", "1200.00", "EUR"),
        ("€1.234,56", "1234.56", "EUR"),
        ("1'234.50 CHF", "1234.50", "CHF"),
        ("CHF 1\u2019234.5", "1234.50", "CHF"),
        ("£12k", "12000.00", "GBP"),
        ("1\u00a0234,50\u00a0€", "1234.50", "EUR"),
        ("1\u202f234\u202f567 eur", "1234567.00", "EUR"),
        ("$22,700.00", "22700.00", "USD"),
        ("1.5M USD", "1500000.00", "USD"),
        ("342.09K", "342090.00", ""),
        ("12,5", "12.50", ""),
    ],
)
def test_the_forms_of_an_amount(text: str, amount: str, currency: str) -> None:
    # given an amount as exports write it; when read; then the amount and its currency
    assert amount_parse(text) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12 XYZ", "'12 XYZ': 'XYZ' is not a currency code (ISO 4217)"),
        ("EURO 12", "'EURO 12' is not an amount"),
        ("abc", "'abc' is not an amount"),
    ],
)
def test_an_amount_that_is_not_one_says_why(text: str, reason: str) -> None:
    # given a cell that is not an amount; when read; then the reason is given
    with pytest.raises(ValueProblem) as caught:
        amount_parse(text)
    assert str(caught.value) == reason


def test_the_mapping_currency_is_the_default_and_an_unknown_code_is_rejected(
    tmp_path: Path,
) -> None:
    # given a contact with an account, and deals in a file whose mapping says USD
    contacts = tmp_path / "c.csv"
    contacts.write_text(
        "email,first_name,last_name,lifecycle_stage\nanne@acme.fr,Anne,Martin,lead\n",
        encoding="utf-8",
    )
    assert main(["import", "contacts", str(contacts)]) == 0
    deals = tmp_path / "d.csv"
    deals.write_text(
        "Deal,Value,Email\n"
        "Plain,1 200,anne@acme.fr\n"  # no currency: the mapping's
        'In euros,"€1.234,56",anne@acme.fr\n'  # the cell's
        "Odd,12 XYZ,anne@acme.fr\n",  # not a currency: rejected
        encoding="utf-8",
    )
    spec = tmp_path / "m.yaml"
    spec.write_text(
        "name: m\nkind: deals\ncurrency: usd\n"
        "columns: {name: Deal, amount: Value, contact_email: Email}\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    # when they are imported
    code = main(["import", "deals", str(deals), "--mapping", str(spec), "--report", str(report)])
    # then the plain amount is in dollars, the euro one in euros, the odd one rejected
    assert code == 0
    assert sorted(Deal.objects.values_list("name", "amount", "currency")) == [
        ("In euros", Decimal("1234.56"), "EUR"),
        ("Plain", Decimal("1200.00"), "USD"),
    ]
    assert report.read_text(encoding="utf-8").splitlines() == [
        "row,column,severity,reason",
        "4,Value,rejected,'12 XYZ': 'XYZ' is not a currency code (ISO 4217)",
    ]


def test_a_mapping_currency_must_be_a_currency_code() -> None:
    # given a mapping whose currency is not an ISO 4217 code; when checked; then refused
    data = {
        "name": "m",
        "kind": "deals",
        "currency": "Euros",
        "columns": {"name": "n", "amount": "a"},
    }
    with pytest.raises(MappingError, match="currency is a currency code"):
        mapping_from(data, origin="m.yaml")
