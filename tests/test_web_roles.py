"""Every page with every role: 200, 403 or the login page exactly as the role table says."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from smarketing.agreement.services import agreement_draft_create
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

ROLES = ["marketing_user", "marketing_manager", "sales_rep", "sales_manager", "management", "admin"]
# page → the roles that get 200; every other logged-in role gets 403, anonymous the login page.
EXPECTED = {
    "/": set(ROLES),  # each role's home page
    "/contacts/": set(ROLES),
    "/contacts/{contact}/": set(ROLES),
    "/contacts/?q=ma&stage=lead": set(ROLES),
    "/contacts/{contact}/export/": {"marketing_manager", "admin"},
    "/contacts/{contact}/export.json": {"marketing_manager", "admin"},
    "/contacts/{contact}/erase/": {"marketing_manager", "admin"},
    "/privacy/audit/": {"admin"},
    "/agreement/": set(ROLES),
    "/agreement/v{version}/": set(ROLES),
    "/agreement/v{version}/preview/": set(ROLES),
    "/agreement/v{version}/export/": set(ROLES),
    "/agreement/rescore/": set(ROLES),
    "/agreement/new/": {"marketing_manager", "sales_manager", "management", "admin"},
    "/agreement/v{version}/edit/": {"marketing_manager", "sales_manager", "management", "admin"},
    "/integrations/tokens/": {"marketing_manager", "admin"},
    "/imports/": {"marketing_manager", "sales_manager", "admin"},
    "/inbox/": {"sales_rep", "sales_manager", "admin"},
    "/inbox/tokens/": {"sales_rep", "sales_manager", "admin"},
    "/export/deals.csv": {"marketing_manager", "sales_manager", "management", "admin"},
    "/integrations/sites/": {"marketing_manager", "admin"},
    "/integrations/forms/": {"marketing_manager", "admin"},
    "/notifications/": set(ROLES),
    "/sla/": {"sales_manager", "management", "admin"},  # management reads, does not reassign
    "/routing/": {"sales_manager", "admin"},
    "/scorecard/": {
        "marketing_user",
        "marketing_manager",
        "sales_rep",
        "sales_manager",
        "management",
        "admin",
    },
    "/review/": set(ROLES),  # every role that reads the scorecard
    "/review/2027-01/": set(ROLES),
    "/feedback/": set(ROLES),
    "/feedback/rejections/?reason=x": set(ROLES),
    "/content/": set(ROLES),
    "/programs/": set(ROLES),
    "/admin/": {"admin"},
}
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()


def _login_status(client: Client, url: str) -> int:
    response = client.get(url)
    if response.status_code == 302 and "/login/" in response["Location"]:
        return 302
    return response.status_code


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_every_page_answers_as_the_role_table_says(role: str, users_by_role: dict) -> None:
    # given a contact and a client for the role
    contact = ContactFactory()
    version = agreement_draft_create(actor=users_by_role["marketing_manager"], text=YAML)
    client = Client()
    if role != "anonymous":
        client.force_login(users_by_role[role])
    for pattern, allowed in EXPECTED.items():
        url = pattern.format(contact=contact.pk, version=version.number)
        # when the page is opened
        status = _login_status(client, url)
        # then
        if role == "anonymous":
            assert status == 302, url
        elif url.startswith("/admin/"):
            assert status == (200 if role in allowed else 302), (
                url
            )  # admin sends others to its login
        else:
            assert status == (200 if role in allowed else 403), url


def test_unknown_contact_is_404(users_by_role: dict) -> None:
    client = Client()
    client.force_login(users_by_role["sales_rep"])
    assert client.get("/contacts/999999/").status_code == 404


def test_inactive_user_is_sent_to_login(users_by_role: dict) -> None:
    user = users_by_role["sales_rep"]
    client = Client()
    client.force_login(user)
    user.is_active = False
    user.save()
    assert _login_status(client, "/contacts/") == 302
