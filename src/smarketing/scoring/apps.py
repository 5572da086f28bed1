from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "smarketing.scoring"
    label = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from smarketing.contacts.signals import profile_changed
        from smarketing.scoring.receivers import profile_rejudge

        profile_changed.connect(profile_rejudge, dispatch_uid="scoring.profile_rejudge")
