from django.urls import path

from perno.web.analytics import views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.home, name="overview"),
    path("analytics/customers/", views.customers, name="customers"),
    path("analytics/settings/", views.settings_edit, name="settings"),
    path("analytics/refresh/", views.refresh_start, name="refresh"),
    path("analytics/status/", views.status, name="status"),
    path(
        "analytics/customer/<str:record_type>/<int:pk>/",
        views.customer_panel,
        name="customer_panel",
    ),
    path(
        "analytics/customer/<str:record_type>/<int:pk>/costs/",
        views.customer_cost,
        name="customer_cost",
    ),
    path("analytics/<slug:page>/", views.model_page, name="page"),
]
