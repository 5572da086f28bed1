"""E-mail templates: merge fields from an allowlist checked at save time, rendering in the
contact's language (English as the fallback), and the preview with a real contact."""

from __future__ import annotations

import pytest
from django.test import Client

from smarketing.core.errors import DomainError, PermissionDeniedError
from smarketing.mailing.models import EmailTemplate
from smarketing.mailing.rendering import template_render
from smarketing.mailing.services import template_preview, template_save
from smarketing.users.roles import Role
from tests.admin_forms import admin_post
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

ENGLISH = {
    "subject_en": "Hello {{ contact.first_name }}",
    "html_en": "<p>Dear {{ contact.first_name }} of {{ account.name }},</p>"
    "<p>{{ owner.full_name }} will call you.</p>",
    "text_en": "Dear {{ contact.first_name|default:'friend' }} of {{ account.name }}.",
}
FRENCH = {
    "subject_fr": "Bonjour {{ contact.first_name }}",
    "html_fr": "<p>Chère {{ contact.first_name }},</p>",
    "text_fr": "Chère {{ contact.first_name }}.",
}


def _template(**changes: str) -> EmailTemplate:
    return template_save(actor=None, name="Welcome", kind="marketing", **{**ENGLISH, **changes})


def test_an_unknown_merge_field_is_refused_naming_the_field_and_the_part() -> None:
    # when a French HTML part names a field outside the allowlist
    with pytest.raises(DomainError) as caught:
        _template(**{**FRENCH, "html_fr": "<p>{{ contact.phone }}</p>"})
    # then nothing is stored and the error says which field, in which part
    assert caught.value.code == "unknown_merge_field"
    assert caught.value.field == "html_fr"
    assert caught.value.message.startswith(
        "HTML part (French): unknown merge field {{ contact.phone }} (allowed: contact.first_name,"
    )
    assert EmailTemplate.objects.count() == 0


@pytest.mark.parametrize(
    ("source", "code", "start"),
    [
        ("Hi {% if contact.first_name %}", "template_syntax", "Subject (English): template error:"),
        ("Hi {{ contact.first_name", "template_syntax", "Subject (English): a {{ or {% is never"),
        ("{% url 'home' %}", "template_tag_not_allowed", "Subject (English): the tag {% url %}"),
        ("{% load static %}", "template_syntax", "Subject (English): template error: 'static'"),
        ("{{ contact.first_name|safe }}", "template_filter_not_allowed", "Subject (English): the"),
        ("{{ x|default:contact.password }}", "unknown_merge_field", "Subject (English): unknown"),
        (
            "{% if contact.secret == 'x' %}y{% endif %}",
            "unknown_merge_field",
            "Subject (English): unknown merge field {{ contact.secret }}",
        ),
    ],
)
def test_broken_or_unsafe_syntax_is_refused_at_save_time(
    source: str, code: str, start: str
) -> None:
    with pytest.raises(DomainError) as caught:
        _template(subject_en=source)
    assert (caught.value.code, caught.value.field) == (code, "subject_en")
    assert caught.value.message.startswith(start)
    assert EmailTemplate.objects.count() == 0


def test_french_is_all_three_parts_or_none() -> None:
    with pytest.raises(DomainError) as caught:
        _template(subject_fr="Bonjour")
    assert (caught.value.code, caught.value.field) == ("template_part_required", "html_fr")
    assert (
        caught.value.message
        == "HTML part (French) is required when the template has a French version."
    )


def test_a_contact_reads_their_language_and_falls_back_to_english() -> None:
    # given a bilingual template and an English-only one
    owner = UserFactory(first_name="Paul", last_name="Durand")
    both = _template(**FRENCH)
    english_only = template_save(actor=None, name="News", kind="marketing", **ENGLISH)
    french = ContactFactory(
        first_name="Anne", account=AccountFactory(name="Acme", country="FR"), owner=owner
    )
    german = ContactFactory(first_name="Jan", account=AccountFactory(name="Bau", country="DE"))
    # when each is rendered
    fr = template_render(both, french, unsubscribe_url="https://crm.example/u/t")
    de = template_render(both, german, unsubscribe_url="https://crm.example/u/t")
    fallback = template_render(english_only, french, unsubscribe_url="https://crm.example/u/t")
    # then the French contact reads French, the German one English, and English is the fallback
    assert (fr.language, fr.subject, fr.text) == (
        "fr",
        "Bonjour Anne",
        "Chère Anne.\n\n-- \nSe désabonner : https://crm.example/u/t",
    )
    # the footer speaks the contact's language too
    assert "Vous recevez cet e-mail parce que vous avez accepté" in fr.html
    assert "<p>Chère Anne,</p>" in fr.html
    assert (de.language, de.subject) == ("en", "Hello Jan")
    assert "<p>Dear Jan of Bau,</p>" in de.html
    assert (fallback.language, fallback.subject) == ("en", "Hello Anne")
    assert "<p>Paul Durand will call you.</p>" in fallback.html
    # the layout is a table with the visible unsubscribe link of a marketing e-mail
    assert '<table role="presentation"' in fr.html
    assert '<a href="https://crm.example/u/t"' in fr.html


def test_merge_values_are_escaped_in_html_and_headers_stay_on_one_line() -> None:
    template = _template(subject_en="Hi {{ contact.last_name }}")
    contact = ContactFactory(
        first_name="<script>x</script>", last_name="A\r\nBcc: evil@example.com", account=None
    )
    rendered = template_render(template, contact)
    assert "&lt;script&gt;x&lt;/script&gt;" in rendered.html
    assert "<script>" not in rendered.html
    assert rendered.subject == "Hi A Bcc: evil@example.com"
    # the text part is plain text: not escaped
    assert rendered.text.startswith("Dear <script>x</script> of .")


def test_a_transactional_template_has_no_unsubscribe_footer() -> None:
    template = template_save(actor=None, name="Receipt", kind="transactional", **ENGLISH)
    rendered = template_render(template, ContactFactory(first_name="Anne"), unsubscribe_url="")
    assert "Unsubscribe" not in rendered.html
    assert "Unsubscribe" not in rendered.text


def test_only_those_who_manage_integrations_preview() -> None:
    template = _template()
    contact = ContactFactory(first_name="Anne")
    with pytest.raises(PermissionDeniedError):
        template_preview(
            actor=UserFactory(role=Role.SALES_MANAGER), template=template, contact=contact
        )
    rendered = template_preview(
        actor=UserFactory(role=Role.MARKETING_MANAGER),
        template=template,
        contact=contact,
        language="en",
    )
    assert rendered.subject == "Hello Anne"


def test_the_preview_page_renders_a_real_contact_and_says_when_none_matches() -> None:
    # given a marketing manager and a bilingual template
    template = _template(**FRENCH)
    ContactFactory(first_name="Anne", email="anne@acme.fr", account=AccountFactory(country="FR"))
    client = Client()
    client.force_login(UserFactory(role=Role.MARKETING_MANAGER))
    url = f"/mailing/templates/{template.pk}/preview/"
    # when the page is asked for Anne by address
    page = client.get(url, {"contact": "anne@acme.fr"})
    # then it shows her French e-mail
    assert page.status_code == 200
    body = page.content.decode()
    assert '<span id="preview-subject">Bonjour Anne</span>' in body
    assert "Chère Anne." in body
    # in English when asked
    english = client.get(url, {"contact": "anne@acme.fr", "language": "en"}).content.decode()
    assert '<span id="preview-subject">Hello Anne</span>' in english
    # an unknown contact: the message next to the field, no 500
    missing = client.get(url, {"contact": "nobody@acme.fr"})
    assert missing.status_code == 404
    assert (
        "No contact has the id or address &#x27;nobody@acme.fr&#x27;." in missing.content.decode()
    )
    # a sales rep may not open it; the list page shows the template
    assert client.get("/mailing/templates/").status_code == 200
    rep = Client()
    rep.force_login(UserFactory(role=Role.SALES_REP, manager=UserFactory(role=Role.SALES_MANAGER)))
    assert rep.get(url).status_code == 403
    assert client.get("/mailing/templates/999999/preview/").status_code == 404


def test_the_admin_refuses_an_unknown_merge_field_by_its_field() -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN))
    response = admin_post(
        client,
        "/admin/mailing/emailtemplate/add/",
        name="Welcome",
        kind="marketing",
        subject_en="Hi",
        html_en="<p>{{ contact.age }}</p>",
        text_en="Hi",
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["html_en"] == [
        "HTML part (English): unknown merge field {{ contact.age }} (allowed: contact.first_name, "
        "contact.last_name, contact.full_name, contact.email, contact.job_title, account.name, "
        "owner.first_name, owner.last_name, owner.full_name, owner.email, unsubscribe_url, "
        "site_url)."
    ]
    assert EmailTemplate.objects.count() == 0
    # a good one is saved
    saved = admin_post(
        client,
        "/admin/mailing/emailtemplate/add/",
        name="Welcome",
        kind="marketing",
        subject_en="Hi {{ contact.first_name }}",
        html_en="<p>Hi</p>",
        text_en="Hi",
    )
    assert saved.status_code == 302
    assert EmailTemplate.objects.get().subject_en == "Hi {{ contact.first_name }}"


def test_a_template_needs_a_unique_name_and_known_fields() -> None:
    _template()
    with pytest.raises(DomainError) as taken:
        _template()
    assert (taken.value.code, taken.value.field) == ("template_name_taken", "name")
    with pytest.raises(DomainError) as unnamed:
        template_save(actor=None, name="  ", kind="marketing", **ENGLISH)
    assert (unnamed.value.code, unnamed.value.field) == ("required", "name")
    with pytest.raises(DomainError) as typo:
        template_save(actor=None, name="Other", subjet_en="Hi", **ENGLISH)
    assert (typo.value.code, typo.value.field) == ("invalid", "subjet_en")
    assert EmailTemplate.objects.count() == 1


def test_a_marketing_manager_writes_a_template_on_its_page_and_sees_errors_by_field() -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.MARKETING_MANAGER))
    form = {"name": "Welcome", "kind": "marketing", **ENGLISH}
    # when the French HTML part names an unknown field
    refused = client.post("/mailing/templates/new/", {**form, **FRENCH, "html_fr": "{{ x.y }}"})
    # then the page says so next to that field, and nothing is stored
    assert refused.status_code == 400
    body = refused.content.decode()
    assert '<span class="errorlist" role="alert" id="error-html_fr">' in body
    assert "HTML part (French): unknown merge field {{ x.y }}" in body
    assert EmailTemplate.objects.count() == 0
    # when it is right, the template is saved and its preview opens
    saved = client.post("/mailing/templates/new/", {**form, **FRENCH})
    template = EmailTemplate.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == f"/mailing/templates/{template.pk}/preview/"
    assert (template.subject_fr, template.kind) == ("Bonjour {{ contact.first_name }}", "marketing")
    # and it can be changed there; a duplicate name is refused by the name field
    page = client.get(f"/mailing/templates/{template.pk}/edit/")
    assert 'value="Hello {{ contact.first_name }}"' in page.content.decode()
    changed = client.post(
        f"/mailing/templates/{template.pk}/edit/",
        {**form, "subject_en": "Hi {{ contact.first_name }}"},
    )
    assert changed.status_code == 302
    template.refresh_from_db()
    assert template.subject_en == "Hi {{ contact.first_name }}"
    assert template.subject_fr == ""  # the French version was removed with its three parts
    clash = client.post("/mailing/templates/new/", form)
    assert clash.status_code == 400
    assert "A template is already named &#x27;Welcome&#x27;." in clash.content.decode()
    # a sales manager may not
    other = Client()
    other.force_login(UserFactory(role=Role.SALES_MANAGER))
    assert other.post("/mailing/templates/new/", form).status_code == 403
