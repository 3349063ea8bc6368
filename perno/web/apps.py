from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "perno.web"
    label = "web"
