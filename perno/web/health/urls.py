from django.urls import path

from perno.web.health import views

app_name = "health"

urlpatterns = [
    path("health/", views.page, name="health"),
    path("health/recompute/", views.recompute, name="health_recompute"),
    path("health/report-email/", views.report_email, name="health_report_email"),
]
