"""Sending the pack to the meeting's participants: one e-mail each, with the pack as a PDF and
the meeting as an iCalendar invitation (``METHOD:REQUEST``, one UID per month so that sending
it again with a new time moves the meeting in the participants' calendars).

``review_pack_send`` records one :class:`PackSend` per participant (once per pack and person)
and enqueues the worker's task; the task sends with Django's e-mail backend and marks the row
sent after the mail server took it (a worker killed between the two sends it again, with the
same Message-ID, so the mail clients show it once).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from smarketing.core.errors import DomainError
from smarketing.jobs.durable import job_enqueue
from smarketing.review.models import PackSend, ReviewPack
from smarketing.review.pdf import pack_pdf
from smarketing.users.models import User
from smarketing.users.roles import Capability, Role, ensure_can

PARTICIPANT_ROLES = (Role.MARKETING_MANAGER, Role.SALES_MANAGER, Role.MANAGEMENT)
MAX_ATTEMPTS = 3


def participants_default() -> list[User]:
    """Both teams' managers and management, active and with an address."""
    rows = User.objects.filter(role__in=PARTICIPANT_ROLES, is_active=True).exclude(email="")
    return list(rows.order_by("role", "first_name", "username"))


def invitation(pack: ReviewPack, meeting_at: datetime, minutes: int, people: list[User]) -> bytes:
    """The meeting as an iCalendar request, its UID the same for every sending of the month."""
    calendar = Calendar()
    calendar.add("prodid", "-//Smarketing//Monthly review//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "smarketing"
    event.add("uid", f"review-{pack.month:%Y-%m}@{domain}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting_at)
    event.add("dtend", meeting_at + timedelta(minutes=minutes))
    event.add("summary", _("Smarketing review of %(month)s") % {"month": f"{pack.month:%Y-%m}"})
    event.add("description", _("MQLs, sales objectives, content to produce: the pack is attached."))
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText("Smarketing")
    event["organizer"] = organizer
    for person in people:
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(str(person))
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return calendar.to_ical()


def review_pack_send(
    *,
    actor: User | None,
    pack: ReviewPack,
    meeting_at: datetime,
    minutes: int = 60,
    user_ids: list[int] | None = None,
    now: datetime | None = None,
) -> list[PackSend]:
    """Have the worker e-mail the pack and the invitation to each participant, once each."""
    if actor is not None:
        ensure_can(actor, Capability.DECIDE_REVIEW)
    when = now or timezone.now()
    if meeting_at <= when:
        raise DomainError(_("Choose a meeting time in the future."), field="meeting_at")
    if not 15 <= minutes <= 480:
        raise DomainError(_("A meeting lasts 15 to 480 minutes."), field="minutes")
    people = participants_default()
    if user_ids is not None:
        people = [p for p in people if p.pk in set(user_ids)]
    if not people:
        raise DomainError(_("Nobody to send the pack to: choose participants."), field="users")
    sends = []
    with transaction.atomic():
        for person in people:
            send, created = PackSend.objects.get_or_create(
                pack=pack, user=person, defaults={"meeting_at": meeting_at, "minutes": minutes}
            )
            if created:
                from smarketing.review.tasks import pack_send_task

                job_enqueue(pack_send_task, send.pk)
            sends.append(send)
    return sends


def pack_send_deliver(send_id: int) -> bool:
    """Send one participant's e-mail unless already sent; whether it was sent now."""
    send = PackSend.objects.select_related("pack", "user").filter(pk=send_id).first()
    if send is None or send.status == "sent":
        return False
    pack = send.pack
    people = [s.user for s in pack.sends.select_related("user")]
    month = f"{pack.month:%Y-%m}"
    message = EmailMessage(
        subject=_("Smarketing review of %(month)s: the pack and the meeting") % {"month": month},
        body=_(
            "The pack of %(month)s is attached (MQLs, sales objectives, content to produce), "
            "with the meeting's invitation."
        )
        % {"month": month},
        to=[send.user.email],
        headers={"Message-ID": f"<review-{month}-{send.pk}@smarketing>"},
    )
    message.attach(f"smarketing-review-{month}.pdf", pack_pdf(pack=pack), "application/pdf")
    message.attach(
        "invitation.ics",
        invitation(pack, send.meeting_at, send.minutes, people),
        "text/calendar; method=REQUEST",
    )
    try:
        message.send()
    except OSError as exc:
        attempts = send.attempts + 1
        PackSend.objects.filter(pk=send.pk).update(
            attempts=attempts,
            last_error=str(exc)[:500],
            status="failed" if attempts >= MAX_ATTEMPTS else "queued",
        )
        raise
    PackSend.objects.filter(pk=send.pk).update(
        status="sent", sent_at=timezone.now(), attempts=send.attempts + 1, last_error=""
    )
    return True
