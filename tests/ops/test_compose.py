"""docker-compose.yml and deploy/: the services, their commands and environment
match what the settings read. No Docker engine is needed: the file is parsed."""

import re
from pathlib import Path

import pytest

from ._yaml import load

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker")


@pytest.fixture(scope="module")
def compose() -> dict:
    return load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _settings_variables() -> set[str]:
    source = (ROOT / "alumni" / "settings.py").read_text()
    found = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', source))
    found |= set(re.findall(r'os\.environ(?:\.get)?[\[(]\s*"([A-Z_]+)"', source))
    return found


def test_compose_has_the_production_services(services):
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "nginx"}
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


def test_compose_web_runs_two_daphne_replicas(services):
    web = services["web"]

    assert web["deploy"]["replicas"] == "2"
    assert web["command"] == ["web"]
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    assert "exec python -m community.serve --bind 0.0.0.0 --port 8000 --proxy-headers" in entrypoint
    assert "alumni.asgi:application" in entrypoint
    assert "--websocket_timeout 86400" in entrypoint  # below CHANNEL_GROUP_EXPIRY's minimum (2 days)


def test_compose_worker_runs_db_worker_and_migrate_runs_once_first(services):
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()

    assert services["worker"]["command"] == ["worker"]
    assert "exec python manage.py db_worker" in entrypoint
    assert "python manage.py run_schedule &" in entrypoint
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert "python manage.py migrate --noinput" in entrypoint
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_compose_every_service_has_a_health_check_except_the_one_shot_job(services):
    for name, service in services.items():
        if name == "migrate":
            continue
        check = service.get("healthcheck")
        assert check, name
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_compose_data_lives_in_named_volumes(compose, services):
    named = set(compose["volumes"])

    assert {"pgdata", "redisdata", "static"} <= named
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "static:/app/staticfiles" in services["migrate"]["volumes"]
    assert "static:/srv/static:ro" in services["nginx"]["volumes"]


def test_compose_app_environment_is_production_and_known_to_settings(services):
    known = _settings_variables()

    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DEBUG"] == "0", name
        assert env["BEHIND_PROXY"] == "1", name
        assert env["DATABASE_URL"] == "postgres://alumni:${POSTGRES_PASSWORD}@postgres:5432/alumni", name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), name
        unknown = set(env) - known
        assert not unknown, f"{name} sets variables settings.py never reads: {unknown}"


def test_compose_app_services_share_one_environment(services):
    base = {k: v for k, v in services["web"]["environment"].items() if not k.startswith("DATABASE_POOL")}

    for name in ("migrate", "worker"):
        assert services[name]["environment"] == base, name


def test_compose_database_credentials_match_postgres_service(services):
    pg = services["postgres"]["environment"]

    assert (pg["POSTGRES_DB"], pg["POSTGRES_USER"]) == ("alumni", "alumni")
    assert pg["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_nginx_upgrades_sockets_serves_static_and_is_not_sticky(services):
    conf = (ROOT / "deploy" / "nginx.conf").read_text()

    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "location /static/" in conf
    assert "alias /srv/static/;" in conf
    assert "server web:8000 resolve;" in conf
    directives = [line.split("#")[0].strip() for line in conf.splitlines()]
    for sticky in ("ip_hash", "sticky", "hash "):
        assert not any(d.startswith(sticky) for d in directives), sticky


def test_dockerfile_collects_hashed_static_files_with_debug_off():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()

    assert "FROM python:3.11-" in dockerfile
    assert "DEBUG=0 SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput" in dockerfile
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in dockerfile


def test_nginx_sets_the_client_address_and_never_appends_a_spoofed_one():
    """Outside review finding 3: nginx appended to the client's own
    X-Forwarded-For and Daphne took the leftmost value, so every per-IP limit
    could be bypassed with a forged header."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "$proxy_add_x_forwarded_for" not in conf
    assert conf.count("proxy_set_header X-Forwarded-For $remote_addr;") == conf.count("proxy_pass ")
