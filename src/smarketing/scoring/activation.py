"""Starting the long jobs of a version: its preview, and its activation (rescore it beside the
active one, then switch at once)."""

from __future__ import annotations

from django.db import transaction

from smarketing.agreement.models import AgreementVersion
from smarketing.jobs.durable import job_enqueue
from smarketing.scoring.models import PreviewRun, RescoreRun
from smarketing.scoring.previews import preview_compute, preview_request
from smarketing.scoring.rescore import rescore_start
from smarketing.scoring.tasks import preview_task, rescore_task
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can


def activation_request(
    *, actor: User, version: AgreementVersion, daily_cap: int | None = None
) -> RescoreRun:
    """Start the rescore that activates ``version`` when done (run by the worker).

    Refused while another rescore runs. ``daily_cap`` spreads the contacts the version
    qualifies at once over several days (at most that many new MQLs a day).
    """
    ensure_can(actor, Capability.DRAFT_AGREEMENT)
    with transaction.atomic():
        run = rescore_start(version=version, actor=actor, activate=True, daily_cap=daily_cap)
        job_enqueue(rescore_task, run.pk)
    return run


def preview_start(*, version: AgreementVersion, months: int, actor: User | None) -> PreviewRun:
    """Backtest ``version``: at once on a small database, else in the worker (with progress)."""
    with transaction.atomic():
        preview, in_worker = preview_request(version=version, months=months, actor=actor)
        if in_worker:
            job_enqueue(preview_task, preview.pk)
    if not in_worker:
        preview = preview_compute(preview)
    return preview
