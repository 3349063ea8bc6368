from django.urls import path

from perno.web.sla import views

app_name = "sla"

urlpatterns = [
    path("settings/service-levels/", views.sla_settings, name="sla_settings"),
    path("settings/service-levels/calendars/new/", views.calendar_edit, name="sla_calendar_create"),
    path(
        "settings/service-levels/calendars/<int:pk>/",
        views.calendar_edit,
        name="sla_calendar_edit",
    ),
    path(
        "settings/service-levels/calendars/<int:pk>/delete/",
        views.calendar_delete,
        name="sla_calendar_delete",
    ),
    path("settings/service-levels/policies/new/", views.policy_edit, name="sla_policy_create"),
    path("settings/service-levels/policies/<int:pk>/", views.policy_edit, name="sla_policy_edit"),
    path(
        "settings/service-levels/policies/<int:pk>/delete/",
        views.policy_delete,
        name="sla_policy_delete",
    ),
]
