"""The raw baseline of `bench/import.py`: the driver alone writing the rows the import writes.

Reads the two files the way the import ends up with them (the first row of each valid e-mail
kept, an invalid e-mail kept without one, an account per company, five stage rows per contact
with their journal facts; a deal, its id and, for a closed deal, its move to customer or
nurturing with its fact and the contact's new stage) and writes those rows with `sqlite3`
`executemany` or psycopg `COPY` (an `executemany` for the contacts' stage), 1,000 file rows per
transaction as the import does, into a fresh migrated database (same tables, indexes and
connection settings). Ids are given explicitly, so nothing is read back. Only the driver's
calls and commits are timed (`driver`); `wall` also counts reading the file and making the rows.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from import_data import CONTACT_COLUMNS, CONTACTS_MAPPING, DEAL_COLUMNS, SOURCE, STAGES

BATCH = 1000  # engine.BATCH: file rows per transaction
LABEL = CONTACTS_MAPPING["label"]
TABLES: dict[str, tuple[str, ...]] = {
    "contacts_account": (
        "id",
        "name",
        "domain",
        "sector",
        "size_band",
        "country",
        "created_at",
        "updated_at",
    ),
    "contacts_contact": (
        "id",
        "email",
        "email_normalized",
        "first_name",
        "last_name",
        "search_name",
        "job_title",
        "phone",
        "account_id",
        "lifecycle_stage",
        "stage_changed_at",
        "source",
        "source_detail",
        "consent",
        "created_at",
        "updated_at",
    ),
    "contacts_contactexternalid": ("id", "contact_id", "source", "external_id"),
    "contacts_stagetransition": (
        "id",
        "contact_id",
        "from_stage",
        "to_stage",
        "at",
        "reason",
        "source",
        "rule",
        "is_skip",
    ),
    "journal_fact": (
        "id",
        "kind",
        "subject_kind",
        "subject_id",
        "contact_id",
        "source",
        "occurred_at",
        "recorded_at",
        "payload",
    ),
    "contacts_deal": (
        "id",
        "name",
        "amount",
        "currency",
        "pipeline_stage",
        "status",
        "lost_reason",
        "lost_detail",
        "closed_at",
        "created_at",
        "updated_at",
        "contact_id",
        "deal_type",
        "account_id",
    ),
    "contacts_dealexternalid": ("id", "deal_id", "source", "external_id"),
}
STAGE_UPDATE = (
    "UPDATE contacts_contact SET lifecycle_stage = {p}, stage_changed_at = {p}, "
    "updated_at = {p} WHERE id = {p}"
)


class Writer(ABC):
    """Times the driver's work; subclasses write rows with their driver."""

    def __init__(self) -> None:
        self.driver = 0.0
        self.rows = 0

    def time(self, value: datetime) -> Any:
        return value

    def batch(self, tables: dict[str, list[Sequence[Any]]], updates: list[Sequence[Any]]) -> None:
        started = time.perf_counter()
        self._batch(tables, updates)
        self.driver += time.perf_counter() - started
        self.rows += sum(len(rows) for rows in tables.values()) + len(updates)

    @abstractmethod
    def _batch(self, tables: dict[str, list[Sequence[Any]]], updates: list[Sequence[Any]]) -> None:
        """Write one batch of rows with the driver, in one transaction."""

    def finish(self) -> None:  # noqa: B027 - most drivers have nothing to do after a file
        """After a file (timed): SQLite folds its WAL back, as the import does."""

    @abstractmethod
    def close(self) -> None:
        """Close the driver's connection."""


class SqliteWriter(Writer):
    def __init__(self, path: str, init: str) -> None:
        super().__init__()
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript(init)
        self.sql = {
            name: f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            for name, cols in TABLES.items()
        }

    def time(self, value: datetime) -> Any:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")  # Django's storage

    def _batch(self, tables: dict[str, list[Sequence[Any]]], updates: list[Sequence[Any]]) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        for name, rows in tables.items():
            if rows:
                self.db.executemany(self.sql[name], rows)
        if updates:
            self.db.executemany(STAGE_UPDATE.format(p="?"), updates)
        self.db.execute("COMMIT")

    def finish(self) -> None:
        started = time.perf_counter()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.driver += time.perf_counter() - started

    def close(self) -> None:
        self.db.close()


class PostgresWriter(Writer):
    def __init__(self, url: str) -> None:
        import psycopg

        super().__init__()
        self.db = psycopg.connect(url)
        self.copy = {
            name: f"COPY {name} ({', '.join(cols)}) FROM STDIN" for name, cols in TABLES.items()
        }

    def _batch(self, tables: dict[str, list[Sequence[Any]]], updates: list[Sequence[Any]]) -> None:
        with self.db.transaction(), self.db.cursor() as cursor:
            for name, rows in tables.items():
                if rows:
                    with cursor.copy(self.copy[name]) as copy:
                        for row in rows:
                            copy.write_row(row)
            if updates:
                cursor.executemany(STAGE_UPDATE.format(p="%s"), updates)

    def close(self) -> None:
        with self.db.cursor() as cursor:  # the sequences after the explicit ids
            for name in TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                )
        self.db.commit()
        self.db.close()


def _chunks(path: Path) -> Iterator[list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        while chunk := list(islice(reader, BATCH)):
            yield chunk


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Baseline:
    """The rows of both files, written by ``writer``; ids counted here."""

    def __init__(self, writer: Writer) -> None:
        self.w = writer
        self.ids = dict.fromkeys(TABLES, 0)
        self.seen: set[str] = set()
        self.accounts: dict[int, int] = {}  # company number: account id
        self.known: dict[str, tuple[int, int]] = {}  # external id: (contact, account)
        self.now = writer.time(datetime.now(UTC))

    def _id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def _stage(self, out: dict[str, list[Sequence[Any]]], contact: int, step: tuple) -> None:
        """One stage row and its facts: step = (from, to, at, reason, source, rule)."""
        from_stage, to_stage, at, reason, source, rule = step
        out["contacts_stagetransition"].append(
            (self._id("contacts_stagetransition"), contact, *step[:4], source, rule, False)
        )
        payload = {"from_stage": from_stage, "to_stage": to_stage, "reason": reason, "rule": rule}
        facts = [("stage_changed", json.dumps(payload))]
        if to_stage == "mql":
            facts.append(("mql_reached", json.dumps({"from_stage": from_stage, "rule": rule})))
        for kind, text in facts:
            fact = (kind, "contact", contact, contact, source, at, self.now, text)
            out["journal_fact"].append((self._id("journal_fact"), *fact))

    def contacts(self, path: Path) -> None:
        c = CONTACT_COLUMNS
        time_of = self.w.time
        number = 1
        for chunk in _chunks(path):
            out: dict[str, list[Sequence[Any]]] = {name: [] for name in TABLES}
            rows = []
            for raw in chunk:
                number += 1
                email = raw[c["email"]].strip()
                key = email.lower() if "@" in email else ""
                if key and key in self.seen:
                    continue  # the import skips a repeated e-mail
                self.seen.add(key)
                rows.append((number, raw, email if key else "", key or None))
            domains: dict[int, str] = {}
            for _, raw, email, _ in rows:
                company = int(raw[c["company"]].rpartition(" ")[2])
                if company not in self.accounts:
                    domains[company] = domains.get(company) or email.rpartition("@")[2]
            for company, domain in domains.items():
                self.accounts[company] = pk = self._id("contacts_account")
                name = f"Company {company}"
                out["contacts_account"].append((pk, name, domain, "", "", "", self.now, self.now))
            for row_number, raw, email, key in rows:
                pk = self._id("contacts_contact")
                account = self.accounts[int(raw[c["company"]].rpartition(" ")[2])]
                days = [_day(raw[c[f"{stage}_at"]]) for stage in STAGES]
                first, last = raw[c["first_name"]], raw[c["last_name"]]
                out["contacts_contact"].append(
                    (
                        pk,
                        email,
                        key,
                        first,
                        last,
                        f"{first} {last}".lower(),
                        raw[c["job_title"]],
                        "",
                        account,
                        "opportunity",
                        time_of(days[-1]),
                        "import",
                        LABEL,
                        "unknown",
                        time_of(_day(raw[c["created_at"]])),
                        self.now,
                    )
                )
                external = raw[c["external_id"]]
                out["contacts_contactexternalid"].append(
                    (self._id("contacts_contactexternalid"), pk, SOURCE, external)
                )
                self.known[external] = (pk, account)
                before = ""
                for stage, day in zip(STAGES, days, strict=True):
                    reason = f"{LABEL}, row {row_number} ({c[f'{stage}_at']})"
                    self._stage(out, pk, (before, stage, time_of(day), reason, "import", ""))
                    before = stage
            self.w.batch(out, [])
        self.w.finish()

    def deals(self, path: Path) -> None:
        d = DEAL_COLUMNS
        time_of = self.w.time
        for chunk in _chunks(path):
            out: dict[str, list[Sequence[Any]]] = {name: [] for name in TABLES}
            updates = []
            for raw in chunk:
                contact, account = self.known[raw[d["contact_external_id"]]]
                stage, name = raw[d["stage"]], raw[d["name"]]
                status = {"closed_won": "won", "closed_lost": "lost"}.get(stage, "open")
                closed = time_of(_day(raw[d["closed_at"]])) if status != "open" else None
                pk = self._id("contacts_deal")
                out["contacts_deal"].append(
                    (
                        pk,
                        name,
                        raw[d["amount"]],
                        "EUR",
                        stage,
                        status,
                        "other" if status == "lost" else "",
                        "",
                        closed,
                        time_of(_day(raw[d["created_at"]])),
                        self.now,
                        contact,
                        "new",
                        account,
                    )
                )
                out["contacts_dealexternalid"].append(
                    (self._id("contacts_dealexternalid"), pk, SOURCE, raw[d["external_id"]])
                )
                if status != "open":
                    to_stage = "customer" if status == "won" else "nurturing"
                    reason = f"deal {name} {status}"
                    step = ("opportunity", to_stage, closed, reason, "deal", "import")
                    self._stage(out, contact, step)
                    updates.append((to_stage, closed, self.now, contact))
            self.w.batch(out, updates)
        self.w.finish()


def raw_run(kind: str, target: str, init: str, contacts: Path, deals: Path) -> dict[str, Any]:
    """Write both files' rows raw into the migrated database ``target``; the timings."""
    writer: Writer = SqliteWriter(target, init) if kind == "sqlite" else PostgresWriter(target)
    baseline = Baseline(writer)
    result: dict[str, Any] = {}
    for name, path, step in (
        ("contacts", contacts, baseline.contacts),
        ("deals", deals, baseline.deals),
    ):
        writer.driver, writer.rows = 0.0, 0
        started = time.perf_counter()
        step(path)
        result[name] = {
            "driver": writer.driver,
            "wall": time.perf_counter() - started,
            "db_rows": writer.rows,
        }
    writer.close()
    return result
