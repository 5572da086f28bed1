"""Nurturing programs: definitions checked by step, entry by a reject reason, steps played by
the sweep with time advanced (e-mail, working-day wait, wait for a click, stage change), exits,
exclusions, re-entry, editing a running program, and the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from smarketing.contacts.services import contact_update
from smarketing.handoff.models import Handoff
from smarketing.handoff.services import handoff_reject
from smarketing.journal.consumers import consume_all
from smarketing.mailing.models import OutgoingMessage
from smarketing.mailing.services import template_save
from smarketing.nurturing.enrolment import enrol
from smarketing.nurturing.models import Enrolment
from smarketing.nurturing.programs import program_create, program_status_set, program_version_save
from smarketing.nurturing.recycling import CONSUMER
from smarketing.nurturing.runner import programs_run, working_days_after
from smarketing.nurturing.selectors import program_flow
from smarketing.nurturing.spec import SpecError, spec_parse
from smarketing.tracking.services import EventIn, events_append
from tests.test_recycling import _handed
from tests.test_work_queue import build_world

pytestmark = pytest.mark.django_db
# Tuesday 1 December 2026, 10:00 in Paris
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PROGRAM = """
entry: {reasons: [not_now]}
exits: [mql, customer, unsubscribed, replied, meeting]
steps:
  - {key: welcome, email: nurture-welcome}
  - {key: pause, wait_days: 2}
  - {key: clicked, wait_event: email_clicked, max_days: 7, yes: back, no: end}
  - {key: back, stage: mql}
  - {key: end, exit: true}
"""


def _template(name: str = "nurture-welcome"):
    return template_save(
        actor=None,
        name=name,
        kind="marketing",
        subject_en="Still closing your books by hand, {{ contact.first_name }}?",
        html_en="<p>Hello {{ contact.first_name }}</p>",
        text_en="Hello {{ contact.first_name }}",
    )


@pytest.fixture
def program(make_user):
    world = build_world(make_user)
    _template()
    created = program_create(actor=None, name="Not now", text=PROGRAM)
    program_status_set(actor=None, program=created, status="active")
    return {**world, "program": created}


def _rejected(world, email: str, consent: str = "granted") -> Handoff:
    handoff = _handed(email)
    contact_update(actor=None, contact=handoff.contact, consent=consent, first_name="Anne")
    handoff_reject(actor=world["lea"], handoff=handoff, code="not_now", now=T0)
    return handoff


def test_a_definition_is_refused_with_each_problem_by_step() -> None:
    text = """
steps:
  - {key: a, email: missing-template}
  - {key: b, condition: {min_fit: B}, yes: c, no: nowhere}
  - {key: c, notify_owner: "look", next: b}
  - {key: d, wait_days: 3}
  - {key: e, enrol: itself}
"""
    with pytest.raises(SpecError) as error:
        spec_parse(text, template_ok=lambda name: False, program_key="itself", programs={"x"})
    problems = dict(error.value.problems)
    assert "missing-template" in problems["a"]
    assert "nowhere" in problems["b"]
    assert "itself" in problems["e"]
    # with the targets fixed: d and e are reached by no path, b ↔ c loop without a wait
    fixed = text.replace("no: nowhere", "no: c").replace("enrol: itself", "enrol: x")
    with pytest.raises(SpecError) as error:
        spec_parse(fixed, template_ok=lambda name: True, program_key="itself", programs={"x"})
    assert sorted(error.value.problems) == [
        ("b", "this step is in a loop with no wait in it"),
        ("d", "no path reaches this step"),
        ("e", "no path reaches this step"),
    ]
    assert error.value.code == "invalid_program"


def test_a_rejected_lead_goes_through_the_program_until_it_comes_back(program) -> None:
    handoff = _rejected(program, "anne@a.fr")
    consume_all(CONSUMER)
    enrolment = Enrolment.objects.get(contact=handoff.contact)
    assert (enrolment.source, enrolment.step, enrolment.status) == (
        "disposition",
        "welcome",
        "active",
    )
    # the sweep sends the welcome e-mail once, then waits 2 working days: Thursday 3 December
    assert programs_run(now=T0 + timedelta(minutes=1)) == 1
    message = OutgoingMessage.objects.get(contact=handoff.contact)
    assert (message.key, message.status) == (f"program-{enrolment.pk}-welcome", "queued")
    enrolment.refresh_from_db()
    assert (enrolment.step, enrolment.due_at) == ("pause", datetime(2026, 12, 3, 9, 1, tzinfo=UTC))
    assert programs_run(now=T0 + timedelta(days=1)) == 0  # nothing due on Wednesday
    # Thursday: the wait is over, the wait for a click starts (checked every hour)
    assert programs_run(now=datetime(2026, 12, 3, 10, 0, tzinfo=UTC)) == 1
    enrolment.refresh_from_db()
    assert (enrolment.step, enrolment.due_at) == (
        "clicked",
        datetime(2026, 12, 3, 11, 0, tzinfo=UTC),
    )
    # she clicks; at the next check the yes path moves her to MQL: she converted
    events_append(
        events=[
            EventIn(
                type="email_clicked",
                occurred_at=datetime(2026, 12, 3, 10, 30, tzinfo=UTC),
                contact_id=handoff.contact_id,
                properties={"campaign": "nurture"},
            )
        ],
        source="api",
    )
    assert programs_run(now=datetime(2026, 12, 3, 11, 0, tzinfo=UTC)) == 1
    enrolment.refresh_from_db()
    handoff.contact.refresh_from_db()
    assert handoff.contact.lifecycle_stage == "mql"
    assert (enrolment.status, enrolment.outcome) == ("converted", "became an MQL")
    assert list(enrolment.steps.values_list("step", "outcome")) == [
        ("", "entered"),
        ("welcome", "sent"),
        ("pause", "waited"),
        ("clicked", "yes"),
        ("back", "moved to mql"),
        ("", "became an MQL"),  # checked before the next step ("end"), which is not played
    ]
    flow = program_flow(program["program"])
    assert flow.totals == {"converted": 1}
    assert {s.step.key: s.played for s in flow.steps} == {
        "welcome": 1,
        "pause": 1,
        "clicked": 1,
        "back": 1,
        "end": 0,
    }


def test_without_a_click_the_no_path_ends_the_program(program) -> None:
    handoff = _rejected(program, "bob@b.fr")
    consume_all(CONSUMER)
    programs_run(now=T0)
    programs_run(now=datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # the wait for a click starts
    # 7 days later, no click: no → end
    programs_run(now=datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    enrolment = Enrolment.objects.get(contact=handoff.contact)
    assert (enrolment.status, enrolment.outcome) == ("done", "exit")
    handoff.contact.refresh_from_db()
    assert handoff.contact.lifecycle_stage == "nurturing"  # still nurtured, not moved
    assert OutgoingMessage.objects.filter(contact=handoff.contact).count() == 1


def test_opted_out_leads_are_never_enrolled_and_unsubscribing_leaves(program) -> None:
    opted_out = _rejected(program, "carl@c.fr", consent="withdrawn")
    consume_all(CONSUMER)
    assert not Enrolment.objects.filter(contact=opted_out.contact).exists()
    # someone in the program who opts out leaves at the next step, and gets nothing more
    dan = _rejected(program, "dan@d.fr")
    consume_all(CONSUMER)
    contact_update(actor=None, contact=dan.contact, consent="withdrawn")
    programs_run(now=T0)
    enrolment = Enrolment.objects.get(contact=dan.contact)
    assert (enrolment.status, enrolment.outcome) == ("left", "unsubscribed")
    assert not OutgoingMessage.objects.filter(contact=dan.contact).exists()
    # and without reentry_days, nobody enters twice
    again = enrol(program=program["program"], contact=dan.contact, source="manual", now=T0)
    assert again is None


def test_editing_a_running_program_changes_only_steps_not_reached(program) -> None:
    handoff = _rejected(program, "eve@e.fr")
    consume_all(CONSUMER)
    programs_run(now=T0)  # welcome sent, waiting at "pause"
    _template("nurture-offer")
    program_version_save(
        actor=None,
        program=program["program"],
        text=PROGRAM.replace("yes: back", "yes: offer").replace(
            "  - {key: back, stage: mql}", "  - {key: offer, email: nurture-offer}"
        ),
    )
    # Eve waits at "pause" (a wait begun under v1): she finishes it, then follows v2's steps
    programs_run(now=datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    events_append(
        events=[
            EventIn(
                type="email_clicked",
                occurred_at=datetime(2026, 12, 3, 10, 30, tzinfo=UTC),
                contact_id=handoff.contact_id,
                properties={},
            )
        ],
        source="api",
    )
    programs_run(now=datetime(2026, 12, 3, 11, 0, tzinfo=UTC))
    enrolment = Enrolment.objects.get(contact=handoff.contact)
    assert enrolment.version.number == 2
    assert OutgoingMessage.objects.filter(contact=handoff.contact).count() == 2  # welcome, offer


def test_the_pages_list_create_and_show_the_flow(program, make_user) -> None:
    client = Client()
    client.force_login(make_user("marketing_manager"))
    assert "Not now" in client.get("/programs/").content.decode()
    bad = client.post("/programs/", {"name": "Broken", "text": "steps:\n  - {key: a, email: nope}"})
    assert bad.status_code == 400
    assert "no marketing e-mail template is named “nope”" in bad.content.decode()
    page = client.get("/programs/not-now/").content.decode()
    assert "welcome" in page
    assert "yes → back" in page
    reader = Client()
    reader.force_login(make_user("sales_rep"))
    assert reader.get("/programs/not-now/").status_code == 200
    assert reader.post("/programs/", {"name": "x", "text": PROGRAM}).status_code == 200
    assert "Save as a draft" not in reader.get("/programs/").content.decode()


def test_working_days_skip_weekends() -> None:
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert working_days_after(friday, 1) == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    assert working_days_after(friday, 5) == datetime(2026, 12, 11, 15, 0, tzinfo=UTC)
