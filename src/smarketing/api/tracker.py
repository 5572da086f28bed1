"""The web tracker's two routes: the script itself, and where it sends events."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from smarketing.api.errors import error_response
from smarketing.capture.collect import (
    tracker_consent_check,
    tracker_events_store,
    tracker_parse,
)
from smarketing.capture.ratelimit import RateLimited, rate_hit
from smarketing.capture.sites import site_for
from smarketing.core.errors import DomainError

SCRIPT = Path(__file__).parent / "static" / "smarketing" / "tracker.js"


def tracker_js(request: HttpRequest) -> HttpResponse:
    """The tracker, served by the product (no third-party CDN)."""
    response = HttpResponse(SCRIPT.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "86400"
    response["Vary"] = "Origin"
    return response


@csrf_exempt
def collect(request: HttpRequest) -> HttpResponse:
    """Store a tracker batch sent from an allowed origin (any content type, e.g. text/plain)."""
    origin = request.headers.get("Origin", "")
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), origin)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST, OPTIONS"})
    if request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1":
        return _cors(HttpResponse(status=204), origin)  # the visitor said no: nothing is kept
    try:
        beacon = tracker_parse(request.body)
        site = site_for(beacon.key, origin)
        tracker_consent_check(site=site, beacon=beacon)
        verdict = rate_hit(
            f"tracker:{site.pk}:{request.META.get('REMOTE_ADDR', '')}",
            limit=settings.TRACKER_RATE_LIMIT,
        )
        if not verdict.allowed:
            raise RateLimited(
                f"Too many events from this address: retry in {verdict.retry_after} s."
            )
        tracker_events_store(site=site, visitor_id=beacon.visitor, events=beacon.events)
    except DomainError as exc:
        return _cors(error_response(exc), origin)
    return _cors(HttpResponse(status=204), origin)
