"""The profile fields scoring judges, declared once: the fit fields an agreement's criteria may
test, and what the exclusions read besides them.

Every reader derives from this module: the agreement's vocabulary (``agreement.choices.FitField``
and how each field is matched), the fields whose change is judged again
(``contacts.judged``), the event consumer's read (``scoring.batch``), the fit in Python
(``scoring.fit``) and the set-based rescore (``scoring.sql_fit``). Adding a fit field is a line
in ``FIT_FIELDS`` (and the column, if new), plus its attribute on the two typed records that
carry a profile, ``scoring.fit.Profile`` and ``scoring.batch.Who``; ``tests/test_fit_fields.py``
fails until every reader handles it, and gives the same grade in Python, in the consumer and in
SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Match(StrEnum):
    """How a criterion tests a field (the agreement's keys: ``contains_any``, ``in``,
    ``min``/``max``)."""

    KEYWORDS = "keywords"  # the text contains one of some words (accents and case folded)
    VALUES = "values"  # the text is one of some values (case folded)
    RANGE = "range"  # the number lies between ``min`` and ``max``; no number meets no range


class Source(StrEnum):
    """The row a field is read from."""

    CONTACT = "contact"
    ACCOUNT = "account"  # the contact's account; a contact without one has no value ('')


@dataclass(frozen=True)
class FitFieldSpec:
    """One field a fit criterion may test."""

    name: str  # as the agreement writes it; the column (and model field) of that name
    label: str | Promise  # as people read it
    match: Match
    source: Source

    @property
    def text(self) -> bool:
        """Whether the field is text (matched per distinct value), not a number."""
        return self.match is not Match.RANGE


# the order is the agreement's (``allowed: …`` in its errors) and ``Profile``'s
FIT_FIELDS: tuple[FitFieldSpec, ...] = (
    FitFieldSpec("job_title", _("Job title"), Match.KEYWORDS, Source.CONTACT),
    FitFieldSpec("sector", _("Sector"), Match.VALUES, Source.ACCOUNT),
    FitFieldSpec("size_band", _("Size"), Match.VALUES, Source.ACCOUNT),
    FitFieldSpec("country", _("Country"), Match.VALUES, Source.ACCOUNT),
    FitFieldSpec("annual_revenue", _("Annual revenue"), Match.RANGE, Source.ACCOUNT),
)
FIT_FIELD_NAMES = tuple(field.name for field in FIT_FIELDS)
_BY_NAME = {field.name: field for field in FIT_FIELDS}

# what the exclusions read (``agreement.document.ExclusionRules``): the e-mail's and the
# account's domains (competitors, free mail), the job title (students), the consent (opted
# out) and the account's country (out of target)
EXCLUSION_FIELDS: dict[Source, tuple[str, ...]] = {
    Source.CONTACT: ("email", "job_title", "consent"),
    Source.ACCOUNT: ("domain", "country"),
}
# the contact's link to its account: changing it changes every account field at once
ACCOUNT_LINK = "account"


def fit_field(name: str) -> FitFieldSpec:
    """The declared fit field ``name`` (KeyError when there is none)."""
    return _BY_NAME[name]


def fit_fields_of(source: Source) -> tuple[FitFieldSpec, ...]:
    """The fit fields read from ``source``, in declaration order."""
    return tuple(field for field in FIT_FIELDS if field.source is source)


def judged_fields(source: Source) -> frozenset[str]:
    """The fields of ``source`` whose change makes scoring judge the contact again: its fit
    fields, what the exclusions read and, for a contact, its account."""
    names = {field.name for field in fit_fields_of(source)} | set(EXCLUSION_FIELDS[source])
    if source is Source.CONTACT:
        names.add(ACCOUNT_LINK)
    return frozenset(names)
