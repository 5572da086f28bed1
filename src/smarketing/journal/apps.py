from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "smarketing.journal"
    label = "journal"
    verbose_name = _("Journal of facts")
    default_auto_field = "django.db.models.BigAutoField"
