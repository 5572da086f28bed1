"""The import wizard offers what mapping files offer: the mapping's reading options kept, each
choice value translated on the page, each date column's order, the notices about the file,
the header's row, and a deal import's default currency."""

from __future__ import annotations

import html
import re
from datetime import UTC

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from smarketing.contacts.models import Contact
from smarketing.imports.mappings import mapping_named
from smarketing.imports.models import ImportJob, SavedMapping

pytestmark = pytest.mark.django_db
LINE = re.compile(
    r'<tr data-value="(?P<text>[^"]*)">.*?data-count="(?P<count>\d+)">.*?'
    r'data-becomes="(?P<becomes>[^"]*)">(?P<shown>[^<]*)<'
)


def _client(users_by_role) -> Client:
    client = Client()
    client.force_login(users_by_role["marketing_manager"])
    return client


def _upload(client: Client, text: str, kind: str = "contacts", name: str = "f.csv") -> ImportJob:
    response = client.post(
        "/imports/", {"kind": kind, "file": SimpleUploadedFile(name, text.encode())}
    )
    assert response.status_code == 302
    return ImportJob.objects.get()


def _page(client: Client, job: ImportJob) -> str:
    return html.unescape(client.get(f"/imports/{job.pk}/").content.decode())


def _post(client: Client, job: ImportJob, **fields: str):
    response = client.post(f"/imports/{job.pk}/", {"step": "mapping", **fields})
    job.refresh_from_db()
    return response


def test_a_detected_hubspot_file_keeps_its_values_through_the_mapping_step(
    users_by_role,
) -> None:
    # given a HubSpot contacts export, its lifecycle stages in HubSpot's words
    client = _client(users_by_role)
    job = _upload(
        client,
        "Record ID,First Name,Last Name,Email,Lifecycle Stage\n"
        "101,Anne,Martin,anne@acme.fr,Marketing Qualified Lead\n"
        "102,Paul,Durand,paul@acme.fr,Lead\n"
        "103,Léa,Petit,lea@acme.fr,Marketing Qualified Lead\n",
    )
    # when its columns are taken as the page proposes them, saved, dry run and imported
    columns = {
        "col-external_id": "Record ID",
        "col-first_name": "First Name",
        "col-last_name": "Last Name",
        "col-email": "Email",
        "col-stage": "Lifecycle Stage",
    }
    assert _post(client, job, **columns, save_as="HubSpot ours").status_code == 302
    client.post(f"/imports/{job.pk}/", {"step": "run"})
    # then the mapping kept HubSpot's translations, label and source, and the stages are ours
    job.refresh_from_db()
    shipped = mapping_named("hubspot-contacts")
    assert job.mapping["values"] == shipped.values
    assert (job.mapping["name"], job.mapping["label"], job.mapping["source"]) == (
        "hubspot-contacts",
        "HubSpot — contacts",
        "hubspot",
    )
    assert SavedMapping.objects.get().data["values"] == shipped.values
    assert (job.dry_run["created"], job.dry_run["warnings"]) == (3, 0)
    assert dict(Contact.objects.values_list("email", "lifecycle_stage")) == {
        "anne@acme.fr": "mql",
        "paul@acme.fr": "lead",
        "lea@acme.fr": "mql",
    }


def test_the_value_editor_lists_the_values_and_its_translation_changes_the_dry_run(
    users_by_role,
) -> None:
    # given a file whose stages are in its own words, its columns applied without a dry run
    client = _client(users_by_role)
    job = _upload(
        client,
        "Courriel;Nom;Statut\n"
        "a@acme.fr;A;Chaud\n"
        "b@acme.fr;B;Froid\n"
        "c@acme.fr;C;Chaud\n"
        "d@acme.fr;D;mql\n",
    )
    columns = {"col-email": "Courriel", "col-last_name": "Nom", "col-stage": "Statut"}
    _post(client, job, **columns, action="apply")
    assert job.status == "mapping"
    # when the page is shown
    page = _page(client, job)
    # then it lists each value of the column, most frequent first, and what it becomes
    lines = [m.group("text", "count", "becomes", "shown") for m in LINE.finditer(page)]
    assert lines == [
        ("Chaud", "2", "lead", "unknown → Lead"),
        ("Froid", "1", "lead", "unknown → Lead"),
        ("mql", "1", "mql", "MQL (marketing qualified)"),
    ]
    # and without a translation the dry run warns at each unknown stage
    _post(client, job, **columns)
    assert [p["row"] for p in job.dry_run["problems"]] == [2, 3, 4]
    assert job.dry_run["problems"][0]["reason"] == "unknown stage 'Chaud': imported as lead"
    # when Chaud is translated to mql on the page, Froid left as read, and the dry run runs
    translated = {
        "vk-stage-0": "Chaud",
        "v-stage-0": "mql",
        "vk-stage-1": "Froid",
        "v-stage-1": "",
        "vk-stage-2": "mql",
        "v-stage-2": "",
    }
    assert _post(client, job, **columns, **translated).status_code == 302
    # then the mapping holds the translation, and only Froid is still unknown
    assert job.mapping["values"] == {"stage": {"Chaud": "mql"}}
    assert [(p["row"], p["reason"]) for p in job.dry_run["problems"]] == [
        (3, "unknown stage 'Froid': imported as lead")
    ]
    assert "MQL (marketing qualified)" in _page(client, job).split('data-value="Chaud"')[1]
    # and the import creates the contacts with the translated stage
    client.post(f"/imports/{job.pk}/", {"step": "run"})
    assert dict(Contact.objects.values_list("email", "lifecycle_stage")) == {
        "a@acme.fr": "mql",
        "b@acme.fr": "lead",
        "c@acme.fr": "mql",
        "d@acme.fr": "mql",
    }


def test_an_ambiguous_date_column_is_settled_by_the_order_chosen_by_its_field(
    users_by_role,
) -> None:
    # given a date column where every date could be day first or month first
    client = _client(users_by_role)
    job = _upload(client, "Courriel;Nom;Créé le\na@acme.fr;A;03/04/2024\nb@acme.fr;B;05/06/2024\n")
    columns = {"col-email": "Courriel", "col-last_name": "Nom", "col-created_at": "Créé le"}
    _post(client, job, **columns, action="apply")
    # when the page is shown, then its field offers the order, and says it must be chosen
    page = _page(client, job)
    assert '<select id="date-created_at" name="date-created_at" aria-invalid="true"' in page
    assert (
        '<span class="errorlist" id="date-created_at-error">2 dates can be read day first or '
        "month first (such as 03/04/2024 on row 2) and none decides: choose the order, or the "
        "import stops.</span>"
    ) in page
    # when the dry run runs without an order, then it stops, saying what to do on the page
    _post(client, job, **columns)
    assert job.status == "failed"
    assert job.error == (
        "The column 'Créé le' holds dates that can be read day first or month first (2, such "
        "as '03/04/2024' on row 2) and none of them decides: choose the order of its dates by "
        "the field created_at (day first or month first), then run the dry run again. Nothing "
        "was imported."
    )
    # when day first is chosen by the field
    assert _post(client, job, **columns, **{"date-created_at": "day_first"}).status_code == 302
    # then the dry run passes, and the import reads 03/04/2024 as the 3rd of April
    assert (job.status, job.dry_run["created"], job.dry_run["rejected"]) == ("checked", 2, 0)
    assert job.mapping["dates"] == {"created_at": "day_first"}
    client.post(f"/imports/{job.pk}/", {"step": "run"})
    created = Contact.objects.get(email="a@acme.fr").created_at.astimezone(UTC)
    assert created.isoformat() == "2024-04-03T00:00:00+00:00"


def test_the_notices_about_the_file_are_shown_after_the_upload_and_in_the_report(
    users_by_role,
) -> None:
    # given a file naming two columns Nom, and two columns Email and EMAIL
    client = _client(users_by_role)
    job = _upload(client, "Email;EMAIL;Nom;Nom\na@acme.fr;b@acme.fr;Martin;Anne\n")
    repeated = "The column 'Nom' appears 2 times in the header: read as 'Nom', 'Nom (2)'."
    alike = "The columns 'Email' and 'EMAIL' both match 'Email': 'Email' (the first) is read."
    # when the page is shown after the upload, then it tells the repeated name
    page = _page(client, job)
    assert '<div class="card" id="file-notices" role="note">' in page
    assert f"<li>{repeated}</li>" in page
    # when the e-mail is taken from Email and the dry run runs
    _post(client, job, **{"col-email": "Email", "col-last_name": "Nom"})
    # then the report keeps both notices, and the page shows them with it
    assert job.dry_run["notices"] == [repeated, alike]
    report = _page(client, job).split('id="dry-run-report"')[1]
    assert f"<li>{repeated}</li><li>{alike}</li>" in report


def test_a_header_on_row_3_reads_the_columns_again(users_by_role) -> None:
    # given a file with a title on row 1 and its column names on row 3
    client = _client(users_by_role)
    job = _upload(client, "Salon 2026\n\nCourriel;Nom\na@acme.fr;Martin\npas-un-email;Bon\n")
    assert job.columns == ["Salon 2026"]
    # when row 3 is given as the header's
    assert _post(client, job, header_row="3").status_code == 302
    # then the columns are read again from it, and nothing runs yet
    assert (job.columns, job.status, job.mapping["header_row"]) == (
        ["Courriel", "Nom"],
        "mapping",
        3,
    )
    assert '<option value="Courriel">Courriel</option>' in _page(client, job)
    # when they are chosen and the dry run runs, then rows keep the spreadsheet's numbers
    _post(client, job, header_row="3", **{"col-email": "Courriel", "col-last_name": "Nom"})
    assert (job.dry_run["created"], job.dry_run["rejected"]) == (1, 1)
    assert job.dry_run["problems"][0]["row"] == 5


def test_a_wrong_currency_code_is_an_error_by_its_field(users_by_role) -> None:
    # given a deals file
    client = _client(users_by_role)
    job = _upload(client, "Name;Amount;Account\nBig deal;1200;Acme\n", kind="deals")
    columns = {"col-name": "Name", "col-amount": "Amount", "col-account_name": "Account"}
    # when XYZ is given as the default currency
    response = _post(client, job, **columns, currency="xyz", action="apply")
    # then the page refuses it by the field, keeping what was typed, and nothing changes
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert 'name="currency" value="xyz"' in page
    assert 'aria-invalid="true" aria-describedby="currency-error"' in page
    assert (
        '<span class="errorlist" id="currency-error">XYZ is not a currency code (ISO 4217, '
        "such as EUR or USD).</span>"
    ) in page
    assert (job.mapping["columns"], job.mapping.get("currency", "")) == ({}, "")
    # when usd is given, then it is kept as USD
    assert _post(client, job, **columns, currency="usd", action="apply").status_code == 302
    assert job.mapping["currency"] == "USD"
