"""The Celery app. Without PERNO_REDIS_URL tasks run eagerly in the calling process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perno.config.settings.prod")

app = Celery("perno")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
