from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NurturingConfig(AppConfig):
    name = "smarketing.nurturing"
    label = "nurturing"
    verbose_name = _("Nurturing")
