"""One contact with data in every table a service can fill, for the privacy tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from smarketing.capture.forms import Answers, form_create, form_submit
from smarketing.capture.sites import site_create
from smarketing.contacts.models import Contact
from smarketing.contacts.services import (
    account_create,
    activity_log,
    contact_create,
    contact_stage_change,
    deal_create,
)
from smarketing.handoff.models import Handoff
from smarketing.handoff.services import handoff_reject, handoffs_route
from smarketing.imports.jobs import job_upload
from smarketing.journal.consumers import consume_all
from smarketing.mailing.consent import consent_record, suppression_add
from smarketing.mailing.services import message_send, template_save
from smarketing.marketing.content_feedback import content_rate
from smarketing.marketing.services import content_asset_create
from smarketing.marketing.touchpoints import touchpoints_consume
from smarketing.nurturing.programs import program_create, program_status_set
from smarketing.nurturing.recycling import CONSUMER
from smarketing.nurturing.runner import programs_run
from smarketing.tracking.services import EventIn, events_append
from tests.test_work_queue import build_world

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 1 December 2026, 10:00 in Paris
EMAIL = "quorra.xandervelt@lumen.example"
FIRST, LAST, PHONE = "Quorra", "Xandervelt", "+33 6 12 34 56 78"
PROGRAM = """
entry: {reasons: [not_now]}
exits: [mql, customer, unsubscribed, replied, meeting]
steps:
  - {key: welcome, email: privacy-welcome}
  - {key: end, exit: true}
"""


def _template(name: str) -> Any:
    return template_save(
        actor=None,
        name=name,
        kind="marketing",
        subject_en="News for {{ contact.first_name }} {{ contact.last_name }}",
        html_en="<p>Hello {{ contact.first_name }} ({{ contact.email }})</p>",
        text_en="Hello {{ contact.first_name }} ({{ contact.email }})",
    )


def privacy_world(make_user: Any, tmp_path: Any) -> dict[str, Any]:
    """Quorra Xandervelt: a form answer, events and a touchpoint, a rated content, a deal, a
    call, consent and e-mails, a hand-off rejected with a comment naming her, a recycle and a
    program enrolment, a suppression, and an uploaded import file naming her."""
    world = build_world(make_user)
    lea, marketing = world["lea"], make_user("marketing_manager", username="mira")
    _template("privacy-welcome")
    program = program_create(actor=None, name="Not now", text=PROGRAM)
    program_status_set(actor=None, program=program, status="active")
    account = account_create(actor=None, name="Lumen", domain="lumen.example", country="FR")
    contact = contact_create(
        actor=None,
        email=EMAIL,
        first_name=FIRST,
        last_name=LAST,
        phone=PHONE,
        job_title="CFO",
        account=account,
        at=T0 - timedelta(days=2),
    )
    site = site_create(actor=marketing, name="Lumen", allowed_origins="https://www.lumen.example")
    form = form_create(
        actor=marketing,
        site=site,
        name="Guide",
        fields=["first_name", "last_name", "phone"],
        required=["last_name"],
        consent_text="Send me your guides.",
    )
    form_submit(
        form=form,
        answers=Answers(
            values={"email": EMAIL, "first_name": FIRST, "last_name": LAST, "phone": PHONE},
            consent=True,
            visitor_id="visitor-quorra",
        ),
        now=T0 - timedelta(days=2),
    )
    guide = content_asset_create(
        actor=None,
        kind="whitepaper",
        title="Closing guide",
        url_or_path="/guides/closing",
        language="en",
    )
    events_append(
        events=[
            EventIn(
                type="content_download",
                occurred_at=T0 - timedelta(days=1),
                contact_id=contact.pk,
                properties={"content": "closing", "note": f"{FIRST} {LAST} <{EMAIL}>"},
            )
        ],
        source="api",
    )
    touchpoints_consume(now=T0, settle=timedelta(0))
    contact.refresh_from_db()
    content_rate(
        actor=lea, asset=guide, contact=contact, verdict="helped", comment=f"{FIRST} liked it"
    )
    activity_log(actor=lea, contact=contact, kind="call", subject=f"Call {FIRST}", body=PHONE)
    consent_record(contact=contact, is_granted=True, source="form", text="Send me your guides.")
    message_send(key="news-1", template=_template("news"), contact_id=contact.pk, now=T0)
    contact.refresh_from_db()
    contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="test", at=T0)
    handoffs_route(now=T0)
    handoff = Handoff.objects.get(contact=contact)
    comment = f"{FIRST} {LAST} asked to be called back in Q3 on {PHONE}"
    handoff_reject(actor=lea, handoff=handoff, code="not_now", comment=comment, now=T0)
    consume_all(CONSUMER)
    programs_run(now=T0 + timedelta(minutes=1))
    suppression_add(email=EMAIL, reason="unsubscribed", detail=f"{FIRST} clicked the link")
    deal_create(actor=None, account=account, name=f"{LAST} pilot", amount="1200", contact=contact)
    upload = SimpleUploadedFile(
        "leads.csv", f"email,first_name,last_name,phone\n{EMAIL},{FIRST},{LAST},{PHONE}\n".encode()
    )
    job = job_upload(actor=marketing, kind="contacts", upload=upload)
    contact = Contact.objects.get(pk=contact.pk)
    # what the admin's history keeps when someone edits her there
    LogEntry.objects.create(
        user=marketing,
        content_type=ContentType.objects.get_for_model(Contact),
        object_id=str(contact.pk),
        object_repr=str(contact),
        action_flag=CHANGE,
        change_message="Changed phone.",
    )
    return {**world, "contact": contact, "marketing": marketing, "job": job, "guide": guide}
