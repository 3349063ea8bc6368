from django.urls import path

from perno.web.activities import views

app_name = "activities"

urlpatterns = [
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_edit"),
    path("activities/<int:pk>/complete/", views.activity_complete, name="activity_complete"),
    path("timeline/<str:record_type>/<int:pk>/", views.timeline, name="timeline"),
    path("comments/<str:record_type>/<int:pk>/", views.comment_add, name="comment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
