"""Answering several leads at once: accept them all, or reject them all with one reason.

All or nothing: the answers are given in one transaction, and the first one refused (not the
actor's lead, already answered, an unknown reason) undoes the others and names its lead.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smarketing.core.errors import CommonErrorCode, DomainError, NotFoundError
from smarketing.handoff.models import Handoff
from smarketing.handoff.services import handoff_accept, handoff_reject
from smarketing.users.models import User

MAX_AT_ONCE = 100
ACTIONS = ("accept", "reject")


def handoffs_answer(
    *,
    actor: User,
    handoff_ids: list[int],
    action: str,
    code: str = "",
    comment: str = "",
    now: datetime | None = None,
) -> list[Handoff]:
    """Accept or reject (with ``code`` and ``comment``) every hand-off of ``handoff_ids``."""
    if action not in ACTIONS:
        raise DomainError(_("Choose what to do."), field="action")
    ids = list(dict.fromkeys(handoff_ids))
    if not ids:
        raise DomainError(_("Select at least one lead."), field="ids")
    if len(ids) > MAX_AT_ONCE:
        raise DomainError(
            _("Answer at most %(n)d leads at once.") % {"n": MAX_AT_ONCE},
            code=CommonErrorCode.INVALID,
            field="ids",
        )
    if action == "reject" and not code:
        raise DomainError(_("Choose the reason of the rejection."), field="code")
    when = now or timezone.now()
    found = Handoff.objects.select_related("contact", "team", "version").in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise NotFoundError(_("There is no such hand-off (%(ids)s).") % {"ids": missing})
    done: list[Handoff] = []
    with transaction.atomic():
        for pk in ids:
            handoff = found[pk]
            try:
                if action == "accept":
                    done.append(handoff_accept(actor=actor, handoff=handoff, now=when))
                else:
                    done.append(
                        handoff_reject(
                            actor=actor, handoff=handoff, code=code, comment=comment, now=when
                        )
                    )
            except DomainError as exc:
                message = _("%(name)s: %(error)s Nothing was changed.") % {
                    "name": handoff.contact,
                    "error": exc.message,
                }
                raise type(exc)(message, code=exc.code, field=exc.field) from exc
    return done
