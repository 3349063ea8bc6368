from django.contrib.auth import views as auth_views
from django.urls import path

from perno.web import bulk, savedviews, views
from perno.web.accounts.views import LoginView

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("language/", views.set_language, name="set_language"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("owner/<str:record_type>/<int:pk>/", views.owner_change, name="owner_change"),
    path("settings/custom-fields/", views.custom_fields, name="custom_fields"),
    path("bulk/jobs/<int:pk>/", bulk.bulk_job, name="bulk_job"),
    path("bulk/<slug:list_key>/", bulk.bulk, name="bulk"),
    path("bulk/<slug:list_key>/form/", bulk.bulk_fields, name="bulk_fields"),
    path("views/<int:pk>/delete/", savedviews.view_delete, name="view_delete"),
    path("views/<slug:list_key>/save/", savedviews.view_save, name="view_save"),
]
