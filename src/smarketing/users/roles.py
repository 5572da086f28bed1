"""The roles, defined once, and what each may do.

Pages, API operations and services all ask :func:`user_can` / :func:`ensure_can`; menus only
hide what these already refuse.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from smarketing.core.errors import CommonErrorCode, PermissionDeniedError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from smarketing.users.models import User


class Role(models.TextChoices):
    """A person's job in the revenue team."""

    MARKETING_USER = "marketing_user", _("Marketing user")
    MARKETING_MANAGER = "marketing_manager", _("Marketing manager")
    SALES_REP = "sales_rep", _("Sales rep")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    MANAGEMENT = "management", _("Management")
    ADMIN = "admin", _("Administrator")


class Capability(StrEnum):
    """Something a role may do. Checked in services and views."""

    VIEW_RECORDS = "view_records"
    EDIT_CONTACTS = "edit_contacts"
    CHANGE_STAGE = "change_stage"
    REINSTATE_DISQUALIFIED = "reinstate_disqualified"
    EDIT_DEALS = "edit_deals"
    LOG_ACTIVITY = "log_activity"
    DRAFT_AGREEMENT = "draft_agreement"
    APPROVE_AGREEMENT_MARKETING = "approve_agreement_marketing"
    APPROVE_AGREEMENT_SALES = "approve_agreement_sales"
    MANAGE_USERS = "manage_users"
    MANAGE_INTEGRATIONS = "manage_integrations"
    IMPORT_DATA = "import_data"
    WORK_LEADS = "work_leads"
    EXPORT_DATA = "export_data"
    MANAGE_SALES_TEAM = "manage_sales_team"
    VIEW_SCORECARD = "view_scorecard"
    VIEW_SLA_BOARD = "view_sla_board"
    RATE_CONTENT = "rate_content"
    MANAGE_CONTENT = "manage_content"
    ACCESS_ADMIN = "access_admin"
    DECIDE_REVIEW = "decide_review"
    MANAGE_PERSONAL_DATA = "manage_personal_data"


_WORKERS = {
    Capability.VIEW_RECORDS,
    Capability.EDIT_CONTACTS,
    Capability.CHANGE_STAGE,
    Capability.LOG_ACTIVITY,
}

ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    # both teams read the scorecard: why sales rejects leads, how marketing paces (issue 19)
    Role.MARKETING_USER: frozenset(_WORKERS | {Capability.VIEW_SCORECARD}),
    Role.MARKETING_MANAGER: frozenset(
        _WORKERS
        | {
            Capability.REINSTATE_DISQUALIFIED,
            Capability.DRAFT_AGREEMENT,
            Capability.APPROVE_AGREEMENT_MARKETING,
            Capability.MANAGE_INTEGRATIONS,
            Capability.IMPORT_DATA,
            Capability.EXPORT_DATA,
            Capability.VIEW_SCORECARD,
            Capability.MANAGE_CONTENT,
            Capability.DECIDE_REVIEW,
            Capability.MANAGE_PERSONAL_DATA,
        }
    ),
    Role.SALES_REP: frozenset(
        _WORKERS
        | {
            Capability.EDIT_DEALS,
            Capability.WORK_LEADS,
            Capability.VIEW_SCORECARD,
            Capability.RATE_CONTENT,
        }
    ),
    Role.SALES_MANAGER: frozenset(
        _WORKERS
        | {
            Capability.EDIT_DEALS,
            Capability.REINSTATE_DISQUALIFIED,
            Capability.DRAFT_AGREEMENT,
            Capability.APPROVE_AGREEMENT_SALES,
            Capability.WORK_LEADS,
            Capability.IMPORT_DATA,
            Capability.EXPORT_DATA,
            Capability.MANAGE_SALES_TEAM,
            Capability.VIEW_SCORECARD,
            Capability.VIEW_SLA_BOARD,
            Capability.RATE_CONTENT,
            Capability.DECIDE_REVIEW,
        }
    ),
    # the head of revenue reads both teams' figures, the SLA board included (issue 19)
    Role.MANAGEMENT: frozenset(
        {
            Capability.VIEW_RECORDS,
            Capability.EXPORT_DATA,
            Capability.VIEW_SCORECARD,
            Capability.VIEW_SLA_BOARD,
            Capability.DECIDE_REVIEW,
            # accepting the review's advice drafts the agreement; both sides still approve it
            Capability.DRAFT_AGREEMENT,
        }
    ),
    # An admin runs the system but signs for neither team.
    Role.ADMIN: frozenset(Capability)
    - {Capability.APPROVE_AGREEMENT_MARKETING, Capability.APPROVE_AGREEMENT_SALES},
}

MANAGER_ROLES = frozenset({Role.MARKETING_MANAGER, Role.SALES_MANAGER, Role.ADMIN})
SALES_ROLES = frozenset({Role.SALES_REP, Role.SALES_MANAGER})
MARKETING_ROLES = frozenset({Role.MARKETING_USER, Role.MARKETING_MANAGER})


def user_can(user: User | AnonymousUser | None, capability: Capability) -> bool:
    """Return whether ``user`` is active and its role grants ``capability``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(Role(user.role), frozenset())


def ensure_can(user: User | AnonymousUser | None, capability: Capability) -> None:
    """Raise :class:`PermissionDeniedError` unless ``user`` has ``capability``."""
    if not user_can(user, capability):
        raise PermissionDeniedError(
            _("Your role does not allow this action (%(capability)s).")
            % {"capability": capability.value},
            code=CommonErrorCode.PERMISSION_DENIED,
        )
