"""Writing programs: create one with its first version, save a new version (the definition is
checked first; contacts in the program keep the steps they reached), activate, pause, resume."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from smarketing.core.errors import ConflictError, DomainError
from smarketing.mailing.choices import TemplateKind
from smarketing.mailing.models import EmailTemplate
from smarketing.nurturing.choices import ProgramStatus
from smarketing.nurturing.errors import NurturingErrorCode
from smarketing.nurturing.models import Program, ProgramVersion
from smarketing.nurturing.spec import ProgramSpec, spec_parse
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can


def _template_ok(name: str) -> bool:
    return EmailTemplate.objects.filter(name=name, kind=TemplateKind.MARKETING).exists()


def program_check(text: str, *, key: str = "") -> ProgramSpec:
    """Check a definition against the templates and programs that exist now."""
    others = set(Program.objects.exclude(key=key).values_list("key", flat=True))
    return spec_parse(text, template_ok=_template_ok, program_key=key, programs=others)


def program_create(*, actor: User | None, name: str, text: str, key: str = "") -> Program:
    """A new program (a draft) with its first version."""
    if actor is not None:
        ensure_can(actor, Capability.MANAGE_CONTENT)
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise DomainError(_("Name the program (at most 200 characters)."), field="name")
    key = key or slugify(name)[:50]
    if not key:
        raise DomainError(_("Give the program a key made of letters or digits."), field="key")
    program_check(text, key=key)
    try:
        with transaction.atomic():
            program = Program.objects.create(key=key, name=name)
            ProgramVersion.objects.create(program=program, number=1, text=text, created_by=actor)
    except IntegrityError as exc:
        raise ConflictError(
            _("Another program has the key “%(key)s”.") % {"key": key},
            code=NurturingErrorCode.PROGRAM_KEY_TAKEN,
            field="key",
        ) from exc
    return program


def program_version_save(*, actor: User | None, program: Program, text: str) -> ProgramVersion:
    """Save a new version of the definition; contacts in the program go on with it at the steps
    they have not reached yet (``runner``)."""
    if actor is not None:
        ensure_can(actor, Capability.MANAGE_CONTENT)
    program_check(text, key=program.key)
    with transaction.atomic():
        last = program.versions.aggregate(n=Max("number"))["n"] or 0
        return ProgramVersion.objects.create(
            program=program, number=last + 1, text=text, created_by=actor
        )


def program_status_set(*, actor: User | None, program: Program, status: str) -> Program:
    """Activate (checked again first), pause or resume a program."""
    if actor is not None:
        ensure_can(actor, Capability.MANAGE_CONTENT)
    if status not in ProgramStatus.values:
        raise DomainError(_("Choose draft, active or paused."), field="status")
    if status == ProgramStatus.ACTIVE:
        version = program.versions.order_by("-number").first()
        program_check(version.text if version else "", key=program.key)
    program.status = status
    program.save(update_fields=["status"])
    return program
