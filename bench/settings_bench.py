"""The app's own settings, production-style for measuring: DEBUG off (no
query log, no template debug) and plain static storage, so that pages render
without a collectstatic manifest. Everything else comes from the environment
exactly as in production (DATABASE_URL, REDIS_URL, CHANNEL_PREFIX ...)."""

from community.settings import *  # noqa: F403

DEBUG = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
