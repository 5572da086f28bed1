"""Marketing's vocabularies: channels, kinds of content and of touchpoints, languages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How a campaign or a touch reaches people (docs/kpis.md, "Attribution")."""

    EMAIL = "email", _("E-mail")
    PAID_SEARCH = "paid_search", _("Paid search")
    PAID_SOCIAL = "paid_social", _("Paid social")
    ORGANIC_SOCIAL = "organic_social", _("Organic social")
    SEO = "seo", _("Organic search")
    EVENTS = "events", _("Events")
    WEBINAR = "webinar", _("Webinar")
    PARTNER = "partner", _("Partner")
    DISPLAY = "display", _("Display")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class ContentKind(models.TextChoices):
    """What a content asset is."""

    WHITEPAPER = "whitepaper", _("White paper")
    WEBINAR = "webinar", _("Webinar")
    CASE_STUDY = "case_study", _("Case study")
    LANDING_PAGE = "landing_page", _("Landing page")
    EMAIL = "email", _("E-mail")
    VIDEO = "video", _("Video")
    BLOG_POST = "blog_post", _("Blog post")
    OTHER = "other", _("Other")


class TouchKind(models.TextChoices):
    """Where a touchpoint comes from: an event, a form answer or an e-mail interaction."""

    EVENT = "event", _("Event")
    FORM = "form", _("Form")
    EMAIL = "email", _("E-mail")


class Language(models.TextChoices):
    """The language of a content asset."""

    FR = "fr", _("French")
    EN = "en", _("English")


class Verdict(models.TextChoices):
    """What a salesperson says of a piece of content a lead consumed."""

    HELPED = "helped", _("Helped")
    DID_NOT_HELP = "did_not_help", _("Did not help")


class RequestStatus(models.TextChoices):
    """Where a request for missing content stands in marketing's backlog."""

    OPEN = "open", _("Open")
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")
