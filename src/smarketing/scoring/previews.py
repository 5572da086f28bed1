"""Previews of a version, stored so that a long backtest runs in the worker with progress."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.selectors import active_version
from smarketing.contacts.models import Contact
from smarketing.core.errors import CommonErrorCode, DomainError
from smarketing.scoring.backtest import agreement_preview
from smarketing.scoring.models import PreviewRun, RunStatus
from smarketing.users.models import User

INLINE_CONTACTS = 20_000  # below this, the request computes it at once (about a second)


def preview_request(
    *, version: AgreementVersion, months: int, actor: User | None
) -> tuple[PreviewRun, bool]:
    """Record a preview; return it and whether it should run in the worker (large databases)."""
    if not 1 <= months <= 24:
        raise DomainError(
            "Choose between 1 and 24 months.", code=CommonErrorCode.INVALID, field="months"
        )
    active = active_version()
    total = Contact.objects.count()
    preview = PreviewRun.objects.create(
        version=version,
        compared_with=active if active is not None and active.pk != version.pk else None,
        months=months,
        contacts_total=total,
        requested_by=actor,
    )
    return preview, total > INLINE_CONTACTS


def preview_compute(preview: PreviewRun) -> PreviewRun:
    """Run the backtest of ``preview``, recording progress after each range of contacts."""

    def progress(done: int, total: int) -> None:
        PreviewRun.objects.filter(pk=preview.pk).update(contacts_done=done, contacts_total=total)

    compare = preview.compared_with
    try:
        result = agreement_preview(
            draft=preview.version.agreement,
            active=compare.agreement if compare else None,
            draft_label=f"v{preview.version.number}",
            active_label=f"v{compare.number}" if compare else "",
            months=preview.months,
            progress=progress,
        )
    except Exception as exc:
        PreviewRun.objects.filter(pk=preview.pk).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    with transaction.atomic():
        PreviewRun.objects.filter(pk=preview.pk).update(
            status=RunStatus.DONE, result=result.as_dict(), finished_at=timezone.now()
        )
    preview.refresh_from_db()
    return preview


def preview_latest(*, version: AgreementVersion, months: int) -> PreviewRun | None:
    """The newest preview of ``version`` over ``months`` (running, done or failed)."""
    return PreviewRun.objects.filter(version=version, months=months).first()
