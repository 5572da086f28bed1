from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _activity_logged(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A call, e-mail or meeting logged on a contact moves its SLA clocks."""
    if created:
        from smarketing.handoff.clocks import clocks_on_touch

        clocks_on_touch(
            contact_id=instance.contact_id, kind=instance.kind, when=instance.occurred_at
        )


class HandoffConfig(AppConfig):
    name = "smarketing.handoff"
    label = "handoff"
    verbose_name = _("Hand-offs")

    def ready(self) -> None:
        from smarketing.contacts.models import Activity

        post_save.connect(_activity_logged, sender=Activity, dispatch_uid="handoff.activity_logged")
