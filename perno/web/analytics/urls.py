from django.urls import path

from perno.web.analytics import customer_views, page_views, settings_views

app_name = "analytics"

urlpatterns = [
    path("analytics/", page_views.home, name="overview"),
    path("analytics/customers/", customer_views.customers, name="customers"),
    path("analytics/settings/", settings_views.settings_edit, name="settings"),
    path("analytics/refresh/", settings_views.refresh_start, name="refresh"),
    path("analytics/status/", settings_views.status, name="status"),
    path(
        "analytics/customer/<str:record_type>/<int:pk>/",
        customer_views.customer_panel,
        name="customer_panel",
    ),
    path(
        "analytics/customer/<str:record_type>/<int:pk>/costs/",
        customer_views.customer_cost,
        name="customer_cost",
    ),
    path("analytics/<slug:page>/", page_views.model_page, name="page"),
]
