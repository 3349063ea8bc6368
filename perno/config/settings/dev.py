from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "django-insecure-development-only-key-not-for-production"  # noqa: S105
