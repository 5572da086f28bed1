"""The manager's SLA board: open, at-risk and breached clocks by salesperson; reassign."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from smarketing.scorecard.board import sla_board, teams_managed
from smarketing.users.models import User
from smarketing.users.roles import Capability, user_can
from smarketing.web.pages import requires
from smarketing.web.views.times import clock_rows


@requires(Capability.VIEW_SLA_BOARD)
def sla_board_page(request: HttpRequest) -> HttpResponse:
    """The teams the user manages (every team for an administrator and for management, who
    read the board without reassigning), or one of them."""
    user: User = request.user  # type: ignore[assignment]
    manages = user_can(user, Capability.MANAGE_SALES_TEAM)
    teams = teams_managed(
        user.pk, everything=user_can(user, Capability.ACCESS_ADMIN) or not manages
    )
    chosen = request.GET.get("team", "")
    shown = [t for t in teams if t.key == chosen] or teams
    now = timezone.now()
    board = sla_board(teams=shown, now=now)
    rows = clock_rows(board.attention, now)
    members = {m.pk: m for t in shown for m in t.members.all() if m.is_active}
    context = {
        "board": board,
        "rows": rows,
        "teams": teams,
        "chosen": chosen,
        "can_reassign": manages,
        "reps": sorted(members.values(), key=lambda m: (m.first_name, m.username)),
    }
    return render(request, "web/sla_board.html", context)
