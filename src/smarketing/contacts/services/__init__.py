"""Writes of the shared record. Views, API, CLI and tasks call these; nothing else writes."""

from smarketing.contacts.services.accounts import account_create
from smarketing.contacts.services.activities import activity_log
from smarketing.contacts.services.contacts import contact_create, contact_update
from smarketing.contacts.services.deals import deal_create, deal_lose, deal_win
from smarketing.contacts.services.profiles import profile_change_record
from smarketing.contacts.services.stages import (
    HistoryStep,
    contact_stage_change,
    contacts_stage_bulk_change,
    stage_history_bulk_write,
)

__all__ = [
    "HistoryStep",
    "account_create",
    "activity_log",
    "contact_create",
    "contact_stage_change",
    "contact_update",
    "contacts_stage_bulk_change",
    "deal_create",
    "deal_lose",
    "deal_win",
    "profile_change_record",
    "stage_history_bulk_write",
]
