"""Run manage.py in a child process with a production environment.

Settings are read once per process, so anything that depends on DEBUG=0
(cookies, HSTS, storage, log format) is checked in a fresh interpreter.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "ops-test-" + "k3y!" * 16,
    "ALLOWED_HOSTS": "community.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://community.example.org",
    # check --deploy does not connect: nothing needs to listen here.
    "DATABASE_URL": "postgres://alumni:secret@127.0.0.1:5432/alumni",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "BEHIND_PROXY": "1",
}

_DROP = (
    "DEBUG",
    "TEST_DATABASE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "SECURE_",
    "SESSION_COOKIE",
    "CSRF_COOKIE",
    "CHANNEL_",
    "CACHE_PREFIX",
    "DATABASE_POOL",
    "DATABASE_PREPARE",
    "LOG_LEVEL",
    "DJANGO_SETTINGS_MODULE",
)


def environment(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP)}
    env.update(PRODUCTION_ENV)
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


_DUMP = """
import json
from django.conf import settings
names = {names!r}
print("SETTINGS=" + json.dumps({{n: getattr(settings, n) for n in names}}, default=str))
"""


def production_settings(*names: str, **overrides: str) -> dict:
    result = manage("shell", "-c", _DUMP.format(names=list(names)), **overrides)
    assert result.returncode == 0, result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("SETTINGS="))
    return json.loads(line.removeprefix("SETTINGS="))
