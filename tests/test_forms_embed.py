"""Forms embedded in a website: answers become contacts with their consent; spam is refused."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from smarketing.capture.forms import form_create
from smarketing.capture.models import FormSubmission
from smarketing.capture.sites import site_create
from smarketing.contacts.models import Account, Contact
from smarketing.contacts.services import contact_create
from smarketing.tracking.models import Event
from smarketing.tracking.services import EventIn, events_append

pytestmark = pytest.mark.django_db
CONSENT = "J'accepte de recevoir les guides et invitations de Nuage Logiciel."


@pytest.fixture
def form(users_by_role):
    manager = users_by_role["marketing_manager"]
    site = site_create(actor=manager, name="Acme", allowed_origins="https://www.acme.fr")
    return form_create(
        actor=manager,
        site=site,
        name="Demo request",
        fields=["first_name", "last_name", "company", "job_title"],
        required=["last_name"],
        consent_text=CONSENT,
        demo_request=True,
    )


def _open(client: Client, form, query: str = "") -> str:
    page = client.get(f"/f/{form.key}/{query}")
    assert page.status_code == 200
    return re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)


def _send(form, **answers: str):
    client = Client(enforce_csrf_checks=True)
    data = {"token": _open(client, form), **answers}
    return client.post(f"/f/{form.key}/", data)


def test_the_form_may_be_framed_only_by_the_sites_origins(form) -> None:
    page = Client().get(f"/f/{form.key}/")
    assert page["Content-Security-Policy"] == "frame-ancestors 'self' https://www.acme.fr"
    assert "X-Frame-Options" not in page
    assert escape(CONSENT) in page.content.decode()


def test_an_answer_creates_the_contact_with_consent_and_identifies_the_visitor(form) -> None:
    events_append(
        events=[EventIn(type="page_view", occurred_at=form.created_at, visitor_id="visitor-1234")],
        source="tracker",
    )
    response = _send(
        form,
        email="Anne.Martin@Acme.fr",
        first_name="Anne",
        last_name="Martin",
        company="Acme",
        job_title="DAF",
        consent="yes",
        vid="visitor-1234",
        utm_campaign="guide-tresorerie",
    )
    assert response.status_code == 200
    assert "Thank you, we will be in touch." in response.content.decode()
    contact = Contact.objects.get()
    assert (contact.email, contact.source, contact.consent) == (
        "Anne.Martin@Acme.fr",
        "form",
        "granted",
    )
    assert contact.account == Account.objects.get(domain="acme.fr")
    submission = FormSubmission.objects.get()
    assert (submission.consent_given, submission.consent_text) == (True, CONSENT)
    assert submission.utm == {"utm_campaign": "guide-tresorerie"}
    types = list(
        Event.objects.filter(contact=contact).order_by("id").values_list("type", flat=True)
    )
    assert types == ["page_view", "form_submitted", "demo_requested"]
    assert DBTaskResult.objects.filter(task_path__endswith="contact_rescore_task").count() == 1


def test_an_existing_contact_only_gets_its_blanks_filled(form) -> None:
    contact_create(actor=None, email="anne@gmail.com", first_name="Anne-Sophie")
    _send(form, email="ANNE@gmail.com", first_name="Anne", last_name="Martin", company="Perso")
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.account) == (
        "Anne-Sophie",
        "Martin",
        None,
    )
    assert contact.consent == "unknown"
    assert not Account.objects.exists()  # never an account for a free-mail domain


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"email": "not-an-email", "last_name": "M"}, "email", "valid"),
        ({"email": "a@acme.fr"}, "last_name", "This field is required."),
        ({"email": "", "last_name": "M"}, "email", "This field is required."),
    ],
)
def test_bad_answers_are_shown_next_to_the_field(form, answers, field, message) -> None:
    response = _send(form, **answers)
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="e-{field}"' in body
    assert message in body
    assert not Contact.objects.exists()


def test_a_required_consent_box_must_be_ticked(form) -> None:
    form.consent_required = True
    form.save()
    response = _send(form, email="a@acme.fr", last_name="M")
    assert response.status_code == 400
    assert 'id="e-consent"' in response.content.decode()
    assert not FormSubmission.objects.exists()


def test_spam_is_refused(form, settings) -> None:
    assert (
        _send(form, email="bot@acme.fr", last_name="B", website_url="http://spam").status_code
        == 200
    )
    assert not Contact.objects.exists()
    expired = Client().post(
        f"/f/{form.key}/", {"token": "forged", "email": "a@acme.fr", "last_name": "M"}
    )
    assert expired.status_code == 400
    while time.time() % 60 > 55:  # rate windows are whole minutes: stay in one
        time.sleep(0.5)
    settings.FORM_RATE_LIMIT = 2
    statuses = [_send(form, email=f"p{n}@acme.fr", last_name="P").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert Contact.objects.count() == 2


def test_a_token_signed_for_one_form_does_not_open_another(form, users_by_role) -> None:
    other = form_create(
        actor=users_by_role["marketing_manager"], site=form.site, name="Newsletter", fields=[]
    )
    client = Client(enforce_csrf_checks=True)
    token = _open(client, other)
    response = client.post(f"/f/{form.key}/", {"token": token, "email": "eve@acme.fr"})
    assert response.status_code == 400
    assert not Contact.objects.exists()
