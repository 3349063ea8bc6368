from django.urls import path

from perno.web.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.start, name="import_start"),
    path("imports/<int:pk>/", views.detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", views.mapping, name="import_mapping"),
    path("imports/<int:pk>/preview/", views.preview, name="import_preview"),
    path("imports/<int:pk>/run/", views.run, name="import_run"),
    path("imports/<int:pk>/status/", views.status, name="import_status"),
    path("imports/<int:pk>/bad-rows.csv", views.bad_rows, name="import_bad_rows"),
    path("imports/<int:pk>/undo/", views.undo, name="import_undo"),
]
