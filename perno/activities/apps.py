from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "perno.activities"
    label = "activities"
