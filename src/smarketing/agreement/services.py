"""Writes on the agreement: draft, approve (one per side), activate (exactly one active)."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from smarketing.agreement.errors import AgreementErrorCode
from smarketing.agreement.models import AgreementApproval, AgreementVersion, Side, VersionStatus
from smarketing.agreement.validation import agreement_parse
from smarketing.core.errors import CommonErrorCode, ConflictError, DomainError
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can, user_can


def agreement_draft_create(*, actor: User, text: str) -> AgreementVersion:
    """Check a YAML agreement and save it as the next draft version."""
    ensure_can(actor, Capability.DRAFT_AGREEMENT)
    document = agreement_parse(text)
    with transaction.atomic():
        last = AgreementVersion.objects.aggregate(last=models.Max("number"))["last"] or 0
        return AgreementVersion.objects.create(
            number=last + 1, name=document["name"], text=text, document=document, created_by=actor
        )


def agreement_draft_update(
    *, actor: User, version: AgreementVersion, text: str
) -> AgreementVersion:
    """Replace the text of a draft nobody has approved yet."""
    ensure_can(actor, Capability.DRAFT_AGREEMENT)
    document = agreement_parse(text)
    with transaction.atomic():
        changed = AgreementVersion.objects.filter(
            pk=version.pk, status=VersionStatus.DRAFT, approvals__isnull=True
        ).update(text=text, document=document, name=document["name"])
    if not changed:
        raise ConflictError(
            "Only a draft without approvals can change: draft a new version.",
            code=AgreementErrorCode.AGREEMENT_NOT_EDITABLE,
        )
    version.refresh_from_db()
    return version


def _side_of(actor: User) -> str:
    if user_can(actor, Capability.APPROVE_AGREEMENT_MARKETING):
        return Side.MARKETING
    if user_can(actor, Capability.APPROVE_AGREEMENT_SALES):
        return Side.SALES
    raise DomainError(
        "Only a marketing manager or a sales manager approves the agreement.",
        code=CommonErrorCode.PERMISSION_DENIED,
    )


def agreement_approve(*, actor: User, version: AgreementVersion) -> AgreementApproval:
    """Record the approval of the actor's side; with both sides, the version is approved."""
    side = _side_of(actor)
    if version.status != VersionStatus.DRAFT:
        raise ConflictError(
            f"Version {version.number} is {version.status}: only drafts are approved.",
            code=AgreementErrorCode.AGREEMENT_NOT_DRAFT,
        )
    try:
        with transaction.atomic():
            approval = AgreementApproval.objects.create(version=version, side=side, user=actor)
            # counted in the database: ``version`` may carry a stale prefetched list
            if AgreementApproval.objects.filter(version_id=version.pk).count() == len(Side.values):
                AgreementVersion.objects.filter(pk=version.pk).update(status=VersionStatus.APPROVED)
    except IntegrityError as exc:
        raise ConflictError(
            f"The {side} side already approved version {version.number}.",
            code=AgreementErrorCode.ALREADY_APPROVED,
        ) from exc
    version.refresh_from_db()
    return approval


def agreement_activate(*, actor: User, version: AgreementVersion) -> AgreementVersion:
    """Make an approved version the one in force; the previous active version is retired."""
    ensure_can(actor, Capability.DRAFT_AGREEMENT)
    with transaction.atomic():
        AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).exclude(pk=version.pk).update(
            status=VersionStatus.RETIRED
        )
        changed = AgreementVersion.objects.filter(
            pk=version.pk, status=VersionStatus.APPROVED
        ).update(status=VersionStatus.ACTIVE, activated_by=actor, activated_at=timezone.now())
        if not changed:
            raise ConflictError(
                f"Version {version.number} needs the approval of both sides before it can be "
                "activated.",
                code=AgreementErrorCode.AGREEMENT_NOT_APPROVED,
            )
    version.refresh_from_db()
    return version
