"""The user's notifications: read in the app, with how each channel's delivery went."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from smarketing.notifications.models import Notification
from smarketing.notifications.services import notifications_for, notifications_mark_read
from smarketing.users.roles import Capability
from smarketing.web.pages import requires

PAGE_SIZE = 50


@requires(Capability.VIEW_RECORDS)
def notification_list(request: HttpRequest) -> HttpResponse:
    """Newest first, 50 a page; unread ones stand out."""
    page = Paginator(notifications_for(request.user), PAGE_SIZE).get_page(  # type: ignore[arg-type]
        request.GET.get("page")
    )
    return render(request, "web/notifications.html", {"page": page})


@requires(Capability.VIEW_RECORDS)
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go where it points."""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    notifications_mark_read(user=request.user, ids=[notification.pk])  # type: ignore[arg-type]
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notification_list")


@require_POST
@requires(Capability.VIEW_RECORDS)
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every notification of the user read."""
    notifications_mark_read(user=request.user)  # type: ignore[arg-type]
    return redirect("notification_list")
