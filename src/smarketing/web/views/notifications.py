"""The user's notifications: read in the app (a group of like notifications as one line), with
how each channel's delivery went; and the person's preferences (per channel at once, hourly,
daily or off; quiet hours)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smarketing.core.errors import DomainError
from smarketing.notifications.models import Notification, Preference
from smarketing.notifications.preferences import EDITABLE, preference_for, preference_update
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
    """Mark the notification (and those its line stands for) read and go where it points."""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    notifications_mark_read(user=request.user, ids=[notification.pk])  # type: ignore[arg-type]
    link = notification.line_link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notification_list")


@require_POST
@requires(Capability.VIEW_RECORDS)
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every notification of the user read."""
    notifications_mark_read(user=request.user)  # type: ignore[arg-type]
    return redirect("notification_list")


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferenceForm(forms.ModelForm):
    """The fields a person sets; the rules between them are the service's."""

    class Meta:
        model = Preference
        fields = EDITABLE
        widgets = {"digest_time": TIME, "quiet_start": TIME, "quiet_end": TIME}


@requires(Capability.VIEW_RECORDS)
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Show the preferences (the defaults until saved); save them, errors shown by the field."""
    current = preference_for(request.user)  # type: ignore[arg-type]
    form = PreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            preference_update(user=request.user, values=form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notification_preferences")
    status = 400 if form.errors else 200
    return render(request, "web/notification_preferences.html", {"form": form}, status=status)
