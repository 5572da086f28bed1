"""E-mail to contacts: the templates — written, checked and previewed with a real contact, by
those who manage integrations — and the unsubscribe page every marketing e-mail links to.

The unsubscribe address answers a mail client's one-click POST (RFC 8058) as well as a person:
no login, no cookie, no CSRF token (a mail client has none), no redirect; a POST unsubscribes
at once. A GET never changes anything (link scanners open links): it shows a button.

The mail server posts bounces and complaints it receives to ``/mailing/bounces/``.
"""

from __future__ import annotations

import hmac

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from smarketing.core.errors import DomainError
from smarketing.mailing.bounces import bounce_receive
from smarketing.mailing.choices import Language, TemplateKind
from smarketing.mailing.merge import MERGE_FIELDS
from smarketing.mailing.models import EmailTemplate
from smarketing.mailing.selectors import (
    message_by_token,
    preview_contact,
    template_by_id,
    templates_all,
)
from smarketing.mailing.services import message_unsubscribe, template_preview, template_save
from smarketing.mailing.tracking import PIXEL, click_record, open_record
from smarketing.users.roles import Capability
from smarketing.web.pages import requires

MAX_REPORT_BYTES = 2 * 1024 * 1024


@requires(Capability.MANAGE_INTEGRATIONS)
def template_list(request: HttpRequest) -> HttpResponse:
    """Every e-mail template, with its kind, languages and a preview link."""
    return render(request, "web/mailing/templates.html", {"templates": templates_all()})


class TemplateForm(forms.Form):
    """The fields of a template; the merge fields, tags and syntax are the service's to check."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TemplateKind.choices)
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=300)
    html_en = forms.CharField(label=_("HTML part (English)"), widget=forms.Textarea)
    text_en = forms.CharField(label=_("Text part (English)"), widget=forms.Textarea)
    subject_fr = forms.CharField(label=_("Subject (French)"), max_length=300, required=False)
    html_fr = forms.CharField(label=_("HTML part (French)"), widget=forms.Textarea, required=False)
    text_fr = forms.CharField(label=_("Text part (French)"), widget=forms.Textarea, required=False)


@requires(Capability.MANAGE_INTEGRATIONS)
def template_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    """Write a new template or change one; a refused part is shown by its field."""
    template: EmailTemplate | None = None
    if template_id is not None:
        try:
            template = template_by_id(template_id)
        except DomainError as exc:
            raise Http404(exc.message) from None
    initial = (
        {name: getattr(template, name) for name in TemplateForm.base_fields} if template else {}
    )
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = template_save(
                actor=request.user,  # type: ignore[arg-type]
                template=template,
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("mailing_template_preview", template_id=saved.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "web/mailing/edit.html",
        {"form": form, "template": template, "merge_fields": MERGE_FIELDS},
        status=status,
    )


@requires(Capability.MANAGE_INTEGRATIONS)
def template_preview_page(request: HttpRequest, template_id: int) -> HttpResponse:
    """The template as a contact (id or e-mail address) would receive it."""
    try:
        template = template_by_id(template_id)
    except DomainError as exc:
        raise Http404(exc.message) from None
    query = request.GET.get("contact", "").strip()
    language = request.GET.get("language", "")
    language = language if language in Language.values else ""
    context: dict[str, object] = {
        "template": template,
        "query": query,
        "language": language,
        "languages": Language.choices,
    }
    if query:
        try:
            contact = preview_contact(query)
            context["contact"] = contact
            context["rendered"] = template_preview(
                actor=request.user,  # type: ignore[arg-type]
                template=template,
                contact=contact,
                language=language,
            )
        except DomainError as exc:
            context["error"] = exc.message
    status = 404 if "error" in context else 200
    return render(request, "web/mailing/preview.html", context, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET: say whose address this is and offer the button. POST (the button, or a mail
    client's ``List-Unsubscribe=One-Click``): unsubscribe at once and answer 200."""
    try:
        if request.method == "POST":
            is_one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            message = message_unsubscribe(token=token, is_one_click=is_one_click)
            return render(
                request, "web/mailing/unsubscribe.html", {"state": "done", "message": message}
            )
        message = message_by_token(token)
    except DomainError as exc:
        return render(
            request,
            "web/mailing/unsubscribe.html",
            {"state": "invalid", "error": exc.message},
            status=400,
        )
    return render(request, "web/mailing/unsubscribe.html", {"state": "ask", "message": message})


@csrf_exempt
@require_POST
def bounce_endpoint(request: HttpRequest) -> HttpResponse:
    """Take one raw delivery report or feedback report (the body, as the mail server received
    it), authenticated by ``Authorization: Bearer <MAILING_BOUNCE_TOKEN>``; answer what it did.
    Disabled (404) while no token is set."""
    expected = str(settings.MAILING_BOUNCE_TOKEN)
    if not expected:
        raise Http404("MAILING_BOUNCE_TOKEN is not set")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse(
            {
                "code": "invalid_token",
                "message": "Send Authorization: Bearer <MAILING_BOUNCE_TOKEN>.",
                "field": None,
            },
            status=401,
        )
    if len(request.body) > MAX_REPORT_BYTES:
        return JsonResponse(
            {"code": "body_too_large", "message": "A report is at most 2 MB.", "field": None},
            status=413,
        )
    try:
        done = bounce_receive(raw=request.body)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"outcome": done.outcome, "email": done.email})


@csrf_exempt
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """The open pixel: a 1×1 GIF for a token signed here (the open recorded), else 404."""
    if not open_record(token, agent=request.headers.get("User-Agent", "")):
        raise Http404("No such message.")
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response


@csrf_exempt
def click_redirect(request: HttpRequest, token: str) -> HttpResponse:
    """A tracked link: to the message's own link of that number, else 404 (no open redirect)."""
    target = click_record(token, agent=request.headers.get("User-Agent", ""))
    if target is None:
        raise Http404("No such link.")
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = "no-store, private"
    return response
