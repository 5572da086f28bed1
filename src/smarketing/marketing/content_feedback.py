"""Sales' feedback on content: rating an asset a lead consumed, asking for content that is
missing, voting for a request, and marketing answering it (writes; reads are in
``content_report.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smarketing.contacts.choices import LifecycleStage
from smarketing.contacts.models import Contact
from smarketing.core.errors import DomainError
from smarketing.marketing.choices import RequestStatus, Verdict
from smarketing.marketing.errors import MarketingErrorCode
from smarketing.marketing.models import ContentAsset, ContentRating, ContentRequest, Touchpoint
from smarketing.users.roles import Capability, ensure_can

if TYPE_CHECKING:
    from smarketing.users.models import User

TITLE_MAX = 200
COMMENT_MAX = 1000


def content_rate(
    *, actor: User, asset: ContentAsset, contact: Contact, verdict: str, comment: str = ""
) -> ContentRating:
    """Say whether ``asset``, which ``contact`` consumed, helped; rating again replaces it."""
    ensure_can(actor, Capability.RATE_CONTENT)
    if verdict not in Verdict.values:
        raise DomainError(
            _("Say whether the content helped or not."),
            code=MarketingErrorCode.INVALID_VERDICT,
            field="verdict",
        )
    if not Touchpoint.objects.filter(contact=contact, content=asset).exists():
        raise DomainError(
            _("%(contact)s did not consume “%(asset)s”: only content a lead consumed is rated.")
            % {"contact": contact, "asset": asset},
            code=MarketingErrorCode.NOT_CONSUMED,
            field="asset",
        )
    rating, _created = ContentRating.objects.update_or_create(
        asset=asset,
        contact=contact,
        rated_by=actor,
        defaults={
            "verdict": verdict,
            "comment": comment.strip()[:COMMENT_MAX],
            "rated_at": timezone.now(),
        },
    )
    return rating


def _title(title: str) -> str:
    text = " ".join(title.split())
    if not text or len(text) > TITLE_MAX:
        raise DomainError(
            _("Say what content is missing, in at most %(n)d characters.") % {"n": TITLE_MAX},
            code=MarketingErrorCode.INVALID_REQUEST,
            field="title",
        )
    return text


def content_request_create(
    *, actor: User, title: str, persona: str = "", stage: str = ""
) -> ContentRequest:
    """Ask marketing for missing content, for a persona and a stage; the asker votes for it."""
    ensure_can(actor, Capability.VIEW_RECORDS)
    if stage and stage not in LifecycleStage.values:
        raise DomainError(
            _("Choose a lifecycle stage."), code=MarketingErrorCode.INVALID_REQUEST, field="stage"
        )
    with transaction.atomic():
        request = ContentRequest.objects.create(
            title=_title(title), persona=persona.strip()[:50], stage=stage, requested_by=actor
        )
        request.voters.add(actor)
    return request


def content_request_vote(*, actor: User, request: ContentRequest) -> bool:
    """Vote for a request, or take the vote back; whether the actor now votes for it."""
    ensure_can(actor, Capability.VIEW_RECORDS)
    if request.voters.filter(pk=actor.pk).exists():
        request.voters.remove(actor)
        return False
    request.voters.add(actor)
    return True


def content_request_answer(
    *, actor: User, request: ContentRequest, status: str, answer: ContentAsset | None = None
) -> ContentRequest:
    """Marketing moves a request along its backlog; "done" may name the asset that answers it."""
    ensure_can(actor, Capability.MANAGE_CONTENT)
    if status not in RequestStatus.values:
        raise DomainError(
            _("Choose a status: open, planned, done or declined."),
            code=MarketingErrorCode.INVALID_STATUS,
            field="status",
        )
    request.status = status
    request.answer = answer if status == RequestStatus.DONE else None
    request.save(update_fields=["status", "answer"])
    return request
