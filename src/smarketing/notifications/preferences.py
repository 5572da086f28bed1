"""Each person's notification preferences, and when a message may reach them.

The rules (see ``docs/notifications.md``):

- a channel is **immediate**, an **hourly digest** (at the next full hour), a **daily digest**
  (at ``digest_time``) or **off**, in the person's time zone (their own, else their team's, else
  the site's);
- **urgent** messages (a lead given to the salesperson, an SLA at risk or breached) ignore the
  digest setting, not "off";
- during **quiet hours** nothing goes out by e-mail or chat: what waits is released at their end
  (urgent messages too, unless the person opted in); the app is never quiet.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.translation import gettext as _

from smarketing.core.errors import DomainError
from smarketing.notifications.models import Channel, Mode, Preference
from smarketing.users.models import User

EDITABLE = (
    "app",
    "email",
    "chat",
    "digest_time",
    "time_zone",
    "quiet_start",
    "quiet_end",
    "urgent_in_quiet_hours",
)


def preference_for(user: User) -> Preference:
    """``user``'s preferences: their saved row, or the defaults (not saved)."""
    found = Preference.objects.filter(user=user).first()
    return found if found is not None else Preference(user=user)


def zone_valid(name: str) -> bool:
    """Whether ``name`` is an IANA time zone such as ``Europe/Paris``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def preference_update(*, user: User, values: dict[str, Any]) -> Preference:
    """Save ``user``'s preferences from ``values`` (the fields of :data:`EDITABLE`).

    Raises :class:`DomainError` naming the field: an unknown mode, an unknown time zone, quiet
    hours with one end only or with both ends equal."""
    preference = preference_for(user)
    for name in EDITABLE:
        if name in values:
            setattr(preference, name, values[name])
    for name in ("app", "email", "chat"):
        if getattr(preference, name) not in Mode.values:
            raise DomainError(_("Choose at once, hourly, daily or off."), field=name)
    preference.time_zone = (preference.time_zone or "").strip()
    if preference.time_zone and not zone_valid(preference.time_zone):
        raise DomainError(
            _("Unknown time zone: write it as Europe/Paris or America/New_York."), field="time_zone"
        )
    start, end = preference.quiet_start, preference.quiet_end
    if (start is None) != (end is None):
        field = "quiet_end" if end is None else "quiet_start"
        raise DomainError(_("Give both ends of the quiet hours, or neither."), field=field)
    if start is not None and start == end:
        raise DomainError(
            _("Quiet hours cannot start and end at the same time."), field="quiet_end"
        )
    preference.save()
    return preference


def mode_of(preference: Preference, channel: str) -> str:
    """The mode chosen for ``channel`` (``app``, e-mail, or Slack/Teams as one chat setting)."""
    if channel == "app":
        return str(preference.app)
    if channel == Channel.EMAIL:
        return str(preference.email)
    return str(preference.chat)


def zone_of(preference: Preference, fallback: tzinfo | None) -> tzinfo:
    """The person's time zone, else ``fallback`` (their team's), else the site's."""
    if preference.time_zone and zone_valid(preference.time_zone):
        return ZoneInfo(preference.time_zone)
    return fallback or ZoneInfo(str(settings.TIME_ZONE))


def _at(day: datetime, moment: time, zone: tzinfo) -> datetime:
    return datetime.combine(day.date(), moment, tzinfo=zone)


def hourly_due(now: datetime, zone: tzinfo) -> datetime:
    """The next full hour (local) strictly after ``now``."""
    local = now.astimezone(zone)
    return local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def daily_due(now: datetime, zone: tzinfo, at: time) -> datetime:
    """The first ``at`` (local) strictly after ``now``."""
    local = now.astimezone(zone)
    due = _at(local, at, zone)
    return due if due > local else _at(local + timedelta(days=1), at, zone)


def quiet_until(preference: Preference, moment: datetime, zone: tzinfo) -> datetime | None:
    """The end of the quiet hours ``moment`` falls in, or None when it is not in quiet hours."""
    start, end = preference.quiet_start, preference.quiet_end
    if start is None or end is None:
        return None
    local = moment.astimezone(zone)
    now = local.timetz().replace(tzinfo=None)
    inside = start <= now < end if start < end else (now >= start or now < end)
    if not inside:
        return None
    until = _at(local, end, zone)
    return until if until > local else _at(local + timedelta(days=1), end, zone)


def release_time(
    preference: Preference, *, channel: str, urgent: bool, now: datetime, zone: tzinfo
) -> datetime | None:
    """When a message to this person on ``channel`` goes out; None: never (the channel is off).

    ``now`` itself means at once."""
    mode = mode_of(preference, channel)
    if mode == Mode.OFF:
        return None
    if urgent or mode == Mode.IMMEDIATE:
        due = now
    elif mode == Mode.HOURLY:
        due = hourly_due(now, zone)
    else:
        due = daily_due(now, zone, preference.digest_time)
    if channel == "app" or (urgent and preference.urgent_in_quiet_hours):
        return due
    until = quiet_until(preference, due, zone)
    return due if until is None else until
