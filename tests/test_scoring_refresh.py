"""A profile or account changed by an import or in the admin is judged again: fit, exclusions,
the MQL rule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.services import (
    agreement_activate,
    agreement_approve,
    agreement_draft_create,
)
from smarketing.contacts.models import Contact, ProfileChange, StageTransition
from smarketing.contacts.services import account_create, contact_create, contact_update
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import mapping_named
from smarketing.imports.readers import table_open
from smarketing.imports.report import ImportReport
from smarketing.scoring.models import ContactScore
from smarketing.scoring.refresh import profile_changes_consume
from smarketing.scoring.rescore import rescore_run, rescore_start, rescore_step
from smarketing.scoring.services import scores_refresh, scoring_consume
from smarketing.scoring.tasks import profile_changes_task
from smarketing.tracking.services import EventIn, events_append
from tests.admin_forms import admin_errors, admin_post
from tests.rescore_world import approved, managers_make, variant

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()


@pytest.fixture
def active(make_user) -> AgreementVersion:
    marketing, sales = make_user("marketing_manager"), make_user("sales_manager")
    version = agreement_draft_create(actor=marketing, text=YAML)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=sales, version=version)
    return agreement_activate(actor=sales, version=version)


def _scored(email: str, job_title: str, size_band: str, pricing_views: int) -> Contact:
    """A contact of a French account with ``pricing_views`` views of /pricing an hour ago,
    scored by the consumer."""
    account = account_create(
        actor=None, name=email, domain=email.split("@")[1], size_band=size_band, country="FR"
    )
    contact = contact_create(actor=None, email=email, job_title=job_title, account=account)
    hour_ago = timezone.now() - timedelta(hours=1)
    events_append(
        events=[
            EventIn(
                type="page_view",
                occurred_at=hour_ago,
                contact_id=contact.pk,
                properties={"path": "/pricing"},
            )
        ]
        * pricing_views,
        source="api",
    )
    scoring_consume()
    return contact


def _import(tmp_path: Path, name: str, text: str, **options: bool) -> ImportReport:
    path = tmp_path / name
    path.write_text(text)
    with table_open(path) as table:
        return import_run(table=table, mapping=mapping_named(name.split(".")[0]), **options)


def _queued() -> list[list[int]]:
    """The contact ids of each profile change recorded for the worker, in order."""
    rows = ProfileChange.objects.order_by("id")
    return [row.contact_ids for row in rows]


def _score(contact: Contact, version: AgreementVersion | None = None) -> tuple[str, int, bool, str]:
    scores = ContactScore.objects.filter(contact=contact)
    score = scores.get(version=version) if version else scores.get()
    return score.fit_grade, score.fit_points, score.qualifies, score.reason


def test_a_new_job_title_from_an_import_qualifies_and_moves_to_mql_once(active, tmp_path) -> None:
    # given an accountant of a large French company with 3 pricing views (45 points): fit D
    # (title ✘ 0, size ✘ 0, country ✔ 30), so below the rule in spite of the points
    paul = _scored("paul@tolerie.fr", "Comptable", "5000+", 3)
    assert _score(paul) == ("D", 30, False, "needs fit ≥ B and engagement ≥ 40")
    # when an import says he is now the DAF (title ✔ 40 + country ✔ 30 = 70: fit B)
    report = _import(
        tmp_path,
        "smarketing-contacts.csv",
        "email,first_name,last_name,job_title,lifecycle_stage\n"
        "paul@tolerie.fr,Paul,Roux,DAF,lead\n",
    )
    assert report.updated == 1
    # then a refresh of his score was queued with the import, and running it qualifies him
    assert _queued() == [[paul.pk]]
    assert profile_changes_task.call() == 1
    assert _score(paul) == ("B", 70, True, "fit ≥ B and engagement ≥ 40")
    paul.refresh_from_db()
    assert paul.lifecycle_stage == "mql"
    move = StageTransition.objects.get(contact=paul, to_stage="mql")
    assert (move.reason, move.rule) == ("fit ≥ B and engagement ≥ 40", f"MQL rule v{active.number}")
    # and judging him again changes nothing: one crossing, one move
    assert scores_refresh(contact_ids=[paul.pk]) == 1
    assert StageTransition.objects.filter(contact=paul, to_stage="mql").count() == 1


def test_an_opt_out_from_an_import_wins_over_points(active, tmp_path) -> None:
    # given a CFO of a mid-size French company with 3 pricing views: fit A, qualified
    anne = _scored("anne@acme.fr", "Directrice financière", "51-200", 3)
    assert _score(anne) == ("A", 100, True, "fit ≥ B and engagement ≥ 40")
    engagement = ContactScore.objects.get(contact=anne).engagement
    # when an import records that she withdrew her consent, and the refresh runs
    _import(
        tmp_path,
        "smarketing-contacts.csv",
        "email,first_name,last_name,consent,lifecycle_stage\n"
        "anne@acme.fr,Anne,Morel,withdrawn,lead\n",
    )
    [_change] = _queued()  # one change recorded
    profile_changes_task.call()
    # then the exclusion wins: same fit, same points (decayed by seconds), no longer qualified
    score = ContactScore.objects.get(contact=anne)
    assert (score.fit_grade, score.qualifies, score.reason) == ("A", False, "excluded: opted out")
    assert score.engagement == pytest.approx(engagement, rel=1e-4)


def test_an_account_import_judges_its_contacts_again(active, tmp_path) -> None:
    # given two CFOs of the same company of 5,000+ people: title ✔ 40 + country ✔ 30 = B
    anne = _scored("anne@grandgroupe.fr", "CFO", "5000+", 1)
    bob = contact_create(
        actor=None, email="bob@grandgroupe.fr", job_title="DAF", account=anne.account
    )
    assert _score(anne)[:2] == ("B", 70)
    # when the accounts file says the company has 51-200 people (and only that matters)
    _import(
        tmp_path,
        "smarketing-accounts.csv",
        "name,domain,size_band\ngrandgroupe.fr,grandgroupe.fr,51-200\n",
    )
    # then both contacts are queued; the scored one becomes A (Bob has no score until an event)
    [ids] = _queued()
    assert sorted(ids) == sorted([anne.pk, bob.pk])
    assert profile_changes_task.call() == 1
    assert _score(anne)[:2] == ("A", 100)
    assert not ContactScore.objects.filter(contact=bob).exists()


def test_nothing_is_queued_for_other_fields_or_a_dry_run(active, tmp_path) -> None:
    anne = _scored("anne@acme.fr", "Directrice financière", "51-200", 1)
    before = _score(anne)
    # a new first name changes no fit; a dry run writes nothing, its refresh included
    _import(
        tmp_path,
        "smarketing-contacts.csv",
        "email,first_name,last_name,lifecycle_stage\nanne@acme.fr,Annie,Morel,lead\n",
    )
    _import(
        tmp_path,
        "smarketing-contacts.csv",
        "email,first_name,last_name,job_title,lifecycle_stage\nanne@acme.fr,Anne,Morel,Comptable,lead\n",
        dry_run=True,
    )
    assert _queued() == []
    assert Contact.objects.get(pk=anne.pk).job_title == "Directrice financière"
    assert _score(anne) == before


def test_without_an_active_version_a_refresh_does_nothing(make_user) -> None:
    contact = contact_create(actor=None, email="zoe@acme.fr", job_title="DAF")
    assert scores_refresh(contact_ids=[contact.pk]) == 0


def _admin_post(client: Client, url: str, **changes: str) -> None:
    """Post the admin change form at ``url`` as shown, with ``changes``."""
    response = admin_post(client, url, **changes)
    assert response.status_code == 302, admin_errors(response)


def test_an_edit_in_the_admin_judges_the_contact_again(active, users_by_role) -> None:
    # given an accountant of a large French company with 3 pricing views: fit D
    paul = _scored("paul@tolerie.fr", "Comptable", "5000+", 3)
    client = Client()
    client.force_login(users_by_role["admin"])
    # when an admin corrects his job title, then his company's size
    _admin_post(client, f"/admin/contacts/contact/{paul.pk}/change/", job_title="DAF")
    _admin_post(client, f"/admin/contacts/account/{paul.account_id}/change/", size_band="51-200")
    # then each edit queued a refresh of his score: DAF makes him B (70), the size A (100)
    assert _queued() == [[paul.pk], [paul.pk]]
    profile_changes_task.call()
    assert _score(paul) == ("A", 100, True, "fit ≥ B and engagement ≥ 40")
    # and an edit of another field queues nothing
    _admin_post(client, f"/admin/contacts/contact/{paul.pk}/change/", phone="+33 1 02 03 04 05")
    assert len(_queued()) == 2


def test_a_profile_completed_by_a_form_is_judged_again(active) -> None:
    # given a contact with no job title at a large French company, 3 pricing views: fit D (30)
    paul = _scored("paul@tolerie.fr", "", "5000+", 3)
    assert _score(paul)[:3] == ("D", 30, False)
    # when a form fills in his name (nothing to judge), then his title (as capture forms do)
    contact_update(actor=None, contact=paul, first_name="Paul")
    assert _queued() == []
    contact_update(actor=None, contact=paul, job_title="DAF")
    # then his refresh is queued, and makes him B (title ✔ 40 + country ✔ 30) and an MQL
    assert _queued() == [[paul.pk]]
    profile_changes_task.call()
    assert _score(paul) == ("B", 70, True, "fit ≥ B and engagement ≥ 40")
    assert Contact.objects.get(pk=paul.pk).lifecycle_stage == "mql"


def test_a_profile_changed_during_a_rescore_is_judged_again_after_it(active, make_user) -> None:
    # given Paul, fit D under the active version, and version 2 (MQL at 30 points) being
    # rescored to be activated: its range already read his profile
    paul = _scored("paul@tolerie.fr", "Comptable", "5000+", 3)
    managers = managers_make(make_user)
    second = approved(managers, variant(30))
    run = rescore_start(version=second, actor=managers[1], activate=True)
    rescore_step(run)
    assert _score(paul, second)[:2] == ("D", 30)
    # when his title changes before the run ends, and the refresh runs
    contact_update(actor=None, contact=paul, job_title="DAF")
    [_change] = _queued()  # one change recorded
    profile_changes_task.call()
    # then he is judged now under the active version, and again once the run is over
    assert _score(paul, active)[:3] == ("B", 70, True)
    assert _queued() == [[paul.pk], [paul.pk]]
    later = ProfileChange.objects.order_by("id").last()
    assert later is not None
    assert later.consumed_at is None
    assert later.not_before > timezone.now()
    rescore_run(run)
    profile_changes_consume(now=later.not_before)
    assert _score(paul, second) == ("B", 70, True, "fit ≥ B and engagement ≥ 30")
    assert len(_queued()) == 2  # no run any more: nothing queued again
