from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "perno.knowledge"
    label = "knowledge"
