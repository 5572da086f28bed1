"""The event consumer's reads: a batch of events, and what scoring needs of the contacts they
touch, as plain values in one query each (no model instances, no per-contact query).

JSON columns are returned as text: the event properties are decoded only when a rule tests
them, and a score's counted times with orjson. Times are seconds since the epoch, computed from the
stored value exactly as ``datetime.timestamp()`` computes them from the ORM's datetimes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Model

from smarketing.contacts.models import Account, Contact
from smarketing.core.bulk import value_converter
from smarketing.core.fitfields import FIT_FIELDS, Source, fit_field
from smarketing.scoring.sql_fit import ALIASES

EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - SQLite stores naive UTC text


class EventRow(NamedTuple):
    """An event read as plain values: ``when`` in seconds, ``properties`` as JSON text."""

    pk: int
    contact_id: int | None
    type: str
    when: float
    properties: Any


class Who(NamedTuple):
    """What scoring needs of a contact and its account (read as plain values): each declared
    fit field (``core.fitfields.FIT_FIELDS``) under its name, an account's None without one,
    and what the exclusions and the lifecycle read."""

    id: int
    email: str
    job_title: str
    consent: str
    stage: str
    sector: str | None
    size_band: str | None
    country: str | None
    annual_revenue: Decimal | None
    domain: str | None

    @property
    def revenue(self) -> Decimal | None:
        """The account's annual revenue (``annual_revenue``)."""
        return self.annual_revenue


class HotValues(NamedTuple):
    """The columns of a score's state row (``ScoreState``) that a fold writes."""

    value: float
    at: float
    since: float
    caps: str
    fast: int
    grade: str
    verdict: int


HOT_FIELDS = HotValues._fields  # the written columns, in the order of ``HotValues``


class Hot(NamedTuple):
    """A score's state row (``ScoreState``) as the consumer reads it."""

    pk: int
    value: float
    at: float
    since: float
    caps: str
    fast: int
    grade: str
    verdict: int
    contact_id: int

    def values(self) -> HotValues:
        """The written columns of the row as stored."""
        return HotValues(
            self.value, self.at, self.since, self.caps, self.fast, self.grade, self.verdict
        )


class ScoreRef(NamedTuple):
    """A score row of a contact: its id and whether it qualifies."""

    id: int
    qualifies: bool


_MODELS: dict[Source, type[Model]] = {Source.CONTACT: Contact, Source.ACCOUNT: Account}
# the columns of ``Who``'s fields other than the fit fields
_WHO_OTHERS = {
    "id": "c.id",
    "email": "c.email",
    "consent": "c.consent",
    "stage": "c.lifecycle_stage",
    "domain": "a.domain",
}


def _who_column(name: str) -> str:
    if name in _WHO_OTHERS:
        return _WHO_OTHERS[name]
    field = fit_field(name)
    return f"{ALIASES[field.source]}.{field.name}"


# the columns read into ``Who``, in its order: the fit fields where ``FIT_FIELDS`` says
WHO_COLUMNS = ", ".join(_who_column(name) for name in Who._fields)


class Scored(NamedTuple):
    """A contact's facts and its stored score under one version (``score_id`` None: none)."""

    who: Who
    score_id: int | None
    qualified: bool  # as the score row says (False without one)
    hot: Hot | None


def seconds(value: Any) -> float:
    """Seconds since the epoch of a stored time: a ``datetime`` (PostgreSQL) or SQLite's naive
    UTC text, as ``timestamp()`` of the aware value gives them."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return (value - EPOCH).total_seconds()
    return float(value.timestamp())


def _occurred_at() -> str:
    # SQLite: the text itself (the column's declared type would have it parsed by Django's
    # slower converter); PostgreSQL: psycopg's datetime
    return "CAST(occurred_at AS TEXT)" if connection.vendor == "sqlite" else "occurred_at"


def _ids(values: Iterable[int]) -> str:
    return ", ".join(str(int(value)) for value in values)


def events_after(after: int, *, up_to: int | None = None, limit: int) -> list[EventRow]:
    """The next events by id after ``after`` (up to ``up_to``), at most ``limit``."""
    bound = "" if up_to is None else f" AND id <= {int(up_to)}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, contact_id, type, {_occurred_at()}, properties FROM tracking_event "  # noqa: S608 - ints only
            f"WHERE id > %s{bound} ORDER BY id LIMIT %s",
            [int(after), int(limit)],
        )
        rows = cursor.fetchall()
    return [
        EventRow(pk, contact, kind, seconds(at), props) for pk, contact, kind, at, props in rows
    ]


def histories(contact_ids: Iterable[int], *, up_to: int) -> dict[int, list[EventRow]]:
    """Every event of these contacts up to event ``up_to``, by contact, in id order."""
    ids = _ids(contact_ids)
    out: dict[int, list[EventRow]] = {}
    if not ids:
        return out
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, contact_id, type, {_occurred_at()}, properties FROM tracking_event "  # noqa: S608 - ints only
            f"WHERE contact_id IN ({ids}) AND id <= %s ORDER BY id",
            [int(up_to)],
        )
        for pk, contact, kind, at, props in cursor.fetchall():
            out.setdefault(contact, []).append(EventRow(pk, contact, kind, seconds(at), props))
    return out


# the columns read into ``Hot``, in its order (its ``pk`` is the row's ``id``)
HOT_COLUMNS = ", ".join("id" if name == "pk" else name for name in Hot._fields)


def hot_rows(contact_ids: Iterable[int], *, version_id: int) -> dict[int, Hot]:
    """The state rows of these contacts under ``version_id``, by contact (one query)."""
    ids = _ids(contact_ids)
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {HOT_COLUMNS} FROM scoring_scorestate "  # noqa: S608 - ints only
            f"WHERE version_id = %s AND contact_id IN ({ids})",
            [int(version_id)],
        )
        rows = cursor.fetchall()
    make = Hot._make
    return {hot.contact_id: hot for hot in map(make, rows)}


def score_ids(contact_ids: Iterable[int], *, version_id: int) -> dict[int, ScoreRef]:
    """The score rows of these contacts under ``version_id``, by contact."""
    ids = _ids(contact_ids)
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_id, id, qualifies FROM scoring_contactscore "  # noqa: S608 - ints only
            f"WHERE version_id = %s AND contact_id IN ({ids})",
            [int(version_id)],
        )
        return {contact_id: ScoreRef(pk, bool(met)) for contact_id, pk, met in cursor.fetchall()}


def _converters() -> list[tuple[int, Callable[[Any], Any], dict[Any, Any]]]:
    """For each fit field the ORM converts when read (a decimal stored as a float by SQLite):
    its index in ``Who``, the conversion, and a memo (converted once per distinct value)."""
    out = []
    for field in FIT_FIELDS:
        convert = value_converter(_MODELS[field.source], field.name)
        if convert is not None:
            out.append((Who._fields.index(field.name), convert, {None: None}))
    return out


def contacts_scored(contact_ids: Iterable[int], *, version_id: int) -> dict[int, Scored]:
    """The scoring facts of these contacts and their score under ``version_id``.

    Three queries by key: joining the scores in the first made PostgreSQL hash the whole score
    table and spill it to disk.
    """
    ids = _ids(contact_ids)
    if not ids:
        return {}
    converters = _converters()
    scores = score_ids(contact_ids, version_id=version_id)
    hot = hot_rows(contact_ids, version_id=version_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {WHO_COLUMNS} "  # noqa: S608 - ints only
            "FROM contacts_contact c LEFT JOIN contacts_account a ON a.id = c.account_id "
            f"WHERE c.id IN ({ids})"
        )
        rows = cursor.fetchall()
    out = {}
    for row in rows:
        if converters:
            values = list(row)
            for index, convert, memo in converters:
                raw = values[index]
                if raw in memo:
                    values[index] = memo[raw]
                else:
                    values[index] = memo[raw] = convert(raw)
            row = values
        who = Who._make(row)
        score = scores.get(who.id)
        out[who.id] = Scored(
            who,
            score.id if score else None,
            score.qualifies if score else False,
            hot.get(who.id),
        )
    return out
