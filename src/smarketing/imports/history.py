"""Imported history in time order: each contact's stages and deals told as one story.

A contact's **marks** are what the files say happened to it, each with its date: the stage it
entered the record at, the dates it entered each stage (HubSpot's "Became a … Date", a
converted date…), its deals opened and closed. The story sorts them by date, whatever the row
order of the files, and walks them through the lifecycle table: a mark the table does not allow
from where the contact stands is not applied and is noted. The story is told again whenever a
file adds marks (:func:`contacts_retell`), so the deals file may come after the contacts file,
a deal may predate its contact, and importing the same files again changes nothing.

A won deal makes a contact a customer even if the record had it in nurturing or disqualified
(the lifecycle table's ``won_deal`` move, for deals only), and the contact is listed as a
**contradiction** in the report: the shared record never shows a company that paid as
disqualified, and never hides that the CRM said otherwise (ADR 0016).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import cast

from django.utils import timezone

from smarketing.contacts import lifecycle
from smarketing.contacts.choices import DealStatus, LifecycleStage
from smarketing.contacts.choices import TransitionSource as Source
from smarketing.contacts.models import Contact, Deal, StageTransition
from smarketing.contacts.services import HistoryStep, stage_history_bulk_write
from smarketing.contacts.services.retell import IMPORTED, imported_only, stage_history_retell
from smarketing.core.bulk import rows_update
from smarketing.imports import dates
from smarketing.imports.lookups import cell
from smarketing.imports.mappings import STAGE_DATES, Mapping
from smarketing.imports.report import ImportReport, Problem
from smarketing.imports.values import ValueProblem

S = LifecycleStage
# the order of marks on the same instant: along the funnel, then the exits
ORDER: dict[str, int] = {
    stage: index for index, stage in enumerate([*lifecycle.FORWARD, S.NURTURING, S.DISQUALIFIED])
}
ONWARD = {lifecycle.MoveKind.FORWARD, lifecycle.MoveKind.SKIP, lifecycle.MoveKind.WON_DEAL}
CHUNK = 1000  # contacts retold per query
# the table's answer for a pair of stages never changes (Move is frozen): asked once per pair
_rule_for = lru_cache(maxsize=None)(lifecycle.rule_for)


def date_cell(mapping: Mapping, target: str, text: str) -> datetime:
    """The time a date cell of ``target`` holds (raise ``ValueProblem``)."""
    return dates.parse(mapping, target, text)


@dataclass(frozen=True)
class Mark:
    """Something a file says happened to a contact: it entered ``stage`` at ``at``."""

    at: datetime
    stage: str
    reason: str
    source: str = Source.IMPORT
    entry: bool = False  # the stage the contact entered the record at
    won_deal: str = ""  # the won deal's name, for the contradiction report
    last: bool = False  # the file's current stage: after every dated mark of its instant
    onward_only: bool = False  # an undated stage of a later file: it only moves forward

    def key(self) -> tuple[datetime, bool, int, str]:
        return (self.at, self.last, ORDER[self.stage], self.reason)  # StrEnum keys


@dataclass
class Story:
    """The steps of one contact's history, and what could not be told."""

    steps: list[HistoryStep]
    notes: list[str]
    contradictions: list[str]


def story_tell(contact_id: int, marks: Iterable[Mark], *, forward_only: bool = False) -> Story:
    """The history ``marks`` make, in time order, as the lifecycle table allows it (only its
    forward moves and won deals when ``forward_only``: a file does not undo a decision made in
    Smarketing)."""
    ordered = sorted(set(marks), key=Mark.key)
    entries = [m for m in ordered if m.entry]
    if entries and ordered[0] is not entries[0]:
        # the contact existed at least since the first thing a file says about it
        first = entries[0]
        ordered.remove(first)
        ordered.insert(0, Mark(ordered[0].at, first.stage, first.reason, first.source, True))
    steps: list[HistoryStep] = []
    notes: list[str] = []
    contradictions: list[str] = []
    stage = ""
    by_deal = False  # whether a deal (lost) put the contact where it stands
    for mark in ordered:
        if mark.stage == stage:
            continue
        if not stage:
            steps.append(_step(contact_id, "", mark))
            stage, by_deal = mark.stage, mark.source == Source.DEAL
            continue
        move = _rule_for(stage, mark.stage)
        if (
            move is None
            or move.manager_only
            or (move.deal_only and not (mark.source == Source.DEAL and mark.won_deal))
            or ((forward_only or mark.onward_only) and move.kind not in ONWARD)
        ):
            if mark.onward_only:
                why = "only moves forward" if move is not None else "does not allow this move"
                notes.append(
                    f"the file says {mark.stage}, the contact is {stage}: an import {why}, "
                    "the stage stays"
                )
            else:
                notes.append(f"{mark.reason} on {mark.at:%Y-%m-%d}: the contact was {stage}")
            continue
        if move.deal_only and not by_deal:  # a lost deal, then a won one: no contradiction
            contradictions.append(
                f"recorded as {stage}, won the deal {mark.won_deal} on {mark.at:%Y-%m-%d}: "
                "now a customer"
            )
        steps.append(_step(contact_id, stage, mark))
        stage, by_deal = mark.stage, mark.source == Source.DEAL
    return Story(steps, notes, contradictions)


def _step(contact_id: int, from_stage: str, mark: Mark) -> HistoryStep:
    return HistoryStep(
        contact_id=contact_id,
        from_stage=from_stage,
        to_stage=mark.stage,
        at=mark.at,
        reason=mark.reason,
        source=mark.source,
        rule=IMPORTED if mark.source == Source.DEAL else "",
    )


def deal_marks(deal: Deal, number: int | None = None) -> list[Mark]:
    """The marks of one deal: opened (opportunity), then won (customer) or lost (nurturing)."""
    where = f" (row {number})" if number else ""
    marks = [Mark(deal.created_at, S.OPPORTUNITY, f"deal {deal.name}{where}", Source.DEAL)]
    if deal.closed_at is not None and deal.status == DealStatus.WON:
        marks.append(
            Mark(deal.closed_at, S.CUSTOMER, f"deal {deal.name} won", Source.DEAL, False, deal.name)
        )
    elif deal.closed_at is not None and deal.status == DealStatus.LOST:
        marks.append(Mark(deal.closed_at, S.NURTURING, f"deal {deal.name} lost", Source.DEAL))
    return marks


def contacts_retell(
    marks: dict[int, list[Mark]], report: ImportReport, rows: dict[int, int] | None = None
) -> None:
    """Tell again the history of each contact of ``marks`` (their new marks from a file), with
    the marks already in its history and those of all its deals; note in ``report`` what could
    not be told (at the contact's row in ``rows``, when known)."""
    ids = sorted(marks)
    for start in range(0, len(ids), CHUNK):
        _retell_chunk({i: marks[i] for i in ids[start : start + CHUNK]}, report, rows or {})


def _retell_chunk(new: dict[int, list[Mark]], report: ImportReport, rows: dict[int, int]) -> None:
    ids = list(new)
    history: dict[int, list[StageTransition]] = {i: [] for i in ids}
    for t in StageTransition.objects.filter(contact_id__in=ids).order_by("at", "id"):
        history[t.contact_id].append(t)
    lived = set(
        StageTransition.objects.filter(contact_id__in=ids)
        .exclude(imported_only())
        .values_list("contact_id", flat=True)
    )
    deals: dict[int, list[Mark]] = {i: [] for i in ids}
    for deal in Deal.objects.filter(contact_id__in=ids).only(
        "name", "created_at", "closed_at", "status", "contact_id"
    ):
        deals[cast(int, deal.contact_id)].extend(deal_marks(deal))
    retold: dict[int, list[HistoryStep]] = {}
    appended: list[HistoryStep] = []
    finals: dict[int, HistoryStep] = {}
    extended: list[HistoryStep] = []  # new steps after an imported history told the same
    moved: list[tuple[str, datetime, datetime, int]] = []
    now = timezone.now()
    for contact_id in ids:
        if contact_id in lived:
            steps = _append(contact_id, history[contact_id], new[contact_id], report, rows)
            appended.extend(steps)
            if steps:
                finals[contact_id] = steps[-1]
            continue
        kept = [_mark_of(t) for t in history[contact_id] if t.source == Source.IMPORT]
        story = story_tell(contact_id, [*kept, *new[contact_id], *deals[contact_id]])
        row = rows.get(contact_id, 0)
        for note in story.notes:
            report.add(Problem(row, "", f"not in the history: {note}", "warning"))
        for text in story.contradictions:
            report.contradictions += 1
            report.add(Problem(row, "", f"contradiction: {text}", "warning"))
        if _same(story.steps, history[contact_id]):
            continue
        if (after := _after(story.steps, history[contact_id])) is not None:
            extended.extend(after)  # the same story, longer: only its new steps are written
            moved.append((after[-1].to_stage, after[-1].at, now, contact_id))
            continue
        retold[contact_id] = story.steps
    report.history_rows += stage_history_retell(stories=retold)
    if extended:
        report.history_rows += stage_history_bulk_write(steps=extended)
        rows_update(Contact, ("lifecycle_stage", "stage_changed_at", "updated_at"), moved)
    if appended:
        report.history_rows += stage_history_bulk_write(steps=appended)
        for contact_id, step in finals.items():
            Contact.objects.filter(pk=contact_id).update(
                lifecycle_stage=step.to_stage, stage_changed_at=step.at
            )


def _mark_of(t: StageTransition) -> Mark:
    return Mark(t.at, t.to_stage, t.reason, Source.IMPORT, entry=not t.from_stage)


def _same(steps: list[HistoryStep], history: list[StageTransition]) -> bool:
    told = [(s.from_stage, s.to_stage, s.at, s.source, s.reason) for s in steps]
    kept = [(t.from_stage, t.to_stage, t.at, t.source, t.reason) for t in history]
    return told == kept


def _after(steps: list[HistoryStep], history: list[StageTransition]) -> list[HistoryStep] | None:
    """The steps after ``history`` when the story tells it unchanged and then goes on (a deal
    closed after the contact's last imported stage), else None: the story must be retold."""
    if not history or len(steps) <= len(history):
        return None
    return steps[len(history) :] if _same(steps[: len(history)], history) else None


def _append(
    contact_id: int,
    history: list[StageTransition],
    marks: list[Mark],
    report: ImportReport,
    rows: dict[int, int],
) -> list[HistoryStep]:
    """A contact with lived history: only the marks after its last row are added."""
    last = history[-1]
    done = {(t.to_stage, t.at) for t in history}
    later = [m for m in marks if m.at >= last.at and (m.stage, m.at) not in done]
    earlier = [m for m in marks if m.at < last.at and (m.stage, m.at) not in done]
    row = rows.get(contact_id, 0)
    for mark in earlier:
        report.add(
            Problem(
                row,
                "",
                f"not in the history: {mark.reason} on {mark.at:%Y-%m-%d} comes before what "
                "happened in Smarketing",
                "warning",
            )
        )
    start = Mark(last.at, last.to_stage, "", entry=True)
    story = story_tell(contact_id, [start, *later], forward_only=True)
    for note in story.notes:
        report.add(Problem(row, "", f"not in the history: {note}", "warning"))
    for text in story.contradictions:
        report.contradictions += 1
        report.add(Problem(row, "", f"contradiction: {text}", "warning"))
    return story.steps[1:]


def known_marks(marks: list[Mark], now: datetime) -> list[Mark]:
    """The marks of a row for a contact already in the record: its dated stages and the file's
    stage at their last date; without dated stages, the file's stage now, forward only (a
    newer export moves a contact on; the same file again changes nothing)."""
    dated = [m for m in marks if not m.entry and not m.last]
    current = [m for m in marks if m.last]
    if dated or not current:
        return [*dated, *current]
    return [replace(current[0], at=now, onward_only=True)]


def row_marks(
    raw: dict[str, str],
    mapping: Mapping,
    number: int,
    created_at: datetime,
    stage: str,
) -> list[Mark]:
    """The marks of one contact row: the stage it entered the record at (the earliest dated
    stage, else the file's stage) at its creation, each dated stage, then the file's stage
    (its current one) at the last date the row knows. Raise ``ValueProblem`` naming the
    column of a date that is not one."""
    where = f"{mapping.label}, row {number}"
    dated: list[Mark] = []
    for target in STAGE_DATES:
        text = cell(raw, mapping, target)
        if not text:
            continue
        try:
            when = date_cell(mapping, target, text)
        except ValueProblem as exc:
            raise ValueProblem(f"{mapping.columns.get(target, target)}: {exc}") from None
        stage_of = target.removesuffix("_at")
        dated.append(Mark(when, stage_of, f"{where} ({mapping.columns.get(target, target)})"))
    if not dated:
        marks = [Mark(created_at, stage, where, entry=True)]
    else:
        dated.sort(key=Mark.key)
        first = dated[0]
        marks = [Mark(min(created_at, first.at), first.stage, first.reason, entry=True)]
        marks.extend(dated[1:])
    if mapping.columns.get("stage"):
        last = max(m.at for m in marks)
        marks.append(Mark(last, stage, f"{where} (stage of the file)", last=True))
    return marks
