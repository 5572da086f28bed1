from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptureConfig(AppConfig):
    name = "smarketing.capture"
    label = "capture"
    verbose_name = _("Capture")
