"""Routes of the pages for people."""

from django.contrib.auth import views as auth_views
from django.urls import path

from smarketing.web.views import (
    agreement,
    consent,
    contacts,
    deals,
    embed,
    home,
    imports,
    inbox,
    integrations,
    kpis,
    notifications,
    routing,
    scorecard,
    sla,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/<int:contact_id>/", contacts.contact_page, name="contact_detail"),
    path("agreement/", agreement.agreement_list, name="agreement_list"),
    path("agreement/new/", agreement.agreement_new, name="agreement_new"),
    path("agreement/rescore/", agreement.rescore_progress, name="rescore_progress"),
    path("agreement/v<int:number>/", agreement.agreement_detail, name="agreement_detail"),
    path("agreement/v<int:number>/edit/", agreement.agreement_edit, name="agreement_edit"),
    path(
        "agreement/v<int:number>/preview/",
        agreement.agreement_preview_page,
        name="agreement_preview",
    ),
    path(
        "agreement/v<int:number>/approve/",
        agreement.agreement_approve_view,
        name="agreement_approve",
    ),
    path(
        "agreement/v<int:number>/activate/",
        agreement.agreement_activate_view,
        name="agreement_activate",
    ),
    path("agreement/v<int:number>/export/", agreement.agreement_export, name="agreement_export"),
    path(agreement.PLOTLY_URL, agreement.plotly_js, name="plotly_js"),
    path("integrations/tokens/", integrations.token_list, name="token_list"),
    path("inbox/tokens/", integrations.my_tokens, name="my_tokens"),
    path("integrations/sites/", integrations.site_list, name="site_list"),
    path("integrations/forms/", integrations.form_list, name="form_list"),
    path("f/<str:key>/", embed.form_embed, name="form_embed"),
    path("consent/<str:token>/", consent.consent_confirm_page, name="consent_confirm"),
    path("inbox/", inbox.inbox_page, name="inbox"),
    path("inbox/<int:handoff_id>/", inbox.handoff_page, name="handoff_page"),
    path("inbox/<int:handoff_id>/answer/", inbox.handoff_answer, name="handoff_answer"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path(
        "notifications/<int:notification_id>/",
        notifications.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/read/", notifications.notifications_read_all, name="notifications_read_all"
    ),
    path(
        "notifications/preferences/",
        notifications.notification_preferences,
        name="notification_preferences",
    ),
    path("sla/", sla.sla_board_page, name="sla_board"),
    path("routing/", routing.routing_page, name="routing"),
    path("scorecard/", scorecard.scorecard_page, name="scorecard"),
    path("kpis/", kpis.kpi_dashboard, name="kpi_dashboard"),
    path("deals/", deals.deal_list, name="deal_list"),
    path("scorecard/draft/", scorecard.scorecard_draft, name="scorecard_draft"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<int:job_id>/", imports.import_job, name="import_job"),
    path("imports/<int:job_id>/report.csv", imports.import_report, name="import_report"),
    path("export/<str:kind>.csv", imports.export_csv, name="export_csv"),
    path(
        "integrations/tokens/<int:token_id>/revoke/",
        integrations.token_revoke_view,
        name="token_revoke",
    ),
]
