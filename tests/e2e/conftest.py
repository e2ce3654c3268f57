"""A real server for browser tests: Daphne in a subprocess on a temporary
SQLite database filled by seed_demo, and Debian's Chromium through Playwright."""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEMO_PASSWORD = "demo-pass-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(db_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="alumni.settings",
        DEBUG="1",
        SQLITE_PATH=str(db_path),
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        REQUIRE_MFA_FOR_STAFF="0",
        SCHEDULER_HEALTH_CHECK="0",  # no scheduler beside the test server
        EMAIL_URL="console://",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="session")
def chromium_path():
    if shutil.which("chromium") or os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail("Debian's chromium is not installed (scripts/test installs it)")
    pytest.skip("Debian's chromium is not installed")


class LiveServer(str):
    """The base URL of a running server, with its log file beside it
    (the console email backend writes emails there: tests read it as an inbox)."""

    log_path: Path
    proxy_port: int  # a second origin the server accepts, for a proxy in front of it


@contextlib.contextmanager
def live_server(tmp: Path, *, seed_demo: bool = True, setup: str | None = None, env_extra: dict | None = None):
    """Migrate a fresh SQLite file, fill it (seed_demo and/or a `manage.py shell`
    script), start Daphne on a free port and yield its LiveServer URL."""
    env = server_env(tmp / "db.sqlite3")
    env.update(env_extra or {})
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if seed_demo:
        subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    if setup:
        subprocess.run([*manage, "shell", "-c", setup], cwd=ROOT, env=env, check=True)
    port = free_port()
    # The page and its sockets come from this server's own origin, or through
    # the port kept for a test's droppable proxy (tests/e2e/test_chat.py).
    proxy_port = free_port()
    env["SITE_ORIGINS"] = f"http://127.0.0.1:{port},http://127.0.0.1:{proxy_port}"
    log_path = tmp / "daphne.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "community.serve", "-b", "127.0.0.1", "-p", str(port), "alumni.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = LiveServer(f"http://127.0.0.1:{port}")
    base.log_path = log_path
    base.proxy_port = proxy_port
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Daphne did not start: " + log_path.read_text()[-2000:])
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A Daphne serving a freshly seeded demo community."""
    with live_server(tmp_path_factory.mktemp("e2e")) as base:
        yield base


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(base + "/")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def message_action(item, name: str) -> None:
    """Open a chat message's "More" menu and choose an action by the start of
    its accessible name ("Reply", "Edit", "React with heart", …)."""
    item.locator("[data-more]").click()
    item.get_by_role("menuitem", name=re.compile(rf"^{re.escape(name)}")).click()
