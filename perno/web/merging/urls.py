from django.urls import path

from perno.web.merging import views

app_name = "merging"

urlpatterns = [
    path("merge/<str:kind>/<int:pk>/", views.merge_start, name="merge_start"),
    path(
        "merge/<str:kind>/<int:merged_pk>/into/<int:survivor_pk>/",
        views.merge_compare,
        name="merge_compare",
    ),
    path("merges/<int:pk>/", views.merge_detail, name="merge_detail"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]
