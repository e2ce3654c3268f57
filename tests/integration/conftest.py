"""Fixtures for the integration tests: one throwaway PostgreSQL database per run
(migrated once), Daphne processes per test, and the rule that in CI
none of these tests may be skipped."""

import os
import random
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.conftest import require_service

from . import harness


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    # In CI a skipped integration test is a failed one: the promise these
    # tests check must never go unchecked because a service was missing.
    if (
        os.environ.get("CI") == "true"
        and report.skipped
        and not hasattr(report, "wasxfail")
        and item.get_closest_marker("integration") is not None
    ):
        report.outcome = "failed"
        report.longrepr = f"integration test skipped in CI: {report.longrepr}"


@pytest.fixture(scope="session")
def services_urls():
    pg = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
    redis = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    require_service(pg, "PostgreSQL")
    require_service(redis, "Redis")
    if shutil.which("redis-server") is None:
        require_service("redis://127.0.0.1:1", "redis-server binary")
    return pg, redis


@pytest.fixture(scope="session")
def database(services_urls):
    """A migrated database of its own, dropped afterwards."""
    db_url = harness.create_database(services_urls[0])
    try:
        env = harness.base_env(db_url, harness.with_redis_db(services_urls[1]), uuid.uuid4().hex[:8])
        harness.manage(env, "migrate", "--noinput", timeout=180)
        yield db_url
    finally:
        harness.drop_database(db_url)


@pytest.fixture(scope="session", autouse=True)
def static_root():
    """Hashed static files for the DEBUG=0 servers (pages fail without the manifest)."""
    path = Path(tempfile.mkdtemp(prefix="alumni-it-static-"))
    os.environ["STATIC_ROOT"] = str(path)
    try:
        harness.manage(harness.base_env("sqlite://:memory:", "", "static"), "collectstatic", "--noinput", timeout=120)
        yield path
    finally:
        os.environ.pop("STATIC_ROOT", None)
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def log_dir(request):
    path = Path(tempfile.mkdtemp(prefix="alumni-it-"))
    yield path
    # Kept when the test failed: the Daphne and Redis logs are the evidence.
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        print(f"process logs kept in {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def processes():
    """Processes a test starts; all stopped at the end, whatever happened."""
    started = []
    yield started
    for process in reversed(started):
        process.stop()


@pytest.fixture
def new_room(database, services_urls):
    """Seeds a fresh room with the named members; returns (env, seed)."""

    def make(*members: str, redis_url: str | None = None) -> tuple[dict, dict]:
        prefix = uuid.uuid4().hex[:8]
        env = harness.base_env(database, redis_url or harness.with_redis_db(services_urls[1]), prefix)
        spec = {"room": f"room-{prefix}", "members": list(members), "room_id_start": random.randint(10**6, 10**9)}
        return env, harness.seed(env, spec)

    return make
