"""A form as an iframe in a customer's website: the one route that may be framed.

It is framed only by the site's allowed origins (``Content-Security-Policy: frame-ancestors``).
Browsers keep third-party cookies from iframes, so the CSRF cookie cannot be relied on: the
page carries a signed, dated token instead (no session to protect: the form is anonymous).
A honeypot field and a rate limit per address, shared by every web process, stop spam.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from smarketing.capture.forms import Answers, FormInvalid, form_submit
from smarketing.capture.models import Form, FormField
from smarketing.capture.ratelimit import rate_hit
from smarketing.capture.selectors import form_live

SALT = "smarketing.form"
MAX_AGE = 24 * 3600
HONEYPOT = "website_url"
UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def _framed(response: HttpResponse, form: Form) -> HttpResponse:
    ancestors = " ".join(["'self'", *form.site.allowed_origins])
    response["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    return response


def _page(
    request: HttpRequest, form: Form, *, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    labels = dict(FormField.choices)
    source = request.POST if request.method == "POST" else request.GET
    context = {
        "form": form,
        "fields": [
            {
                "name": name,
                "label": labels[name],
                "required": name in form.required,
                "value": request.POST.get(name, "") if request.method == "POST" else "",
                "error": (errors or {}).get(name, ""),
            }
            for name in form.fields
        ],
        "consent_error": (errors or {}).get("consent", ""),
        "token": signing.dumps(form.key, salt=SALT),
        "visitor": source.get("vid", "")[:64],
        "utm": {k: source.get(k, "")[:200] for k in UTM if source.get(k)},
        "honeypot": HONEYPOT,
    }
    return _framed(render(request, "web/embed/form.html", context, status=status), form)


def _done(request: HttpRequest, form: Form, message: str, status: int = 200) -> HttpResponse:
    page = render(request, "web/embed/done.html", {"message": message}, status=status)
    return _framed(page, form)


@csrf_exempt
@xframe_options_exempt
def form_embed(request: HttpRequest, key: str) -> HttpResponse:
    """Show the form (GET) or take an answer (POST)."""
    form = form_live(key=key)
    if form is None:
        raise Http404("No such form")
    if request.method != "POST":
        return _page(request, form)
    if request.POST.get(HONEYPOT):
        return _done(request, form, form.thank_you)  # a bot: look the same, store nothing
    try:
        signed_for = signing.loads(request.POST.get("token", ""), salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        signed_for = None
    if signed_for != form.key:  # a token made for another form does not open this one
        return _page(
            request, form, errors={"email": _("The form expired: send it again.")}, status=400
        )
    address = request.META.get("REMOTE_ADDR", "")
    verdict = rate_hit(f"form:{form.pk}:{address}", limit=settings.FORM_RATE_LIMIT)
    if not verdict.allowed:
        message = _("Too many attempts from your network: try again in a minute.")
        return _done(request, form, message, status=429)
    answers = Answers(
        values={name: request.POST.get(name, "") for name in form.fields},
        consent=request.POST.get("consent") == "yes",
        visitor_id=request.POST.get("vid", ""),
        utm={k: request.POST.get(k, "") for k in UTM},
    )
    try:
        form_submit(form=form, answers=answers)
    except FormInvalid as exc:
        return _page(request, form, errors=exc.errors, status=400)
    return _done(request, form, form.thank_you)
