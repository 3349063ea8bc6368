from django.urls import path

from perno.web.duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("duplicates/", views.queue, name="duplicate_queue"),
    path("duplicates/run/", views.run_start, name="duplicate_run"),
    path("duplicates/status/", views.status, name="duplicate_status"),
    path("duplicates/settings/", views.settings_edit, name="duplicate_settings"),
    path("duplicates/check/<str:kind>/", views.check_new, name="duplicate_check"),
    path("duplicates/<int:pk>/", views.pair_detail, name="duplicate_pair"),
    path("duplicates/<int:pk>/dismiss/", views.pair_dismiss, name="duplicate_dismiss"),
    path("duplicates/<int:pk>/reopen/", views.pair_reopen, name="duplicate_reopen"),
]
