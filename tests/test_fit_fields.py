"""The fit fields are declared once (``core.fitfields``): every reader handles each of them.

The agreement's vocabulary, the fields whose change is judged again, the typed profiles, the
event consumer's read and the rescore's SQL derive from the declaration or are checked against
it here; an agreement with a criterion on every declared field grades a few hand-made contacts
the same in Python, in the consumer and in a real rescore; and a change of each judged field
through the shared record's write paths records a profile change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.utils import timezone

from smarketing.agreement import schema
from smarketing.agreement.choices import FIT_FIELD_MATCH, FitField
from smarketing.agreement.models import AgreementVersion
from smarketing.contacts.judged import ACCOUNT_FIELDS_JUDGED, CONTACT_FIELDS_JUDGED
from smarketing.contacts.models import Account, Contact, ProfileChange
from smarketing.contacts.services import account_create, contact_create, contact_update
from smarketing.core.fitfields import (
    EXCLUSION_FIELDS,
    FIT_FIELD_NAMES,
    FIT_FIELDS,
    Match,
    Source,
)
from smarketing.scoring.batch import WHO_COLUMNS, Who, contacts_scored
from smarketing.scoring.fit import PROFILE_FIELDS, Profile, fit_evaluate
from smarketing.scoring.models import ContactScore
from smarketing.scoring.prepared import scorer_for
from smarketing.scoring.rescore import rescore_run, rescore_start
from smarketing.scoring.services import scoring_consume
from smarketing.tracking.services import EventIn, events_append
from tests.admin_forms import admin_errors, admin_post
from tests.factories import agreement_signed

MODELS: dict[Source, type[models.Model]] = {Source.CONTACT: Contact, Source.ACCOUNT: Account}
ALIASES = {Source.CONTACT: "c", Source.ACCOUNT: "a"}
PRICING = {"path": "/pricing"}

# a criterion on every declared fit field (grades: A ≥ 80, B ≥ 60, C ≥ 40)
AGREEMENT = """\
name: Every fit field
fit:
  grades: {A: 80, B: 60, C: 40}
  personas:
    - key: buyer
      name: Finance buyer
      criteria:
        - {field: job_title, contains_any: [financ, cfo], weight: 30}
        - {field: sector, in: [Software, Fintech], weight: 15}
        - {field: size_band, in: ["51-200", "201-1000"], weight: 20}
        - {field: country, in: [FR, BE], weight: 10}
        - {field: annual_revenue, min: 1000000, max: 50000000, weight: 25}
    - key: founder
      name: Founder of a small company
      criteria:
        - {field: job_title, contains_any: [fondat], weight: 50}
        - {field: annual_revenue, max: 500000, weight: 40}
engagement:
  half_life_days: 30
  rules:
    - key: pricing
      event: page_view
      where: {path: /pricing}
      points: 15
      cap: {count: 3, per_days: 30}
mql:
  min_fit: B
  min_engagement: 40
"""


@dataclass(frozen=True)
class Someone:
    """A contact by its fit field values (an account when it has an account field), and its
    fit worked out by hand: persona, grade, points, criteria met."""

    email: str
    values: dict[str, Any]
    fit: tuple[str, str, int, str]


PEOPLE = [
    # buyer: financ ✔ 30 (accents folded), software ✔ 15 (case folded), 51-200 ✔ 20, FR ✔ 10,
    # 1,000,000 ✔ 25 (the minimum counts) = 100 → A; founder: ✘ ✘ (above 500,000) = 0
    Someone(
        "anne@acme.example",
        {
            "job_title": "Directrice Financière",
            "sector": "software",
            "size_band": "51-200",
            "country": "fr",
            "annual_revenue": Decimal("1000000.00"),
        },
        ("buyer", "A", 100, "11111"),
    ),
    # buyer: cfo ✔ 30, retail ✘, 5000+ ✘, DE ✘, 50,000,000.01 ✘ (above the maximum) = 30 → D
    Someone(
        "bruno@big.example",
        {
            "job_title": "CFO",
            "sector": "Retail",
            "size_band": "5000+",
            "country": "DE",
            "annual_revenue": Decimal("50000000.01"),
        },
        ("buyer", "D", 30, "10000"),
    ),
    # buyer: ✘, fintech ✔ 15, 1-10 ✘, BE ✔ 10, 499,999.99 ✘ = 25;
    # founder: fondat ✔ 50, 499,999.99 ≤ 500,000 ✔ 40 = 90 → A
    Someone(
        "chloe@start.example",
        {
            "job_title": "Fondatrice",
            "sector": "Fintech",
            "size_band": "1-10",
            "country": "BE",
            "annual_revenue": Decimal("499999.99"),
        },
        ("founder", "A", 90, "11"),
    ),
    # buyer: financ ✔ 30, software ✔ 15, 201-1000 ✔ 20, BE ✔ 10, no revenue ✘ = 75 → B
    Someone(
        "eve@mid.example",
        {
            "job_title": "Head of Finance",
            "sector": "Software",
            "size_band": "201-1000",
            "country": "BE",
            "annual_revenue": None,
        },
        ("buyer", "B", 75, "11110"),
    ),
    # no account: nothing met by either persona (no revenue meets no range) → the first, D
    Someone("dan@solo.example", {"job_title": "Comptable"}, ("buyer", "D", 0, "00000")),
]


def test_the_agreement_vocabulary_is_the_declaration() -> None:
    assert tuple(FitField.values) == FIT_FIELD_NAMES
    assert [str(FitField(f.name).label) for f in FIT_FIELDS] == [str(f.label) for f in FIT_FIELDS]
    assert {str(name): match for name, match in FIT_FIELD_MATCH.items()} == {
        f.name: f.match for f in FIT_FIELDS
    }
    assert {f.name: f.match for f in FIT_FIELDS} == schema.FIT_FIELDS


def test_each_fit_field_is_a_column_of_its_table() -> None:
    for field in FIT_FIELDS:
        column = MODELS[field.source]._meta.get_field(field.name)
        assert isinstance(column, models.Field), field.name
        assert column.column == field.name, field.name  # the SQL names the column
        if field.match is Match.RANGE:
            assert isinstance(column, models.DecimalField | models.IntegerField), field.name
        else:
            assert isinstance(column, models.CharField), field.name
            # a contact's text is read as is (the consumer and the SQL), never NULL
            assert field.source is Source.ACCOUNT or not column.null, field.name


def test_the_profiles_carry_every_fit_field_in_order() -> None:
    assert PROFILE_FIELDS == FIT_FIELD_NAMES
    assert tuple(f.name for f in dataclasses.fields(Profile)) == FIT_FIELD_NAMES
    assert set(FIT_FIELD_NAMES) <= set(Who._fields)
    # the consumer reads each from its table, in ``Who``'s order
    read = dict(zip(Who._fields, WHO_COLUMNS.split(", "), strict=True))
    for field in FIT_FIELDS:
        assert read[field.name] == f"{ALIASES[field.source]}.{field.name}", field.name


def test_the_judged_fields_are_the_fit_fields_and_what_exclusions_read() -> None:
    judged = {Source.CONTACT: CONTACT_FIELDS_JUDGED, Source.ACCOUNT: ACCOUNT_FIELDS_JUDGED}
    for source, names in judged.items():
        fit = {f.name for f in FIT_FIELDS if f.source is source}
        assert fit | set(EXCLUSION_FIELDS[source]) <= names, source
    # and a contact's company: every account field changes with it
    assert "account" in CONTACT_FIELDS_JUDGED


def _people_make() -> list[Contact]:
    contacts = []
    for number, person in enumerate(PEOPLE):
        by_source: dict[Source, dict[str, Any]] = {Source.CONTACT: {}, Source.ACCOUNT: {}}
        for field in FIT_FIELDS:
            if field.name in person.values:
                by_source[field.source][field.name] = person.values[field.name]
        account = None
        if by_source[Source.ACCOUNT]:
            account = account_create(
                actor=None, name=f"Company {number}", **by_source[Source.ACCOUNT]
            )
        contacts.append(
            contact_create(
                actor=None, email=person.email, account=account, **by_source[Source.CONTACT]
            )
        )
    return contacts


def _profile(contact: Contact) -> Profile:
    """The contact's profile read through the ORM (defaults without an account)."""
    rows = {Source.CONTACT: contact, Source.ACCOUNT: contact.account}
    values = {}
    for field in FIT_FIELDS:
        row = rows[field.source]
        if row is not None:
            values[field.name] = getattr(row, field.name)
    return Profile(**values)


def _fits(version: AgreementVersion) -> dict[str, tuple[str, str, int, str]]:
    scores = ContactScore.objects.filter(version=version).select_related("contact")
    return {s.contact.email: (s.persona, s.fit_grade, s.fit_points, s.fit_marks) for s in scores}


@pytest.mark.django_db
def test_python_the_consumer_and_the_rescore_grade_every_fit_field_alike(make_user) -> None:
    # given an agreement with a criterion on every declared field, and contacts with values
    # for each (the same fit fields as the declaration: adding one fails here first)
    version = agreement_signed(
        AGREEMENT, make_user("marketing_manager"), make_user("sales_manager")
    )
    personas = version.agreement.fit.personas
    assert {c.field for p in personas for c in p.criteria} == set(FIT_FIELD_NAMES)
    assert set().union(*(p.values for p in PEOPLE)) == set(FIT_FIELD_NAMES)
    contacts = _people_make()
    expected = {person.email: person.fit for person in PEOPLE}
    # when fit is computed in Python from the ORM's values
    python = {}
    for contact in contacts:
        fit = fit_evaluate(_profile(contact), version.agreement.fit)
        python[contact.email] = (fit.persona, fit.grade, fit.points, fit.marks)
    # and by the consumer's read and judge
    scorer = scorer_for(version.agreement)
    read = contacts_scored([c.pk for c in contacts], version_id=version.pk)
    consumer_read = {}
    for scored in read.values():
        fit, _ = scorer.judge(scored.who)
        consumer_read[scored.who.email] = (fit.persona, fit.grade, fit.points, fit.marks)
    # and by the consumer itself, one pricing view each an hour ago
    hour_ago = timezone.now() - timedelta(hours=1)
    events_append(
        events=[
            EventIn(type="page_view", occurred_at=hour_ago, contact_id=c.pk, properties=PRICING)
            for c in contacts
        ],
        source="test",
    )
    assert scoring_consume() == len(contacts)
    consumed = _fits(version)
    # and by a full rescore in SQL
    rescore_run(rescore_start(version=version))
    rescored = _fits(version)
    # then all four are the fits worked out by hand
    assert python == expected
    assert consumer_read == expected
    assert consumed == expected
    assert rescored == expected


def _another(field: models.Field, current: Any) -> Any:
    """A valid value of ``field`` other than ``current``."""
    if field.choices:
        return next(value for value, _ in field.choices if value != current)
    if isinstance(field, models.DecimalField | models.IntegerField):
        return (current or 0) + 1
    if isinstance(field, models.CharField):
        return ("x" + current)[: field.max_length]
    raise AssertionError(f"no other value of {field.name} known here")


def _recorded() -> list[list[int]]:
    return [change.contact_ids for change in ProfileChange.objects.order_by("id")]


@pytest.mark.django_db
def test_a_change_of_each_judged_contact_field_is_recorded() -> None:
    # given a contact of an account
    account = account_create(actor=None, name="Acme", domain="acme.example", country="FR")
    anne = contact_create(actor=None, email="anne@acme.example", job_title="CFO", account=account)
    for number, name in enumerate(sorted(CONTACT_FIELDS_JUDGED), start=1):
        field = Contact._meta.get_field(name)
        if field.is_relation:
            value: Any = account_create(actor=None, name=f"Other {number}")
        else:
            value = _another(field, getattr(anne, name))
        # when the field changes through the service
        contact_update(actor=None, contact=anne, **{name: value})
        # then a change of Anne's profile is recorded
        assert _recorded() == [[anne.pk]] * number, name
    # and a field nobody judges records nothing
    contact_update(actor=None, contact=anne, first_name="Anne")
    assert len(_recorded()) == len(CONTACT_FIELDS_JUDGED)


@pytest.mark.django_db
def test_a_change_of_each_judged_account_field_is_recorded(users_by_role) -> None:
    # given two contacts of an account with a value in each field, and an admin
    account = account_create(
        actor=None,
        name="Acme",
        domain="acme.example",
        sector="Software",
        size_band="51-200",
        country="FR",
        annual_revenue=Decimal("1000000.00"),
    )
    anne = contact_create(actor=None, email="anne@acme.example", account=account)
    bob = contact_create(actor=None, email="bob@acme.example", account=account)
    client = Client()
    client.force_login(users_by_role["admin"])
    url = f"/admin/contacts/account/{account.pk}/change/"
    for number, name in enumerate(sorted(ACCOUNT_FIELDS_JUDGED), start=1):
        account.refresh_from_db()
        value = _another(Account._meta.get_field(name), getattr(account, name))
        # when the field changes in the admin
        response = admin_post(client, url, **{name: str(value)})
        assert response.status_code == 302, admin_errors(response)
        # then a change of both contacts' profiles is recorded
        assert _recorded() == [sorted([anne.pk, bob.pk])] * number, name
    # and a field nobody judges records nothing
    response = admin_post(client, url, name="Acme Group")
    assert response.status_code == 302, admin_errors(response)
    assert len(_recorded()) == len(ACCOUNT_FIELDS_JUDGED)
