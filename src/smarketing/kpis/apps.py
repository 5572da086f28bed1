from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "smarketing.kpis"
    label = "kpis"
    verbose_name = _("Shared KPIs")
    default_auto_field = "django.db.models.BigAutoField"
