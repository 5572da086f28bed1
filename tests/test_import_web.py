"""The import wizard with files that break the format or steps that fail: a problem at its row
or a failed job with its reason, never a server error nor a job waiting for ever."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from smarketing.contacts.models import Contact
from smarketing.imports import jobs
from smarketing.imports.models import ImportJob
from smarketing.imports.tasks import import_step_task

pytestmark = pytest.mark.django_db
HUGE = "a cell holds more than 1,000,000 characters: row skipped"
FILE = (
    "Courriel;Prénom;Nom\n"
    "anne@acme.fr;Anne;Martin\n"
    f"big@acme.fr;{'A' * 1_100_000};Big\n"
    "paul@acme.fr;Paul;Durand\n"
).encode("cp1252")
COLUMNS = {"step": "mapping", "col-email": "Courriel", "col-first_name": "Prénom"}


def _client(users_by_role) -> Client:
    client = Client()
    client.force_login(users_by_role["marketing_manager"])
    return client


def _upload(client: Client, content: bytes = FILE) -> ImportJob:
    response = client.post(
        "/imports/", {"kind": "contacts", "file": SimpleUploadedFile("salon.csv", content)}
    )
    assert response.status_code == 302
    return ImportJob.objects.get()


def test_a_huge_cell_in_a_small_file_is_a_rejected_row_not_a_server_error(users_by_role) -> None:
    # given a file of 1.1 MB (checked during the request) whose row 3 holds a huge cell
    client = _client(users_by_role)
    job = _upload(client)
    # when its columns are chosen (the dry run runs at once), then it is imported
    assert client.post(f"/imports/{job.pk}/", COLUMNS).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.dry_run["created"], job.dry_run["rejected"]) == ("checked", 2, 1)
    assert job.dry_run["problems"] == [
        {"row": 3, "column": "", "reason": HUGE, "severity": "rejected"}
    ]
    assert client.post(f"/imports/{job.pk}/", {"step": "run"}).status_code == 302
    # then the two other rows are imported
    job.refresh_from_db()
    assert (job.status, job.result["created"], job.result["rejected"]) == ("done", 2, 1)
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "anne@acme.fr",
        "paul@acme.fr",
    ]


def test_a_huge_cell_in_a_large_file_does_not_stop_the_worker_step(
    users_by_role, monkeypatch
) -> None:
    # given the same file treated as large: its dry run goes to the worker
    monkeypatch.setattr(jobs, "INLINE_BYTES", 0)
    client = _client(users_by_role)
    job = _upload(client)
    client.post(f"/imports/{job.pk}/", COLUMNS)
    job.refresh_from_db()
    assert job.status == "checking"
    # when the worker runs it
    task = DBTaskResult.objects.get(task_path__endswith="import_step_task")
    assert import_step_task.func(*task.args_kwargs["args"]) == "checked"
    # then the job is checked, with the row reported
    job.refresh_from_db()
    assert (job.status, job.progress, job.dry_run["rejected"]) == ("checked", 1.0, 1)


def test_a_step_that_fails_ends_the_job_as_failed_with_the_reason(
    users_by_role, monkeypatch
) -> None:
    # given a large file, and an error of ours in the import
    monkeypatch.setattr(jobs, "INLINE_BYTES", 0)
    client = _client(users_by_role)
    job = _upload(client, "Courriel;Prénom\nanne@acme.fr;Anne\n".encode())
    client.post(f"/imports/{job.pk}/", COLUMNS)

    def broken(**_: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(jobs, "import_run", broken)
    # when the worker runs the dry run
    task = DBTaskResult.objects.get(task_path__endswith="import_step_task")
    assert import_step_task.func(*task.args_kwargs["args"]) == "failed"
    # then the job is failed, and its page says why
    job.refresh_from_db()
    reason = (
        "The dry run stopped on an unexpected error (RuntimeError): nothing was written. "
        "The details are in the server's log."
    )
    assert (job.status, job.error) == ("failed", reason)
    assert "stopped on an unexpected error (RuntimeError)" in client.get(
        f"/imports/{job.pk}/"
    ).content.decode().replace("&#x27;", "'")
    # and when the error is gone, a new dry run can start from the page
    monkeypatch.undo()
    assert client.post(f"/imports/{job.pk}/", COLUMNS).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.dry_run["created"]) == ("checked", 1)


def test_a_file_unreadable_when_its_step_runs_ends_the_job_as_failed(
    users_by_role, monkeypatch
) -> None:
    # given a large file replaced, after its upload, by one with a NUL byte far into it
    monkeypatch.setattr(jobs, "INLINE_BYTES", 0)
    client = _client(users_by_role)
    job = _upload(client, "Courriel;Prénom\nanne@acme.fr;Anne\n".encode())
    client.post(f"/imports/{job.pk}/", COLUMNS)
    job.refresh_from_db()
    with open(job.stored_as, "ab") as stored:
        stored.write(b"x" * 70_000 + b"\x00\n")
    # when the worker runs the dry run
    task = DBTaskResult.objects.get(task_path__endswith="import_step_task")
    import_step_task.func(*task.args_kwargs["args"])
    # then the job is failed with the reason
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.startswith("This is not a text file (a NUL byte at byte 70,036)")
