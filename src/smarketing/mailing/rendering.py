"""A template rendered for one contact: in the contact's language, with its merge values, the
HTML part inside the responsive table layout, and — for marketing — a visible unsubscribe link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from smarketing.contacts.models import Contact
from smarketing.mailing.choices import TemplateKind
from smarketing.mailing.merge import part_render
from smarketing.mailing.models import EmailTemplate
from smarketing.notifications.channels import header_clean

# the contact has no language of its own: an account in one of these countries reads French
FRENCH_COUNTRIES = frozenset({"FR", "MC", "BE", "LU"})


@dataclass(frozen=True)
class Rendered:
    """What one contact receives: subject, HTML (the full page) and plain text."""

    language: str
    subject: str
    html: str
    text: str


def contact_language(contact: Contact) -> str:
    """``fr`` when the contact's account is in a French-speaking country, else ``en``."""
    account = contact.account
    country = (account.country if account is not None else "").upper()
    return "fr" if country in FRENCH_COUNTRIES else "en"


def _person(user: Any) -> dict[str, str]:
    if user is None:
        return {"first_name": "", "last_name": "", "full_name": "", "email": ""}
    first, last = str(user.first_name or ""), str(user.last_name or "")
    return {
        "first_name": first,
        "last_name": last,
        "full_name": f"{first} {last}".strip(),
        "email": str(user.email or ""),
    }


def merge_values(contact: Contact, *, unsubscribe_url: str) -> dict[str, Any]:
    """The values of every merge field for ``contact`` (see ``merge.MERGE_FIELDS``)."""
    account = contact.account
    return {
        "contact": {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "full_name": f"{contact.first_name} {contact.last_name}".strip(),
            "email": contact.email,
            "job_title": contact.job_title,
        },
        "account": {"name": account.name if account is not None else ""},
        "owner": _person(contact.owner),
        "unsubscribe_url": unsubscribe_url,
        "site_url": str(settings.BASE_URL).rstrip("/"),
    }


def template_render(
    template: EmailTemplate,
    contact: Contact,
    *,
    unsubscribe_url: str = "",
    language: str | None = None,
) -> Rendered:
    """Render ``template`` for ``contact`` in ``language`` (default: the contact's), falling back
    to English when the template has no French version."""
    wanted = language or contact_language(contact)
    chosen = wanted if wanted in template.languages() else "en"
    values = merge_values(contact, unsubscribe_url=unsubscribe_url)
    subject = header_clean(part_render(getattr(template, f"subject_{chosen}"), values, html=False))
    content = part_render(getattr(template, f"html_{chosen}"), values, html=True)
    text = part_render(getattr(template, f"text_{chosen}"), values, html=False).strip()
    is_marketing = template.kind == TemplateKind.MARKETING
    with translation.override(chosen):
        html = render_to_string(
            "mailing/layout.html",
            {
                "language": chosen,
                "subject": subject,
                "content": mark_safe(content),  # noqa: S308  (rendered with autoescape above)
                "unsubscribe_url": unsubscribe_url if is_marketing else "",
            },
        )
        if is_marketing and unsubscribe_url and unsubscribe_url not in text:
            text += "\n\n-- \n" + gettext("Unsubscribe: %(url)s") % {"url": unsubscribe_url}
    return Rendered(language=chosen, subject=subject, html=html, text=text)
