"""Writing the new contacts of an import batch: the rows, then their history told in time
order (:mod:`smarketing.imports.history`), each new contact's id read back."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from smarketing.contacts.choices import ConsentState
from smarketing.contacts.models import Contact
from smarketing.contacts.services import HistoryStep, stage_history_bulk_write
from smarketing.contacts.services.contacts import ROW_COLUMNS
from smarketing.core.bulk import rows_insert
from smarketing.core.text import email_normalize, search_key
from smarketing.imports.fit import max_length
from smarketing.imports.history import story_tell
from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem

if TYPE_CHECKING:
    from smarketing.imports.contacts import Row

NEW_COLUMNS = ROW_COLUMNS
SEARCH = max_length(Contact, "search_name")


def name_key(first: str, last: str) -> str:
    """The search key of a name, cut to its column (case folding can lengthen a name)."""
    return search_key(f"{first} {last}")[:SEARCH].rstrip()


def email_key(email: str) -> str:
    return email_normalize(email) if email else ""


def contacts_insert(
    rows: list[Row], mapping: Mapping, report: ImportReport, now: datetime
) -> list[tuple[Row, int]]:
    """Insert the new contacts of ``rows`` with their history told in time order; return each
    row with its contact's id."""
    stories = []
    fresh = []
    for row in rows:
        story = story_tell(0, row.marks)
        for note in story.notes:
            report.add(Problem(row.number, "", f"not in the history: {note}", "warning"))
        last = story.steps[-1]
        values = row.values
        fresh.append(
            (
                row.email,
                email_key(row.email) or None,
                values["first_name"],
                values["last_name"],
                name_key(values["first_name"], values["last_name"]),
                values["job_title"],
                values["phone"],
                values["account_id"],
                values["owner_id"],
                last.to_stage,
                last.at,
                values["source"],
                values["source_detail"],
                values["consent"] or ConsentState.UNKNOWN,
                now if values["consent"] else None,
                row.created_at,
                now,
            )
        )
        stories.append(story)
    with_email = [f for f in fresh if f[1]]
    rows_insert(Contact, NEW_COLUMNS, with_email)
    ids = dict(
        Contact.objects.filter(email_normalized__in=[f[1] for f in with_email]).values_list(
            "email_normalized", "id"
        )
    )
    without = [
        Contact(**dict(zip(NEW_COLUMNS, f, strict=True))) for f in fresh if not f[1]
    ]  # no e-mail to find them by: their ids come back from the insert
    made = iter(Contact.objects.bulk_create(without))
    created = []
    steps: list[HistoryStep] = []
    for row, f, story in zip(rows, fresh, stories, strict=True):
        pk = ids[f[1]] if f[1] else next(made).pk
        created.append((row, pk))
        steps.extend(  # the steps with their contact, built directly: ``replace`` costs more
            HistoryStep(
                contact_id=pk,
                from_stage=step.from_stage,
                to_stage=step.to_stage,
                at=step.at,
                actor_id=step.actor_id,
                actor_is_manager=step.actor_is_manager,
                reason=step.reason,
                source=step.source,
                rule=step.rule,
            )
            for step in story.steps
        )
    report.history_rows += stage_history_bulk_write(steps=steps)
    return created
