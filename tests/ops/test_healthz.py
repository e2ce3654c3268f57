"""/healthz: database, cache, the scheduler's heartbeat and a channel-layer round trip; 503 when one fails."""

import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from community import schedule
from community.models import Heartbeat


def _closed_port() -> int:
    # Bind then release: nothing listens on it for the duration of the test.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _scheduler_alive(db):
    schedule.beat()


def test_healthz_all_checks_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "scheduler": "ok", "channel_layer": "ok"},
    }


def test_healthz_fails_when_the_scheduler_stopped_beating(client):
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=3))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["scheduler"] == "error: last heartbeat 180 s ago"


def test_schedule_health_command_fails_on_a_stale_heartbeat():
    call_command("schedule_health")
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=3))
    with pytest.raises(CommandError, match="scheduler heartbeat is 0:03:00"):
        call_command("schedule_health")


@pytest.mark.django_db
def test_healthz_cache_down_is_503(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "error: ConnectionError"


@pytest.mark.django_db
def test_healthz_channel_layer_down_is_503(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{_closed_port()}/0"]},
        }
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"] == "ok"
    assert checks["channel_layer"].startswith("error: ")


@pytest.mark.django_db
def test_healthz_is_reachable_over_plain_http_when_ssl_redirect_is_on(client, settings):
    # Load balancer and container health checks call the process directly.
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

    assert client.get("/healthz").status_code == 200
    assert client.get("/crisis/").status_code == 301
