"""Forms: defined in the UI, answered in an iframe on a website, turned into contacts.

A submission creates the contact (or fills the blanks of an existing one: a form never
overwrites what sales typed), links it to its company by e-mail domain (never a free-mail
domain), records the consent box with the exact text shown (a ticked box never grants again a
consent the person withdrew: a confirmation e-mail is sent to the address instead), adds a
``form_submitted`` event (and ``demo_requested`` if the form says so), and identifies the
visitor so that its earlier page views count for the contact.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from smarketing.capture.errors import CaptureErrorCode
from smarketing.capture.models import Form, FormField, FormSubmission, Site
from smarketing.contacts.choices import ConsentState, ContactSource
from smarketing.contacts.models import Account, Contact
from smarketing.contacts.services import account_create, contact_create, contact_update
from smarketing.contacts.services.consent import consent_reconfirm_request
from smarketing.contacts.services.contacts import email_clean
from smarketing.core.errors import CommonErrorCode, DomainError
from smarketing.core.text import FREE_MAIL_DOMAINS, email_normalize
from smarketing.jobs.durable import job_enqueue
from smarketing.scoring.tasks import contact_rescore_task
from smarketing.tracking.choices import EventType
from smarketing.tracking.services import EventIn, events_append, visitor_identify
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can

LIMITS = {"message": 2000, "phone": 40, "country": 2}
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
PROFILE = ("first_name", "last_name", "job_title", "phone")


class FormInvalid(DomainError):
    """Answers that cannot be saved; ``errors`` maps each field to its message."""

    code = CaptureErrorCode.INVALID_FORM

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)


def form_create(
    *,
    actor: User,
    site: Site,
    name: str,
    fields: list[str],
    required: list[str] | None = None,
    consent_text: str = "",
    consent_required: bool = False,
    demo_request: bool = False,
    thank_you: str = "",
) -> Form:
    """Define a form; the e-mail field is always asked and required."""
    ensure_can(actor, Capability.MANAGE_INTEGRATIONS)
    if not name.strip():
        raise DomainError("Give the form a name.", code=CommonErrorCode.REQUIRED, field="name")
    unknown = sorted(set(fields) - set(FormField.values))
    if unknown:
        raise DomainError(
            f"Unknown field {unknown[0]!r}.", code=CaptureErrorCode.INVALID_FIELD, field="fields"
        )
    if consent_required and not consent_text.strip():
        raise DomainError(
            "A required consent box needs its text.",
            code=CommonErrorCode.REQUIRED,
            field="consent_text",
        )
    ordered = ["email", *[f for f in FormField.values if f in fields and f != "email"]]
    return Form.objects.create(
        site=site,
        name=name.strip()[:100],
        key=f"fm_{secrets.token_hex(10)}",
        fields=ordered,
        required=sorted({"email", *(required or [])} & set(ordered)),
        consent_text=consent_text.strip(),
        consent_required=consent_required,
        demo_request=demo_request,
        thank_you=thank_you.strip()[:300] or "Thank you, we will be in touch.",
        created_by=actor,
    )


@dataclass(frozen=True)
class Answers:
    """What a person sent: the fields, the consent box, and where they came from."""

    values: dict[str, str]
    consent: bool = False
    visitor_id: str = ""
    utm: dict[str, str] | None = None


def _check(form: Form, answers: Answers) -> dict[str, str]:
    values = {k: (answers.values.get(k) or "").strip() for k in form.fields}
    errors: dict[str, str] = {}
    for name in form.required:
        if not values.get(name):
            errors[name] = "This field is required."
    if values.get("email") and "email" not in errors:
        try:
            values["email"] = email_clean(values["email"])
        except DomainError as exc:
            errors["email"] = exc.message
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            errors[name] = f"At most {limit} characters."
    if form.consent_required and not answers.consent:
        errors["consent"] = "Tick the box to go on."
    if errors:
        raise FormInvalid(errors)
    return values


def _account(values: dict[str, str]) -> Account | None:
    domain = values["email"].rpartition("@")[2].lower()
    if domain in FREE_MAIL_DOMAINS:
        return None
    account = Account.objects.filter(domain=domain).first()
    if account is None and values.get("company"):
        account = account_create(
            actor=None, name=values["company"], domain=domain, country=values.get("country", "")
        )
    return account


def form_submit(*, form: Form, answers: Answers, now: datetime | None = None) -> FormSubmission:
    """Save one answer to ``form`` (see the module's description); raise ``FormInvalid``."""
    values = _check(form, answers)
    when = now or timezone.now()
    consent = ConsentState.GRANTED if answers.consent else None
    with transaction.atomic():
        contact = Contact.objects.filter(email_normalized=email_normalize(values["email"])).first()
        if contact is None:
            contact = contact_create(
                actor=None,
                email=values["email"],
                first_name=values.get("first_name", ""),
                last_name=values.get("last_name", ""),
                job_title=values.get("job_title", ""),
                phone=values.get("phone", ""),
                account=_account(values),
                source=ContactSource.FORM,
                source_detail=form.name[:100],
                consent=consent or ConsentState.UNKNOWN,
            )
        else:
            blanks: dict[str, Any] = {
                k: values[k] for k in PROFILE if values.get(k) and not getattr(contact, k)
            }
            if contact.account_id is None and (account := _account(values)) is not None:
                blanks["account"] = account
            if consent and contact.consent == ConsentState.WITHDRAWN:
                # anyone can type anyone's address: withdrawn consent comes back only when the
                # person confirms from the e-mail sent to that address
                consent_reconfirm_request(contact=contact, via=form.name, now=when)
            elif consent:
                blanks["consent"] = consent
            if blanks:
                contact_update(actor=None, contact=contact, **blanks)
        submission = FormSubmission.objects.create(
            form=form,
            contact=contact,
            answers={k: v for k, v in values.items() if v},
            consent_given=answers.consent,
            consent_text=form.consent_text if form.consent_text else "",
            utm={k: v[:200] for k, v in (answers.utm or {}).items() if k in UTM_KEYS and v},
            visitor_id=answers.visitor_id[:64],
            submitted_at=when,
        )
        properties = {"form": form.key, **submission.utm}
        kinds = [
            EventType.FORM_SUBMITTED,
            *([EventType.DEMO_REQUESTED] if form.demo_request else []),
        ]
        events_append(
            events=[
                EventIn(type=kind, occurred_at=when, contact_id=contact.pk, properties=properties)
                for kind in kinds
            ],
            source="form",
            now=when,
        )
        if answers.visitor_id and visitor_identify(visitor_id=answers.visitor_id, contact=contact):
            job_enqueue(contact_rescore_task, contact.pk)  # its earlier page views now count
    return submission
