"""Each role's home page, the first thing a person sees: their day's work and figures.

- a salesperson: the leads to answer (deadline, then score) and the touches and follow-ups due;
- a sales manager: the team's clocks at risk or breached, its queue, capacity and absences;
- marketing: the month's MQLs against quota and today's rejections with their reasons;
- management (and administrators): both sides' headline figures (``home_sides``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from smarketing.handoff.capacity import absences_ahead, team_loads
from smarketing.handoff.selectors import handoffs_waiting, team_queue, team_reps, to_follow_up
from smarketing.scorecard.board import sla_board, teams_managed
from smarketing.users.models import User
from smarketing.users.roles import MARKETING_ROLES, Capability, Role, user_can
from smarketing.web.views.home_sides import management_context, marketing_context
from smarketing.web.views.times import clock_rows
from smarketing.web.views.work_queue import work_queue_context


def _rep(request: HttpRequest, now: datetime) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    follow_ups = to_follow_up(user=user)
    return {
        **work_queue_context(request, now),
        "follow_ups": follow_ups,
        "touches_late": sum(1 for line in follow_ups if line.clock.due_at < now),
    }


def _manager(request: HttpRequest, now: datetime) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    teams = teams_managed(user.pk, everything=user_can(user, Capability.ACCESS_ADMIN))
    team_ids = [team.pk for team in teams]
    board = sla_board(teams=teams, now=now)
    queue = team_queue(user=user)
    mine = work_queue_context(request, now)
    return {
        **(mine if mine["work_total"] else {}),
        "teams": teams,
        "board": board,
        "attention": clock_rows(board.attention, now),
        "queue": queue,
        "reps": team_reps(team_ids=set(team_ids)),
        "loads": team_loads(now=now, team_ids=team_ids),
        "absences": absences_ahead(team_ids=team_ids, now=now),
        "waiting": handoffs_waiting(team_ids=team_ids),
        "open_handoffs": True,
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The page of the user's role."""
    now = timezone.now()
    role = getattr(request.user, "role", "")
    if role == Role.SALES_REP:
        return render(request, "web/home/rep.html", _rep(request, now))
    if role == Role.SALES_MANAGER:
        return render(request, "web/home/manager.html", _manager(request, now))
    if role in MARKETING_ROLES:
        return render(request, "web/home/marketing.html", marketing_context(now))
    context = management_context(now)
    context["open_handoffs"] = user_can(request.user, Capability.WORK_LEADS)  # else the contact
    return render(request, "web/home/management.html", context)
