from django.urls import path

from perno.web.activities import calendar_tools, calendar_views, views

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
    # The calendar (docs/calendar.md).
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path(
        "calendar/activities/<int:pk>/move/",
        calendar_views.calendar_reschedule,
        name="calendar_reschedule",
    ),
    path("calendar/time-zone/", calendar_views.calendar_time_zone, name="calendar_time_zone"),
    path("calendar/feed/", calendar_tools.calendar_feeds, name="calendar_feeds"),
    path(
        "calendar/feed/<str:token>.ics", calendar_tools.calendar_feed_ics, name="calendar_feed_ics"
    ),
    path("calendar/import/", calendar_tools.calendar_import, name="calendar_import"),
    path("activities/<int:pk>/invite/", calendar_tools.calendar_invite, name="calendar_invite"),
]
