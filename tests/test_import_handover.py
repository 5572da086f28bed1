"""Imported history is history: MQLs brought in by an import are not handed to sales unless
someone asks (issue 17, item 6)."""

from __future__ import annotations

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Contact
from smarketing.handoff.models import Handoff
from smarketing.handoff.services import handoffs_route
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import mapping_from
from smarketing.imports.readers import table_open
from tests.test_handoff import NOW, _mql
from tests.test_handoff import world as world

pytestmark = pytest.mark.django_db
MAPPING = mapping_from(
    {
        "name": "old-crm",
        "kind": "contacts",
        "source": "old",
        "columns": {"email": "Email", "company": "Company", "country": "Country", "stage": "Stage"},
    },
    origin="test",
)


def test_imported_mqls_wait_until_someone_hands_them_over(world, tmp_path, capsys) -> None:
    # given two MQLs from last year's CRM and one MQL made in Smarketing
    path = tmp_path / "old.csv"
    path.write_text(
        "Email,Company,Country,Stage\nold1@acme.fr,Acme,FR,mql\nold2@beta.fr,Beta,FR,mql\n",
        encoding="utf-8",
    )
    with table_open(path) as table:
        assert import_run(table=table, mapping=MAPPING).created == 2
    lived = _mql("new@gamma.fr")
    # when routing runs
    routed = handoffs_route(now=NOW)
    # then only the lived MQL is handed over
    assert routed == 1
    assert list(Handoff.objects.values_list("contact_id", flat=True)) == [lived.pk]
    # when a manager asks for the imported MQLs (a dry run first)
    assert main(["handoffs", "route-imported", "--dry-run"]) == 0
    assert "2 imported MQL(s) would be handed to sales." in capsys.readouterr().out
    assert main(["handoffs", "route-imported"]) == 0
    assert handoffs_route(now=NOW) == 2
    # then both are handed over, once: asking again hands nothing
    imported = set(Contact.objects.filter(email__startswith="old").values_list("pk", flat=True))
    assert set(Handoff.objects.values_list("contact_id", flat=True)) == imported | {lived.pk}
    assert main(["handoffs", "route-imported"]) == 0
    assert "0 imported MQL(s) handed to sales" in capsys.readouterr().out


def test_route_imported_refuses_a_date_that_is_not_one(capsys) -> None:
    assert main(["handoffs", "route-imported", "--since", "31/12/2024"]) != 0
    assert "--since: '31/12/2024' is not a date (YYYY-MM-DD)" in capsys.readouterr().err
