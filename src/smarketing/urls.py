"""Root URL configuration."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path

from smarketing.api import tracker
from smarketing.api.app import api
from smarketing.users.roles import Capability, user_can


def _admin_allowed(request: HttpRequest) -> bool:
    """The Django admin is for the admin role (the role table), not for every staff flag."""
    return user_can(request.user, Capability.ACCESS_ADMIN) and request.user.is_staff


admin.site.has_permission = _admin_allowed  # type: ignore[method-assign]
admin.site.site_header = "Smarketing"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("t/tracker.js", tracker.tracker_js, name="tracker_js"),
    path("t/collect", tracker.collect, name="tracker_collect"),
    path("", include("smarketing.web.urls")),
]
