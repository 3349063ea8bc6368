from django.urls import path

from perno.web.cases import dashboard, settings, views

app_name = "cases"

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/new/", views.CaseCreateView.as_view(), name="case_create"),
    path("cases/dashboard/", dashboard.care_dashboard, name="care_dashboard"),
    path(
        "cases/queues/<int:pk>/availability/",
        dashboard.queue_availability,
        name="queue_availability",
    ),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.CaseUpdateView.as_view(), name="case_edit"),
    path("cases/<int:pk>/status/", views.case_status, name="case_status"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/merge/", views.case_merge, name="case_merge"),
    path("cases/<int:pk>/notes/", views.case_note, name="case_note"),
    path("cases/<int:pk>/delete/", views.case_delete, name="case_delete"),
    path("cases/of/<str:record_type>/<int:pk>/", views.record_cases, name="record_cases"),
    path("settings/cases/queues/", settings.queues, name="queue_settings"),
    path("settings/cases/queues/<int:pk>/", settings.queue_edit, name="queue_edit"),
    path("settings/cases/queues/<int:pk>/delete/", settings.queue_delete, name="queue_delete"),
    path("settings/cases/categories/", settings.categories, name="category_settings"),
    path("settings/cases/categories/<int:pk>/", settings.category_edit, name="category_edit"),
    path(
        "settings/cases/categories/<int:pk>/delete/",
        settings.category_delete,
        name="category_delete",
    ),
]
