from django.urls import path

from perno.web.privacy import public_views, views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.home, name="home"),
    path("privacy/register/print/", views.register_print, name="register_print"),
    path("privacy/register.docx", views.register_document, name="register_document"),
    path("privacy/controller/", views.controller_edit, name="controller_edit"),
    path("privacy/purposes/new/", views.purpose_edit, name="purpose_create"),
    path("privacy/purposes/<int:pk>/", views.purpose_edit, name="purpose_edit"),
    path("privacy/purposes/<int:pk>/notices/", views.notice_publish, name="notice_publish"),
    path("privacy/retention/", views.retention, name="retention"),
    path("privacy/retention/run/", views.retention_run, name="retention_run"),
    path("privacy/audit/", views.audit, name="audit"),
    path("privacy/requests/", views.request_list, name="request_list"),
    path("privacy/requests/new/", views.request_create, name="request_create"),
    path("privacy/requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("privacy/exports/<int:pk>/", views.export_status, name="export_status"),
    path("privacy/exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("privacy/lookup/", views.lookup, name="lookup"),
    path("privacy/breaches/", views.breach_list, name="breach_list"),
    path("privacy/breaches/new/", views.breach_edit, name="breach_create"),
    path("privacy/breaches/<int:pk>/", views.breach_edit, name="breach_edit"),
    path("privacy/lookup/contacts/<int:pk>/", views.dossier, name="dossier"),
    path("contacts/<int:pk>/privacy/", views.contact_panel, name="contact_panel"),
    path("contacts/<int:pk>/consents/", views.consent_add, name="consent_add"),
    path("contacts/<int:pk>/restriction/", views.restriction, name="restriction"),
    # Public, no log-in (signed links).
    path("p/signup/<slug:code>/", public_views.signup, name="signup"),
    path("p/optin/<str:token>/", public_views.optin, name="optin"),
    path("p/unsubscribe/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
]
