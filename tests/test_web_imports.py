"""The import wizard (upload → columns → dry run → import → report) and CSV exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from smarketing.contacts.models import Contact
from smarketing.contacts.services import contact_create
from smarketing.imports import jobs
from smarketing.imports.models import ImportJob, SavedMapping
from smarketing.imports.tasks import import_step_task

pytestmark = pytest.mark.django_db
FILE = (
    "Courriel;Prénom;Nom;Société\n"
    "anne@acme.fr;Anne;Martin;Acme\n"
    "pas-un-email;Jean;Bon;\n"
    "paul@acme.fr;Paul;Durand;Acme\n"
).encode("cp1252")


def _client(users_by_role, role: str = "marketing_manager") -> Client:
    client = Client()
    client.force_login(users_by_role[role])
    return client


def _upload(client: Client, content: bytes = FILE, name: str = "salon.csv"):
    return client.post("/imports/", {"kind": "contacts", "file": SimpleUploadedFile(name, content)})


def test_the_wizard_maps_checks_imports_and_reports(users_by_role) -> None:
    client = _client(users_by_role)
    response = _upload(client)
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.pk}/"
    assert job.columns == ["Courriel", "Prénom", "Nom", "Société"]
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="col-email"' in page
    # step 2: the columns, saved for next time, then the dry run (small file: at once)
    client.post(
        f"/imports/{job.pk}/",
        {
            "step": "mapping",
            "col-email": "Courriel",
            "col-first_name": "Prénom",
            "col-last_name": "Nom",
            "col-company": "Société",
            "source": "salon-2026",
            "save_as": "Salon export",
        },
    )
    job.refresh_from_db()
    assert job.status == "checked"
    assert (job.dry_run["created"], job.dry_run["rejected"]) == (2, 1)
    assert job.dry_run["problems"][0]["row"] == 3
    assert not Contact.objects.exists()
    assert SavedMapping.objects.get().data["columns"]["email"] == "Courriel"
    # step 3: the import, then the report of every problem
    client.post(f"/imports/{job.pk}/", {"step": "run"})
    job.refresh_from_db()
    assert (job.status, job.result["created"], job.result["rejected"]) == ("done", 2, 1)
    assert Contact.objects.get(email="anne@acme.fr").account.name == "Acme"
    report = client.get(f"/imports/{job.pk}/report.csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    report.close()
    assert rows == [
        ["row", "column", "severity", "reason"],
        ["3", "Courriel", "rejected", "'pas-un-email' is not a valid email address."],
    ]


def test_a_mapping_without_the_email_column_is_refused(users_by_role) -> None:
    client = _client(users_by_role)
    _upload(client)
    job = ImportJob.objects.get()
    response = client.post(f"/imports/{job.pk}/", {"step": "mapping", "col-first_name": "Prénom"})
    assert response.status_code == 400
    assert "the email field needs a column" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "mapping"


def test_an_unreadable_upload_is_refused_next_to_the_field(users_by_role) -> None:
    response = _upload(_client(users_by_role), content=b"", name="empty.csv")
    assert response.status_code == 400
    assert 'id="import-file-error"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_large_file_runs_in_the_worker_with_progress(users_by_role, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "INLINE_BYTES", 0)
    client = _client(users_by_role)
    _upload(client)
    job = ImportJob.objects.get()
    client.post(
        f"/imports/{job.pk}/", {"step": "mapping", "col-email": "Courriel", "col-last_name": "Nom"}
    )
    job.refresh_from_db()
    assert job.status == "checking"
    assert "0 % of the file read" in client.get(f"/imports/{job.pk}/").content.decode()
    task = DBTaskResult.objects.get(task_path__endswith="import_step_task")
    import_step_task.func(*task.args_kwargs["args"])
    polled = client.get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    job.refresh_from_db()
    assert (job.status, job.dry_run["created"]) == ("checked", 2)


def test_export_is_streamed_and_neutralises_formulas(users_by_role) -> None:
    contact_create(actor=None, email="anne@acme.fr", first_name='=HYPERLINK("x")', phone="+33 6 12")
    response = _client(users_by_role, "management").get("/export/contacts.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["first_name"] == '\'=HYPERLINK("x")'
    assert rows[0]["phone"] == "'+33 6 12"
    assert _client(users_by_role, "sales_rep").get("/export/contacts.csv").status_code == 403
