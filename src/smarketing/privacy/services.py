"""The services of personal-data rights (see ``docs/privacy.md``)."""

from smarketing.privacy.audit import audit_record
from smarketing.privacy.erase import address_was_erased, contact_erase
from smarketing.privacy.export import contact_export

__all__ = ["address_was_erased", "audit_record", "contact_erase", "contact_export"]
