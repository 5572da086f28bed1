"""The export's shape, the pages (privacy card, export, erase, audit log) and the API, with
the roles that may and may not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from smarketing.capture.tokens import token_create
from smarketing.cli.main import main
from smarketing.contacts.models import Contact
from smarketing.privacy.models import AuditEntry
from smarketing.privacy.services import contact_export
from tests.privacy_world import EMAIL, FIRST, LAST, PHONE, privacy_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, tmp_path):
    return privacy_world(make_user, tmp_path)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_export_has_every_section_with_the_contacts_rows(world) -> None:
    contact = world["contact"]
    data = contact_export(actor=world["marketing"], contact=contact)
    assert sorted(data) == [
        "account",
        "activities",
        "consent_confirmations",
        "consent_records",
        "contact",
        "content_ratings",
        "deals",
        "emails",
        "enrolments",
        "events",
        "exported_at",
        "external_ids",
        "form_answers",
        "format",
        "handoff_steps",
        "handoffs",
        "identified_visitors",
        "imports",
        "recycles",
        "stage_history",
        "suppressions",
        "touchpoints",
    ]
    assert data["format"] == "smarketing.contact-export/1"
    profile = data["contact"]
    assert (profile["email"], profile["first_name"], profile["last_name"], profile["phone"]) == (
        "quorra.xandervelt@lumen.example",
        "Quorra",
        "Xandervelt",
        "+33 6 12 34 56 78",
    )
    assert (profile["job_title"], profile["lifecycle_stage"]) == ("CFO", "nurturing")
    assert data["account"] == {"id": contact.account_id, "name": "Lumen", "domain": "lumen.example"}
    assert [(a["kind"], a["subject"], a["body"]) for a in data["activities"]] == [
        ("call", "Call Quorra", "+33 6 12 34 56 78")
    ]
    assert [(d["name"], d["amount"]) for d in data["deals"]] == [("Xandervelt pilot", "1200.00")]
    assert [h["comment"] for h in data["handoffs"]] == [
        "Quorra Xandervelt asked to be called back in Q3 on +33 6 12 34 56 78"
    ]
    assert [h["reason_code"] for h in data["handoffs"]] == ["not_now"]
    assert [f["answers"]["phone"] for f in data["form_answers"]] == ["+33 6 12 34 56 78"]
    assert sorted(e["type"] for e in data["events"]) == ["content_download", "form_submitted"]
    assert [(r["verdict"], r["comment"]) for r in data["content_ratings"]] == [
        ("helped", "Quorra liked it")
    ]
    assert [(s["reason"], s["detail"]) for s in data["suppressions"]] == [
        ("unsubscribed", "Quorra clicked the link")
    ]
    assert [m["to_email"] for m in data["emails"]] == [EMAIL, EMAIL]
    assert [(r["from_stage"], r["reason_code"]) for r in data["recycles"]] == [("mql", "not_now")]
    assert [e["status"] for e in data["enrolments"]] == ["done"]
    assert [i["file_name"] for i in data["imports"]] == ["leads.csv"]
    entry = AuditEntry.objects.get(action="exported")
    assert (entry.actor, entry.subject_id) == (world["marketing"], contact.pk)
    assert entry.details["rows"]["activities"] == 1
    assert FIRST not in json.dumps(entry.details)


def test_pages_export_and_erase_for_a_manager_and_the_log_shows_them(world, make_user) -> None:
    contact, manager = world["contact"], world["marketing"]
    client = _client(manager)
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'href="/contacts/{contact.pk}/erase/"' in page
    download = client.get(f"/contacts/{contact.pk}/export.json")
    assert download["Content-Disposition"] == f'attachment; filename="contact-{contact.pk}.json"'
    assert json.loads(download.content)["contact"]["last_name"] == LAST
    readable = client.get(f"/contacts/{contact.pk}/export/").content.decode()
    assert PHONE in readable
    assert 'id="export-handoffs"' in readable
    wrong = client.post(f"/contacts/{contact.pk}/erase/", {"email": "nobody@lumen.example"})
    assert wrong.status_code == 400
    assert 'id="error-email"' in wrong.content.decode()
    assert Contact.objects.get(pk=contact.pk).email == EMAIL
    done = client.post(f"/contacts/{contact.pk}/erase/", {"email": EMAIL})
    assert (done.status_code, done["Location"]) == (302, f"/contacts/{contact.pk}/")
    assert Contact.objects.get(pk=contact.pk).last_name == ""
    admin = make_user("admin", username="root")
    log = _client(admin).get("/privacy/audit/?action=erased").content.decode()
    assert "Erased" in log
    assert f"contact #{contact.pk}" in log
    assert "form_answers: 1" in log
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "actor__username"))
    assert actions == [
        ("viewed", "mira"),
        ("exported", "mira"),
        ("exported", "mira"),
        ("erased", "mira"),
    ]


def test_a_sales_rep_sees_no_privacy_card_and_gets_403(world) -> None:
    contact, client = world["contact"], _client(world["lea"])
    assert 'id="privacy"' not in client.get(f"/contacts/{contact.pk}/").content.decode()
    assert client.post(f"/contacts/{contact.pk}/erase/", {"email": EMAIL}).status_code == 403
    assert client.get(f"/contacts/{contact.pk}/export.json").status_code == 403
    assert Contact.objects.get(pk=contact.pk).email == EMAIL


def test_the_audit_page_filters_and_pages(world, make_user) -> None:
    admin = make_user("admin", username="root")
    client = _client(admin)
    for _ in range(3):
        client.get(f"/contacts/{world['contact'].pk}/")
    first = client.get("/privacy/audit/?action=viewed&date=2099-01-01").content.decode()
    assert "No entry matches." in first
    bad = client.get("/privacy/audit/?date=tomorrow").content.decode()
    assert 'id="error-date"' in bad
    newest = AuditEntry.objects.order_by("-id").first()
    older = client.get(f"/privacy/audit/?actor={admin.pk}&after={newest.pk}").content.decode()
    assert older.count("<td>Viewed</td>") == 2


def _api(token: str, method: str, url: str, body: dict | None = None):
    client = Client()
    kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "get":
        return client.get(url, **kwargs)
    return client.post(url, json.dumps(body or {}), content_type="application/json", **kwargs)


def test_the_api_exports_and_erases_with_the_privacy_scope(world) -> None:
    contact, manager = world["contact"], world["marketing"]
    token = token_create(actor=manager, name="dpo", scopes=["privacy"])[1]
    exported = _api(token, "get", f"/api/v1/contacts/{contact.pk}/export")
    assert exported.status_code == 200
    assert exported.json()["contact"]["email"] == EMAIL
    missing = _api(token, "get", "/api/v1/contacts/999999/export")
    assert (missing.status_code, missing.json()) == (
        404,
        {
            "code": "contact_not_found",
            "message": "No contact has this id or address.",
            "field": "contact",
        },
    )
    wrong = _api(token, "post", f"/api/v1/contacts/{contact.pk}/erase", {"email": "x@y.example"})
    assert wrong.status_code == 400
    assert (wrong.json()["code"], wrong.json()["field"]) == ("confirmation_mismatch", "email")
    erased = _api(token, "post", f"/api/v1/contacts/{contact.pk}/erase", {"email": EMAIL})
    assert erased.status_code == 200
    assert erased.json()["contact_id"] == contact.pk
    assert erased.json()["rows"]["form_answers"] == 1
    assert Contact.objects.get(pk=contact.pk).email == ""
    again = _api(token, "post", f"/api/v1/contacts/{contact.pk}/erase", {"email": "x@y.example"})
    assert (again.status_code, again.json()["code"]) == (409, "already_erased")


def test_the_api_refuses_another_scope_and_a_role_without_the_right(world) -> None:
    contact, manager = world["contact"], world["marketing"]
    kpis = token_create(actor=manager, name="bi", scopes=["kpis"])[1]
    assert _api(kpis, "get", f"/api/v1/contacts/{contact.pk}/export").status_code == 403
    token = token_create(actor=manager, name="dpo", scopes=["privacy"])[1]
    manager.role = "sales_rep"
    manager.save(update_fields=["role"])
    refused = _api(token, "post", f"/api/v1/contacts/{contact.pk}/erase", {"email": EMAIL})
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert Contact.objects.get(pk=contact.pk).email == EMAIL


def test_the_command_exports_and_erases_by_address(world, capsys) -> None:
    contact = world["contact"]
    assert main(["privacy", "export", "--email", EMAIL.upper(), "--by", "mira"]) == 0
    assert json.loads(capsys.readouterr().out)["contact"]["id"] == contact.pk
    assert main(["privacy", "erase", "--contact", str(contact.pk), "--by", "mira"]) == 2
    assert "Add --yes" in capsys.readouterr().err
    assert main(["privacy", "erase", "--contact", str(contact.pk), "--by", "lea"]) == 2
    assert "no user is named 'lea'" in capsys.readouterr().err
    rep = world["lea"].username
    assert main(["privacy", "erase", "--email", EMAIL, "--by", rep, "--yes"]) == 1
    assert "does not allow" in capsys.readouterr().err
    assert main(["privacy", "erase", "--email", EMAIL, "--by", "mira", "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Contact {contact.pk} erased: ")
    assert "  form_answers: 1\n" in out
    assert main(["privacy", "export", "--email", EMAIL, "--by", "mira"]) == 1
    assert "No contact has this id or address." in capsys.readouterr().err


def test_the_admin_shows_the_log_read_only(world, make_user) -> None:
    contact_export(actor=world["marketing"], contact=world["contact"])
    entry = AuditEntry.objects.get()
    client = _client(make_user("admin", username="root", is_staff=True, is_superuser=True))
    listing = client.get("/admin/privacy/auditentry/")
    assert listing.status_code == 200
    assert f'<td class="field-subject_id">{world["contact"].pk}</td>' in listing.content.decode()
    assert client.get("/admin/privacy/auditentry/add/").status_code == 403
    assert (
        client.post(f"/admin/privacy/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.count() == 1
