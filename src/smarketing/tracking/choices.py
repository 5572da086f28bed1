"""The kinds of behaviour events Smarketing records."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """What a person did. Details (page path, content, campaign) go in the properties."""

    PAGE_VIEW = "page_view", _("Page viewed")
    CONTENT_DOWNLOAD = "content_download", _("Content downloaded")
    WEBINAR_REGISTERED = "webinar_registered", _("Registered to a webinar")
    WEBINAR_ATTENDED = "webinar_attended", _("Attended a webinar")
    EMAIL_OPENED = "email_opened", _("Email opened")
    EMAIL_CLICKED = "email_clicked", _("Email link clicked")
    FORM_SUBMITTED = "form_submitted", _("Form submitted")
    DEMO_REQUESTED = "demo_requested", _("Demo requested")
    CUSTOM = "custom", _("Custom event")
