"""Reads of the agreement: the version in force and the typed agreement of any version.

This is the one way the rest of the product gets an agreement: ``active_version()`` (and the
functions beside it) return versions whose ``agreement`` is typed; nothing outside this package
reads a version's raw document.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from smarketing.agreement.diff import agreement_diff
from smarketing.agreement.document import Agreement
from smarketing.agreement.errors import AgreementErrorCode
from smarketing.agreement.loading import agreement_from_document
from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.agreement.validation import agreement_parse
from smarketing.core.errors import NotFoundError


def active_version() -> AgreementVersion | None:
    """The version in force, if any."""
    return AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()


def active_agreement() -> Agreement | None:
    """The agreement in force, typed, if a version is active."""
    version = active_version()
    return version.agreement if version is not None else None


def versions_all() -> QuerySet[AgreementVersion]:
    """Every version, newest first, with who drafted it and its approvals."""
    return AgreementVersion.objects.select_related("created_by", "activated_by").prefetch_related(
        "approvals__user"
    )


def version_by_number(number: int) -> AgreementVersion:
    """The version numbered ``number``, with its approvals; :class:`NotFoundError` if none."""
    version = versions_all().filter(number=number).first()
    if version is None:
        raise NotFoundError(
            f"There is no agreement version {number}.", code=AgreementErrorCode.VERSION_NOT_FOUND
        )
    return version


def version_of_status(*statuses: str) -> AgreementVersion | None:
    """The newest version in one of ``statuses`` (e.g. the active, else the approved one)."""
    for status in statuses:
        version = AgreementVersion.objects.filter(status=status).order_by("-number").first()
        if version is not None:
            return version
    return None


def agreements_of(version_ids: Iterable[int]) -> dict[int, Agreement]:
    """The typed agreement of each of these versions, by id."""
    ids = set(version_ids)
    rows = AgreementVersion.objects.filter(pk__in=ids).values_list("pk", "document")
    return {pk: agreement_from_document(document) for pk, document in rows}


def versions_diff(before: AgreementVersion, after: AgreementVersion) -> list[str]:
    """What changed from ``before`` to ``after``, a readable line each."""
    return agreement_diff(before.document, after.document)


def agreement_check(text: str) -> Agreement:
    """The typed agreement of a YAML text, or ``AgreementValidationError`` with its problems."""
    return agreement_from_document(agreement_parse(text))


def draft_with_text_of(text: str) -> AgreementVersion | None:
    """The newest draft whose agreement equals the one ``text`` holds, if any."""
    wanted = agreement_parse(text)
    for draft in AgreementVersion.objects.filter(status=VersionStatus.DRAFT).order_by("-number"):
        if draft.document == wanted:
            return draft
    return None
