from django.urls import path

from perno.web.privacy import (
    audit_views,
    breach_views,
    contact_views,
    public_views,
    register_views,
    request_views,
)

app_name = "privacy"

urlpatterns = [
    path("privacy/", register_views.home, name="home"),
    path("privacy/register/print/", register_views.register_print, name="register_print"),
    path("privacy/register.docx", register_views.register_document, name="register_document"),
    path("privacy/controller/", register_views.controller_edit, name="controller_edit"),
    path("privacy/purposes/new/", register_views.purpose_edit, name="purpose_create"),
    path("privacy/purposes/<int:pk>/", register_views.purpose_edit, name="purpose_edit"),
    path(
        "privacy/purposes/<int:pk>/notices/", register_views.notice_publish, name="notice_publish"
    ),
    path("privacy/retention/", register_views.retention, name="retention"),
    path("privacy/retention/run/", register_views.retention_run, name="retention_run"),
    path("privacy/audit/", audit_views.audit, name="audit"),
    path("privacy/requests/", request_views.request_list, name="request_list"),
    path("privacy/requests/new/", request_views.request_create, name="request_create"),
    path("privacy/requests/<int:pk>/", request_views.request_detail, name="request_detail"),
    path("privacy/exports/<int:pk>/", request_views.export_status, name="export_status"),
    path(
        "privacy/exports/<int:pk>/download/", request_views.export_download, name="export_download"
    ),
    path("privacy/lookup/", audit_views.lookup, name="lookup"),
    path("privacy/breaches/", breach_views.breach_list, name="breach_list"),
    path("privacy/breaches/new/", breach_views.breach_edit, name="breach_create"),
    path("privacy/breaches/<int:pk>/", breach_views.breach_edit, name="breach_edit"),
    path("privacy/lookup/contacts/<int:pk>/", audit_views.dossier, name="dossier"),
    path("contacts/<int:pk>/privacy/", contact_views.contact_panel, name="contact_panel"),
    path("contacts/<int:pk>/consents/", contact_views.consent_add, name="consent_add"),
    path("contacts/<int:pk>/restriction/", contact_views.restriction, name="restriction"),
    # Public, no log-in (signed links).
    path("p/signup/<slug:code>/", public_views.signup, name="signup"),
    path("p/optin/<str:token>/", public_views.optin, name="optin"),
    path("p/unsubscribe/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
]
