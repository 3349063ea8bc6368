from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "perno.knowledge"
    label = "knowledge"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_subject
        from perno.knowledge.models import Article

        register_subject(Article)
