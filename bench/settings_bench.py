"""The app's own settings, production-style for measuring: DEBUG off (no
query log, no template debug) and plain static storage, so that pages render
without a collectstatic manifest. Everything else comes from the environment
exactly as in production (DATABASE_URL, REDIS_URL, CHANNEL_PREFIX ...)."""

import os

from alumni.settings import *  # noqa: F403

DEBUG = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# A lever to measure: SQLite's synchronous mode (the app uses NORMAL in WAL).
_sync = os.environ.get("BENCH_SQLITE_SYNCHRONOUS")
if _sync and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    _options = DATABASES["default"]["OPTIONS"]  # noqa: F405
    _options["init_command"] = _options["init_command"].replace("synchronous=NORMAL", f"synchronous={_sync}")

# A lever to measure: the in-memory layer's expiry sweep on every receive.
if os.environ.get("BENCH_INMEMORY_LAYER") == "throttled" and CHANNEL_LAYER == "memory":  # noqa: F405
    CHANNEL_LAYERS["default"]["BACKEND"] = "bench.prototypes.layer.ThrottledSweepInMemoryChannelLayer"  # noqa: F405
