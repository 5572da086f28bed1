"""Entering a nurturing program: who may, and how (by a reject reason, by hand, from another
program). A contact out of target (the agreement's exclusions), disqualified, opted out or on
the suppression list is never enrolled, whatever asked for it; nor one already in the program,
nor one that left it less than its ``reentry_days`` ago (never again without them)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smarketing.agreement.selectors import active_version
from smarketing.contacts.choices import ConsentState, LifecycleStage
from smarketing.contacts.models import Contact
from smarketing.core.errors import DomainError
from smarketing.mailing.consent import suppression_of
from smarketing.nurturing.choices import EnrolmentStatus, ProgramStatus
from smarketing.nurturing.errors import NurturingErrorCode
from smarketing.nurturing.models import Enrolment, EnrolmentStep, Program, ProgramVersion, Recycle
from smarketing.nurturing.spec import ProgramSpec, spec_parse
from smarketing.scoring.qualification import Exclusions
from smarketing.users.roles import Capability, ensure_can

ENROL_WITHIN = timedelta(days=7)
TAKEN = (LifecycleStage.MQL, LifecycleStage.SAL, LifecycleStage.SQL, LifecycleStage.OPPORTUNITY)


def version_spec(version: ProgramVersion) -> ProgramSpec:
    """The checked definition of a saved version (it was checked when saved)."""
    return spec_parse(version.text)


def latest_version(program: Program) -> ProgramVersion:
    """The version new contacts enter."""
    return program.versions.order_by("-number").first()  # type: ignore[return-value]


def held_out(program_id: int, contact_id: int, percent: int) -> bool:
    """Whether the contact falls in the program's control group: a stable draw per (program,
    contact), so entering again lands in the same group."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{program_id}:{contact_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def refusal(program: Program, spec: ProgramSpec, contact: Contact, now: datetime) -> str:
    """Why ``contact`` may not enter ``program`` now ("" when it may)."""
    if program.status != ProgramStatus.ACTIVE:
        return _("the program is not active")
    if contact.lifecycle_stage in (LifecycleStage.DISQUALIFIED, LifecycleStage.CUSTOMER, *TAKEN):
        return _("the contact is at stage %(stage)s") % {
            "stage": contact.get_lifecycle_stage_display()
        }
    if contact.consent == ConsentState.WITHDRAWN:
        return _("the contact opted out")
    if not contact.email or suppression_of(contact.email) is not None:
        return _("the contact's address cannot be written to (none, or suppressed)")
    version = active_version()
    if version is not None:
        account = contact.account
        reason = Exclusions(version.agreement.exclusions).reason_of(
            email=contact.email,
            job_title=contact.job_title,
            account_domain=account.domain if account else "",
            country=account.country if account else "",
            opted_out=False,
        )
        if reason:
            return _("the contact is out of target (%(reason)s)") % {"reason": reason}
    before = Enrolment.objects.filter(program=program, contact=contact).order_by("-entered_at")
    last = before.first()
    if last is not None and last.status == EnrolmentStatus.ACTIVE:
        return _("the contact is already in the program")
    if last is not None and (
        spec.reentry_days is None
        or (last.left_at and now - last.left_at < timedelta(days=spec.reentry_days))
    ):
        return _("the contact went through the program and may not enter again yet")
    return ""


def enrol(
    *,
    program: Program,
    contact: Contact,
    source: str,
    now: datetime | None = None,
    recycle: Recycle | None = None,
) -> Enrolment | None:
    """Enter ``contact`` at the program's first step, due now; None when it may not."""
    when = now or timezone.now()
    version = latest_version(program)
    spec = version_spec(version)
    if refusal(program, spec, contact, when):
        return None
    held = held_out(program.pk, contact.pk, spec.holdout_percent)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                program=program,
                version=version,
                contact=contact,
                source=source,
                recycle=recycle,
                status=EnrolmentStatus.HOLDOUT if held else EnrolmentStatus.ACTIVE,
                step="" if held else spec.steps[0].key,
                due_at=None if held else when,
                entered_at=when,
                left_at=when if held else None,
                outcome="held out" if held else "",
            )
            outcome = "held out" if held else "entered"
            EnrolmentStep.objects.create(enrolment=enrolment, step="", outcome=outcome, at=when)
    except IntegrityError:
        return None  # entered meanwhile by another path
    return enrolment


def program_enrol_by_hand(*, actor, program: Program, contact: Contact) -> Enrolment:  # type: ignore[no-untyped-def]
    """A person enters a contact; refused with the reason when it may not."""
    ensure_can(actor, Capability.MANAGE_CONTENT)
    when = timezone.now()
    reason = refusal(program, version_spec(latest_version(program)), contact, when)
    enrolment = (
        None if reason else enrol(program=program, contact=contact, source="manual", now=when)
    )
    if enrolment is None:
        raise DomainError(
            _("%(contact)s cannot enter %(program)s: %(reason)s.")
            % {"contact": contact, "program": program, "reason": reason or _("try again")},
            code=NurturingErrorCode.NOT_ENROLLABLE,
            field="contact",
        )
    return enrolment


def enrol_recycled(recycles: list[Recycle], now: datetime | None = None) -> int:
    """Enter each recycled lead in the active programs that take its reject reason — recycles
    of the last :data:`ENROL_WITHIN` only: reading old history again enrols nobody."""
    when = now or timezone.now()
    coded = [r for r in recycles if r.reason_code and r.at >= when - ENROL_WITHIN]
    if not coded:
        return 0
    programs = []
    for program in Program.objects.filter(status=ProgramStatus.ACTIVE):
        spec = version_spec(latest_version(program))
        if spec.reasons:
            programs.append((program, set(spec.reasons)))
    entered = 0
    contacts = Contact.objects.select_related("account").in_bulk([r.contact_id for r in coded])
    for recycle in coded:
        for program, reasons in programs:
            contact = contacts.get(recycle.contact_id)
            if contact is not None and recycle.reason_code in reasons:
                entered += (
                    enrol(
                        program=program,
                        contact=contact,
                        source="disposition",
                        now=min(when, recycle.at),
                        recycle=recycle,
                    )
                    is not None
                )
    return entered
