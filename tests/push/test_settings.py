"""VAPID settings: a bad key stops the process at start with a message naming
the variable; none at all leaves push off."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "VAPID_PRIVATE_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("VAPID_PRIVATE_KEY", "not-a-key", "VAPID_PRIVATE_KEY must be the base64url form of a raw 32-byte P-256 key"),
        ("VAPID_SUBJECT", "ops@example.org", "VAPID_SUBJECT must start with mailto: or https://"),
    ],
)
def test_a_bad_value_stops_the_process_naming_the_variable(name, value, message):
    result = manage("check", **{name: value})

    assert result.returncode != 0
    assert message in result.stderr


def test_a_good_key_gives_the_public_half():
    from community.push.management.commands.vapid_keys import new_key_pair

    private, public = new_key_pair()
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.VAPID_PUBLIC_KEY)", VAPID_PRIVATE_KEY=private
    )

    assert result.stdout.strip().splitlines()[-1] == public
