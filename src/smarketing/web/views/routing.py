"""Routing and calendars: how MQLs are routed now and when each sales team works."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from smarketing.handoff.calendars import calendar_overview
from smarketing.handoff.capacity import team_loads
from smarketing.handoff.routing_overview import routing_overview, routing_preview_next
from smarketing.users.roles import Capability
from smarketing.web.pages import requires


@requires(Capability.MANAGE_SALES_TEAM)
def routing_page(request: HttpRequest) -> HttpResponse:
    """The rules and who can take a lead now, the warnings, the next leads, the teams' calendars."""
    now = timezone.now()
    overview = routing_overview(now)
    context = {
        "overview": overview,
        "preview": routing_preview_next(now) if overview.rules else None,
        "calendars": [calendar_overview(team, now) for team in overview.teams],
        "loads": team_loads(now=now),
        "team_admin_url": reverse("admin:handoff_team_changelist"),
        "absence_admin_url": reverse("admin:handoff_absence_changelist"),
    }
    return render(request, "web/routing.html", context)
