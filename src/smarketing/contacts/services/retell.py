"""Imported history told again, in time order, when a later file adds to it.

A contact's history is never edited once it holds something that happened in Smarketing. Until
then, every row of it came from files (its entry, its dated stages, the moves of its imported
deals), and a later file — the deals after the contacts, a deal that predates its contact, a
re-import with more dates — may retell the whole story in time order: its rows are replaced
by the new telling, and the journal's stage facts of the old telling are withdrawn with them
(see ADR 0016). Replacing is done in one transaction per batch of contacts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from smarketing.contacts.choices import TransitionSource
from smarketing.contacts.models import Contact, StageTransition
from smarketing.contacts.services.stages import HistoryStep, stage_history_bulk_write
from smarketing.journal.choices import FactKind, FactSource
from smarketing.journal.models import Fact

IMPORTED = "import"  # the ``rule`` of a deal's move written by an import


def imported_only() -> Q:
    """Transitions written by imports: the file's own rows, and the moves of imported deals."""
    return Q(source=TransitionSource.IMPORT) | Q(source=TransitionSource.DEAL, rule=IMPORTED)


def stage_history_retell(*, stories: dict[int, list[HistoryStep]]) -> int:
    """Replace the history of each contact in ``stories`` (whose every row was imported) by its
    new steps, in time order; set its stage to the last one. Return the rows written.

    Contacts whose history holds a lived row are refused (``ValueError``): the caller appends
    to them instead."""
    ids = list(stories)
    if not ids:
        return 0
    lived = (
        StageTransition.objects.filter(contact_id__in=ids)
        .exclude(imported_only())
        .values_list("contact_id", flat=True)
        .first()
    )
    if lived is not None:
        raise ValueError(f"contact {lived} has lived history: it cannot be retold")
    now = timezone.now()
    with transaction.atomic():
        StageTransition.objects.filter(contact_id__in=ids).delete()
        Fact.objects.filter(
            contact_id__in=ids,
            kind__in=[FactKind.STAGE_CHANGED, FactKind.MQL_REACHED],
            source__in=[FactSource.IMPORT, FactSource.DEAL],
        ).delete()
        written = stage_history_bulk_write(steps=_ordered(stories.values()))
        contacts = []
        for contact_id, steps in stories.items():
            if steps:
                last = steps[-1]
                contacts.append(
                    Contact(
                        pk=contact_id,
                        lifecycle_stage=last.to_stage,
                        stage_changed_at=last.at,
                        updated_at=now,
                    )
                )
        Contact.objects.bulk_update(
            contacts, ["lifecycle_stage", "stage_changed_at", "updated_at"], batch_size=500
        )
    return written


def _ordered(stories: Iterable[list[HistoryStep]]) -> Iterable[HistoryStep]:
    for steps in stories:
        yield from steps
