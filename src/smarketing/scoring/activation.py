"""Activating an approved version: rescore it beside the active one, then switch at once."""

from __future__ import annotations

from django.db import transaction

from smarketing.agreement.models import AgreementVersion
from smarketing.jobs.durable import job_enqueue
from smarketing.scoring.models import RescoreRun
from smarketing.scoring.rescore import rescore_start
from smarketing.scoring.tasks import rescore_task
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
