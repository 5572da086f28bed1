"""Every import is listed on the import page, from the command line too, with its report
(issue 17, item 6)."""

from __future__ import annotations

import csv

import pytest
from django.test import Client
from django.urls import reverse

from smarketing.cli.main import main
from smarketing.imports.models import ImportJob

pytestmark = pytest.mark.django_db


def test_a_command_line_import_is_listed_with_its_report(users_by_role, tmp_path) -> None:
    # given a file with one good row, one refused row and one duplicate
    path = tmp_path / "salon.csv"
    path.write_text(
        "Email,First name\nanne@acme.fr,Anne\nnot-an-email,Bob\nANNE@acme.fr,Anne\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "salon.yaml"
    mapping.write_text(
        "name: salon\nkind: contacts\nsource: salon\n"
        "columns: {email: Email, first_name: First name}\n",
        encoding="utf-8",
    )
    # when it is imported from the command line, with a report file
    assert (
        main(
            [
                "import",
                "contacts",
                str(path),
                "--mapping",
                str(mapping),
                "--report",
                str(tmp_path / "problems.csv"),
            ]
        )
        == 0
    )
    # then the import page lists it, by the command line, with its counts and its problems
    job = ImportJob.objects.get()
    assert (job.origin, job.status, job.created_by, job.file_name) == (
        "cli",
        "done",
        None,
        "salon.csv",
    )
    assert (job.result["created"], job.result["rejected"], job.result["unchanged"]) == (1, 1, 1)
    client = Client()
    client.force_login(users_by_role["marketing_manager"])
    page = client.get(reverse("import_list")).content.decode()
    assert "salon.csv" in page
    assert "command line" in page
    detail = client.get(reverse("import_job", kwargs={"job_id": job.pk})).content.decode()
    assert 'data-count="created">1<' in detail
    assert "Imported from the command line" in detail
    download = client.get(reverse("import_report", kwargs={"job_id": job.pk}))
    rows = list(csv.reader(b"".join(download.streaming_content).decode().splitlines()))
    assert [row[0] for row in rows[1:]] == ["3", "4"]
    # and the --report file holds the same problems
    with (tmp_path / "problems.csv").open(encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == rows


def test_a_dry_run_from_the_command_line_is_not_listed(tmp_path) -> None:
    path = tmp_path / "salon.csv"
    path.write_text("email\nanne@acme.fr\n", encoding="utf-8")
    assert (
        main(["import", "contacts", str(path), "--mapping", "smarketing-contacts", "--dry-run"])
        == 0
    )
    assert ImportJob.objects.count() == 0


def test_the_page_takes_no_step_for_a_command_line_import(users_by_role, tmp_path) -> None:
    path = tmp_path / "salon.csv"
    path.write_text("email\nanne@acme.fr\n", encoding="utf-8")
    assert main(["import", "contacts", str(path), "--mapping", "smarketing-contacts"]) == 0
    job = ImportJob.objects.get()
    client = Client()
    client.force_login(users_by_role["marketing_manager"])
    page = client.post(reverse("import_job", kwargs={"job_id": job.pk}), {"step": "run"})
    assert page.status_code == 400
    assert "it has no step to take here" in page.content.decode()
    job.refresh_from_db()
    assert job.status == "done"
