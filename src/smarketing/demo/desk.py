"""The demo's sales desk, replayed in time order: who gets each MQL, how soon they answer it and
how they work it afterwards (pure apart from reading the teams and absences once)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.utils import timezone

from smarketing.agreement.document import Agreement, FitRules, Routing
from smarketing.demo import data
from smarketing.handoff.models import Absence, Team
from smarketing.handoff.reps import reps_now
from smarketing.handoff.routing import NEVER, Decision, Lead, Rep, route
from smarketing.scoring.fit import Fit, Profile, fit_evaluate
from smarketing.sla.workhours import BusinessCalendar
from smarketing.users.models import User

HOUR = 3600.0
YEAR = timedelta(days=365)
TIGHT = 4 * HOUR  # a term this short is often missed
Touch = tuple[str, datetime]


class _Calendar(BusinessCalendar):
    """A business calendar that remembers which days are worked: the replay asks very often."""

    @cached_property
    def _worked(self) -> dict[date, bool]:
        return {}

    def is_working_day(self, day: date) -> bool:
        """As :meth:`BusinessCalendar.is_working_day`, remembered per day."""
        worked = self._worked
        if day not in worked:
            worked[day] = super().is_working_day(day)
        return worked[day]


@dataclass
class Desk:
    """Who is in, who was assigned last, and each rep's punctuality over the year."""

    rng: random.Random
    start: datetime
    routing: Routing
    fit_rules: FitRules
    teams: dict[str, Team]
    reps: dict[int, Rep]
    away: dict[int, set[date]]
    punctuality: dict[int, tuple[float, float]]
    zone: ZoneInfo  # the site's: days of absence are the site's days
    day: date | None = None
    calendars: dict[str, BusinessCalendar] = field(default_factory=dict)
    fits: dict[Profile, Fit] = field(default_factory=dict)

    @classmethod
    def open(cls, rng: random.Random, start: datetime, agreement: Agreement) -> Desk:
        """The desk at the start of the demo year, from the teams and absences in the database."""
        away: dict[int, set[date]] = {}
        for user_id, first, last in Absence.objects.values_list("user_id", "starts_on", "ends_on"):
            days = away.setdefault(user_id, set())
            days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        names = dict(User.objects.values_list("username", "pk"))
        return cls(
            rng=rng,
            start=start,
            routing=agreement.routing or Routing(),
            fit_rules=agreement.fit,
            teams={team.key: team for team in Team.objects.all()},
            reps=reps_now(start),  # no hand-off yet: nobody is loaded
            away=away,
            punctuality={
                names[name]: chances for name, chances in data.PUNCTUALITY.items() if name in names
            },
            zone=ZoneInfo(timezone.get_default_timezone_name()),
        )

    def calendar(self, team: Team | None) -> BusinessCalendar:
        """The team's business calendar (built once)."""
        key = team.key if team else ""
        if key not in self.calendars:
            plain = team.calendar() if team else BusinessCalendar()
            self.calendars[key] = _Calendar(
                **{f.name: getattr(plain, f.name) for f in fields(plain)}
            )
        return self.calendars[key]

    def fit(self, profile: Profile) -> Fit:
        """The lead's fit under the agreement (remembered per profile)."""
        if profile not in self.fits:
            self.fits[profile] = fit_evaluate(profile, self.fit_rules)
        return self.fits[profile]

    def is_away(self, user_id: int, moment: datetime) -> bool:
        """Whether the rep is absent on the (site-local) day of ``moment``."""
        return moment.astimezone(self.zone).date() in self.away.get(user_id, ())

    def assign(self, lead: Lead, at: datetime) -> Decision:
        """Route ``lead`` as the worker would have at ``at`` (capacity is not replayed)."""
        day = at.astimezone(self.zone).date()
        if day != self.day:
            self.day = day
            self.reps = {
                pk: replace(rep, absent=day in self.away.get(pk, set()))
                for pk, rep in self.reps.items()
            }
        decision = route(lead, self.reps, self.routing)
        if decision.user_id is not None:
            self.reps[decision.user_id] = replace(self.reps[decision.user_id], last_assigned_at=at)
        return decision

    def from_queue(self, team: Team, at: datetime, limit: datetime) -> tuple[int, datetime] | None:
        """When the manager hands a queued lead to the member in turn: the first working moment a
        member is in (None if that is not before ``limit``)."""
        calendar = self.calendar(team)
        moment = at
        for _ in range(60):
            moment = calendar.deadline(moment, self.rng.uniform(0.25, 2) * HOUR)
            if moment >= limit:
                return None
            present = [
                rep
                for rep in self.reps.values()
                if team.key in rep.teams and not self.is_away(rep.user_id, moment)
            ]
            if present:
                rep = min(present, key=lambda r: (r.last_assigned_at or NEVER, r.user_id))
                return rep.user_id, moment
            tomorrow = moment.astimezone(self.zone).date() + timedelta(days=1)
            moment = datetime.combine(tomorrow, time(), tzinfo=self.zone)
        return None

    def chance(self, user_id: int | None, at: datetime, allowance: float) -> float:
        """How likely the rep meets a deadline of ``allowance`` working seconds at ``at``: their
        punctuality that month, worse while colleagues are on holiday and on tight terms."""
        first, last = self.punctuality.get(user_id or 0, (0.85, 0.85))
        share = min(max((at - self.start) / YEAR, 0.0), 1.0)
        chance = first + (last - first) * share
        local = at.astimezone(self.zone)
        if local.month == 8 or (local.month == 12 and local.day >= 20):
            chance -= 0.1
        if allowance <= TIGHT:
            chance -= 0.2
        return chance

    def answer_at(
        self, calendar: BusinessCalendar, start: datetime, allowance: float, chance: float
    ) -> datetime:
        """When the answer comes: within the allowance with probability ``chance``, else late."""
        in_time = self.rng.random() < chance
        share = self.rng.uniform(0.05, 0.9) if in_time else self.rng.uniform(1.1, 3.5)
        return calendar.deadline(start, share * allowance)

    def touches(
        self,
        calendar: BusinessCalendar,
        accepted_at: datetime,
        touch_due: datetime,
        window_end: datetime,
        needed: int,
        chance: float,
    ) -> list[Touch]:
        """The first touch (mostly by its deadline) and the follow-ups (mostly ``needed`` in all
        by ``window_end``, sometimes fewer and one late) of an accepted lead."""
        rng = self.rng
        available = calendar.working_seconds(accepted_at, touch_due)
        if available > 0 and rng.random() < chance + 0.05:
            first = calendar.deadline(accepted_at, available * rng.uniform(0.1, 0.95))
        else:
            first = calendar.deadline(max(accepted_at, touch_due), rng.uniform(0.5, 16) * HOUR)
        moments = [first]
        done_all = rng.random() < chance
        wanted = needed if done_all else rng.randint(1, max(1, needed - 1))
        while len(moments) < wanted:
            last = moments[-1]
            later = calendar.deadline(last, rng.uniform(4, 16) * HOUR)
            if later > window_end and last < window_end:
                later = last + (window_end - last) * rng.uniform(0.2, 0.9)
            moments.append(later)
        if not done_all and rng.random() < 0.5:
            moments.append(calendar.deadline(window_end, rng.uniform(2, 30) * HOUR))
        kinds = [rng.choice(("call", "call", "call", "email", "email"))]
        kinds += rng.choices(("call", "email", "meeting"), (45, 40, 15), k=len(moments) - 1)
        return list(zip(kinds, moments, strict=True))
