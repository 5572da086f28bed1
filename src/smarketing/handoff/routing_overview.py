"""How MQLs are routed right now, for sales managers: reads only, nothing is written.

- :func:`routing_overview` — the active agreement's rules in order, each team's members and
  whether each one can take a lead now, and the warnings (a segment nobody can take, a team that
  does not exist, a calendar that cannot compute deadlines…);
- :func:`routing_warnings` — the same warnings for any version's ``routing`` (a draft's preview);
- :func:`routing_preview_next` — who would get the next leads, load counted lead after lead;
- :func:`calendar_overview` (in :mod:`smarketing.handoff.calendars`) — when a team works: days,
  hours, holidays, closures, absences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smarketing.agreement.choices import RoutingKind
from smarketing.agreement.document import Agreement, Routing
from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.selectors import active_version
from smarketing.contacts.models import Account, Contact
from smarketing.handoff.calendars import calendar_problem
from smarketing.handoff.models import Absence, Team
from smarketing.handoff.reps import lead_of, reps_now
from smarketing.handoff.routing import Rep, route_preview
from smarketing.handoff.selectors import mqls_waiting
from smarketing.users.models import User


@dataclass(frozen=True)
class MemberNow:
    """A team member and whether they can take a lead now."""

    user_id: int
    name: str
    open_mqls: int
    capacity: int | None  # None: no limit
    absent_until: date | None = None  # set when absent today
    next_absence: tuple[date, date] | None = None

    @property
    def is_absent(self) -> bool:
        return self.absent_until is not None

    @property
    def is_at_capacity(self) -> bool:
        return self.capacity is not None and self.open_mqls >= self.capacity

    @property
    def is_available(self) -> bool:
        return not self.is_absent and not self.is_at_capacity

    def why_unavailable(self) -> str:
        """Why the member cannot take a lead now ("" when they can)."""
        if self.absent_until is not None:
            return _("%(name)s is absent until %(date)s") % {
                "name": self.name,
                "date": formats.date_format(self.absent_until, "SHORT_DATE_FORMAT"),
            }
        if self.is_at_capacity:
            return _("%(name)s is at capacity (%(open)d/%(capacity)d open MQLs)") % {
                "name": self.name,
                "open": self.open_mqls,
                "capacity": self.capacity,
            }
        return ""


@dataclass(frozen=True)
class RuleNow:
    """One routing rule, its team and the team's members now."""

    position: int
    key: str
    kind: RoutingKind
    team_key: str = ""
    team: Team | None = None
    countries: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    size_bands: tuple[str, ...] = ()
    members: tuple[MemberNow, ...] = ()

    @property
    def catches_all(self) -> bool:
        """Whether every lead that reaches this rule matches it."""
        if self.kind == RoutingKind.ROUND_ROBIN:
            return True
        return self.kind == RoutingKind.TERRITORY and not (
            self.countries or self.sectors or self.size_bands
        )

    @property
    def available_count(self) -> int:
        return sum(1 for m in self.members if m.is_available)


@dataclass(frozen=True)
class RoutingWarning:
    """Something that sends leads to a queue, to nobody, or stops deadlines being computed."""

    code: str
    message: str
    rule: str = ""
    team: str = ""


@dataclass(frozen=True)
class RoutingOverview:
    """The active version's routing now."""

    version: AgreementVersion | None
    max_open_mqls: int | None
    rules: list[RuleNow]
    warnings: list[RoutingWarning]
    teams: list[Team]


@dataclass(frozen=True)
class PreviewRow:
    """Who would get one lead, by which rule, and who was skipped."""

    contact: Contact
    rule: str
    team: Team | None
    team_key: str
    assignee: str  # "" when the lead waits in a queue
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class RoutingPreview:
    """The next leads' assignees; ``source`` is "waiting" (real MQLs) or "sample"."""

    source: str
    rows: list[PreviewRow] = field(default_factory=list)


def _teams() -> dict[str, Team]:
    members = Prefetch("members", queryset=User.objects.filter(is_active=True))
    return {
        t.key: t for t in Team.objects.select_related("manager").prefetch_related(members).all()
    }


def _absence_spans(user_ids: list[int], today: date) -> dict[int, list[tuple[date, date]]]:
    """Each user's absences from today on, back-to-back or overlapping ones merged."""
    spans: dict[int, list[tuple[date, date]]] = {}
    rows = (
        Absence.objects.filter(user_id__in=user_ids, ends_on__gte=today)
        .order_by("user_id", "starts_on", "ends_on")
        .values_list("user_id", "starts_on", "ends_on")
    )
    for user_id, starts_on, ends_on in rows:
        merged = spans.setdefault(user_id, [])
        if merged and starts_on <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends_on))
        else:
            merged.append((starts_on, ends_on))
    return spans


def _members_now(
    teams: dict[str, Team], reps: dict[int, Rep], max_open: int | None, today: date
) -> dict[str, tuple[MemberNow, ...]]:
    spans = _absence_spans(list(reps), today)
    people: dict[int, MemberNow] = {}
    for rep in reps.values():
        own = spans.get(rep.user_id, [])
        current = own[0] if own and own[0][0] <= today else None
        later = [s for s in own if s[0] > today]
        people[rep.user_id] = MemberNow(
            user_id=rep.user_id,
            name=rep.name,
            open_mqls=rep.open_mqls,
            capacity=rep.capacity if rep.capacity is not None else max_open,
            absent_until=current[1] if current else None,
            next_absence=later[0] if later else None,
        )
    return {
        key: tuple(
            sorted(
                (people[m.pk] for m in team.members.all() if m.pk in people),
                key=lambda m: m.name,
            )
        )
        for key, team in teams.items()
    }


def _rules(
    routing: Routing, teams: dict[str, Team], members: dict[str, tuple[MemberNow, ...]]
) -> list[RuleNow]:
    rules = []
    for position, rule in enumerate(routing.rules, start=1):
        team_key = rule.team or ""
        rules.append(
            RuleNow(
                position=position,
                key=rule.key,
                kind=rule.kind,
                team_key=team_key,
                team=teams.get(team_key),
                countries=rule.countries or (),
                sectors=rule.sectors or (),
                size_bands=rule.size_bands or (),
                members=members.get(team_key, ()),
            )
        )
    return rules


def _then(rules: list[RuleNow], index: int) -> str:
    """Where the leads of ``rules[index]`` go when its team has nobody available."""
    later = [r for r in rules[index + 1 :] if r.kind != RoutingKind.ACCOUNT_OWNER]
    catcher = next((r for r in later if r.catches_all and r.available_count), None)
    if catcher is not None:
        return _("its leads go on to rule “%(rule)s”, where someone is available") % {
            "rule": catcher.key
        }
    team = rules[index].team
    if not later and team is not None:
        return _("its leads wait in %(manager)s's queue (the fallback)") % {"manager": team.manager}
    if not later:
        return _("its leads wait in no one's queue")
    return _(
        "its leads go on to the next rules, and wait in a manager's queue if none finds anyone"
    )


def _warnings(
    rules: list[RuleNow],
    teams: dict[str, Team],
    reps: dict[int, Rep],
) -> list[RoutingWarning]:
    warnings: list[RoutingWarning] = []
    if not rules:
        if teams:
            message = _("This agreement has no routing rules: no MQL is handed to sales.")
            warnings.append(RoutingWarning("no_routing", message))
        return warnings
    for index, rule in enumerate(rules):
        if rule.kind == RoutingKind.ACCOUNT_OWNER:
            outside = (
                Account.objects.filter(owner__isnull=False).exclude(owner_id__in=list(reps)).count()
            )
            if outside:
                message = ngettext(
                    "Rule “%(rule)s”: %(count)d account is owned by someone in no sales team "
                    "(or inactive); its leads go on to the next rules.",
                    "Rule “%(rule)s”: %(count)d accounts are owned by someone in no sales team "
                    "(or inactive); their leads go on to the next rules.",
                    outside,
                ) % {"rule": rule.key, "count": outside}
                warnings.append(RoutingWarning("owners_outside_teams", message, rule.key))
            continue
        if not rule.team_key:
            continue
        if rule.team is None:
            message = _(
                "Rule “%(rule)s” names the team “%(team)s”, which does not exist (create it in "
                "the administration, or fix the key): %(then)s."
            ) % {"rule": rule.key, "team": rule.team_key, "then": _then(rules, index)}
            warnings.append(RoutingWarning("unknown_team", message, rule.key, rule.team_key))
        elif not rule.members:
            message = _("Team %(team)s (rule “%(rule)s”) has no member: %(then)s.") % {
                "team": rule.team,
                "rule": rule.key,
                "then": _then(rules, index),
            }
            warnings.append(RoutingWarning("team_empty", message, rule.key, rule.team_key))
        elif not rule.available_count:
            message = _(
                "Nobody in team %(team)s (rule “%(rule)s”) is available now (%(why)s): %(then)s."
            ) % {
                "team": rule.team,
                "rule": rule.key,
                "why": "; ".join(m.why_unavailable() for m in rule.members),
                "then": _then(rules, index),
            }
            warnings.append(RoutingWarning("nobody_available", message, rule.key, rule.team_key))
    if not any(r.catches_all for r in rules):
        message = _(
            "No rule takes every lead: a lead outside every territory is handed to nobody and "
            "waits in no one's queue. End the rules with a round_robin rule."
        )
        warnings.append(RoutingWarning("no_catch_all", message))
    for team in teams.values():
        if not team.manager.is_active:
            message = _(
                "The manager of team %(team)s, %(manager)s, is inactive: nobody sees the leads "
                "waiting in its queue."
            ) % {"team": team, "manager": team.manager}
            warnings.append(RoutingWarning("manager_inactive", message, team=team.key))
        problem = calendar_problem(team)
        if problem:
            message = _(
                "The calendar of team %(team)s is invalid (%(problem)s): hand-offs to it get no "
                "deadlines. Fix it in the administration."
            ) % {"team": team, "problem": problem}
            warnings.append(RoutingWarning("calendar_invalid", message, team=team.key))
    return warnings


def routing_overview(now: datetime) -> RoutingOverview:
    """The active version's rules in order, who can take a lead now, and what would go wrong."""
    version = active_version()
    routing = (version.agreement.routing if version else None) or Routing()
    teams = _teams()
    reps = reps_now(now)
    today = timezone.localdate(now)
    max_open = routing.max_open_mqls
    rules = _rules(routing, teams, _members_now(teams, reps, max_open, today))
    warnings = _warnings(rules, teams, reps) if version else []
    return RoutingOverview(version, max_open, rules, warnings, list(teams.values()))


def routing_warnings(agreement: Agreement, now: datetime) -> list[RoutingWarning]:
    """What would go wrong routing with this agreement, the teams being as they are."""
    routing = agreement.routing or Routing()
    teams = _teams()
    reps = reps_now(now)
    today = timezone.localdate(now)
    members = _members_now(teams, reps, routing.max_open_mqls, today)
    return _warnings(_rules(routing, teams, members), teams, reps)


def routing_preview_next(now: datetime, n: int = 20) -> RoutingPreview:
    """Who would get the next ``n`` leads: the MQLs waiting, else recent contacts as samples."""
    version = active_version()
    routing = version.agreement.routing if version else None
    if routing is None or not routing.rules:
        return RoutingPreview(source="")
    contacts = list(mqls_waiting().select_related("account").order_by("stage_changed_at", "id")[:n])
    source = "waiting"
    if not contacts:
        source = "sample"
        contacts = list(
            Contact.objects.filter(account__isnull=False)
            .select_related("account")
            .order_by("-created_at", "-id")[:n]
        )
    teams = _teams()
    reps = reps_now(now)
    decisions = route_preview([lead_of(c) for c in contacts], reps, routing, now)
    rows = [
        PreviewRow(
            contact=contact,
            rule=decision.rule,
            team=teams.get(decision.team or ""),
            team_key=decision.team or "",
            assignee=reps[decision.user_id].name if decision.user_id is not None else "",
            skipped=decision.skipped,
        )
        for contact, decision in zip(contacts, decisions, strict=True)
    ]
    return RoutingPreview(source=source, rows=rows)
