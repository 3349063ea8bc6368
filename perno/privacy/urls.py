from django.urls import path

from perno.privacy import public_views, views

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
    path("privacy/audit/", views.audit, name="audit"),
    path("contacts/<int:pk>/privacy/", views.contact_panel, name="contact_panel"),
    path("contacts/<int:pk>/consents/", views.consent_add, name="consent_add"),
    path("contacts/<int:pk>/restriction/", views.restriction, name="restriction"),
    # Public, no log-in (signed links).
    path("p/signup/<slug:code>/", public_views.signup, name="signup"),
    path("p/optin/<str:token>/", public_views.optin, name="optin"),
    path("p/unsubscribe/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
]
