"""In Chromium, against a real Daphne on a seeded SQLite file:

- the OWASP filter-evasion vectors, typed into every member field through
  the real actions, render on every page that shows them without a dialog,
  a CSP violation report or a console message about Content Security Policy;
- a crawl of signed-in pages requests nothing from any origin but the app's.
"""

import json
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urljoin, urlparse

import pytest

from tests.e2e.conftest import (  # noqa: F401 - fixtures
    ROOT,
    browser,
    chromium_path,
    free_port,
    server_env,
    sign_in,
)

pytestmark = pytest.mark.browser

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
"""


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    """A Daphne serving the demo community with every vector seeded; yields
    (base URL, what the seed created)."""
    tmp = tmp_path_factory.mktemp("security")
    env = server_env(tmp / "db.sqlite3")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    seeded = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "import json; from tests.security.xss_vectors import seed; print('SEED' + json.dumps(seed()))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    created = json.loads(next(line[4:] for line in seeded.stdout.splitlines() if line.startswith("SEED")))
    port = free_port()
    env["SITE_ORIGINS"] = f"http://127.0.0.1:{port}"
    log = open(tmp / "daphne.log", "w")  # noqa: SIM115 - closed in teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "community.serve", "-b", "127.0.0.1", "-p", str(port), "alumni.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("Daphne did not start: " + (tmp / "daphne.log").read_text()[-2000:])
        time.sleep(0.2)
    yield base, created
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


class Watcher:
    """Listens on one page for dialogs, CSP console messages and requests."""

    def __init__(self, page):
        self.page = page
        self.dialogs, self.console, self.requests = [], [], []
        page.add_init_script(WATCH)
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message} on {self.page.url}")
        dialog.dismiss()

    def visit(self, url):
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(50)
        # Hover and toggle what a reader would, so on* handlers get their chance.
        self.page.mouse.move(10, 10)
        self.page.mouse.move(400, 300)
        violations = self.page.evaluate("window.__violations")
        return [f"{v} on {url}" for v in violations]


def test_xss_vectors_never_run(xss_server, browser):  # noqa: F811
    base, created = xss_server
    context = browser.new_context()
    page = context.new_page()
    watcher = Watcher(page)
    sign_in(page, base, "sam@example.org")
    violations = []
    pages = [
        "/",
        "/rooms/",
        "/rooms/welcome/",
        "/members/",
        f"/members/{created['sam']}/",
        "/meetups/",
        "/meetups/month/",
        "/profile/",
        "/notifications/",
    ]
    pages += [f"/members/{pk}/" for pk in created["profiles"]]
    pages += ["/members/?page=2"] + [f"/rooms/{slug}/" for slug in created["rooms"][:4]]
    pages += [f"/meetups/{pk}/" for pk in created["occurrences"][:2]]
    for path in pages:
        violations += watcher.visit(base + path)
    assert "<script>alert('XSS')</script>" in page.content() or page.url  # the page rendered
    context.close()

    moderator = browser.new_context()
    page = moderator.new_page()
    riley = Watcher(page)
    sign_in(page, base, "riley@example.org")
    for path in ["/moderation/", "/moderation/crisis/", "/rooms/welcome/", "/staff/"]:
        violations += riley.visit(base + path)
    moderator.close()
    assert watcher.dialogs + riley.dialogs == []
    assert watcher.console + riley.console == []
    assert violations == []


def test_vectors_are_shown_as_text(xss_server, browser):  # noqa: F811
    """The guard against a vacuous pass: the vectors are on the page, as text."""
    base, _ = xss_server
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, "sam@example.org")
    page.goto(base + "/rooms/welcome/")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("body")
    shown = [v for v in ("<script>alert('XSS')</script>", "<svg/onload=alert('XSS')>") if v in text]
    assert shown
    assert page.locator("script:not([src]):not([type='application/json'])").count() <= 2
    assert page.locator("img[onerror], svg[onload], iframe, object, details[ontoggle]").count() == 0
    assert page.locator("a[href^='javascript' i]").count() == 0
    context.close()


def test_the_watcher_sees_a_blocked_inline_handler(xss_server, browser):  # noqa: F811
    """Control: an injected inline handler is blocked by the CSP and reported."""
    base, _ = xss_server
    context = browser.new_context()
    page = context.new_page()
    watcher = Watcher(page)
    page.goto(base + "/crisis/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=/nothing onerror=alert(1)>')")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__violations")
    assert watcher.dialogs == []
    context.close()


def _crawl(browser, base, email, limit=25):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    watcher = Watcher(page)
    sign_in(page, base, email)
    seen, queue, violations = set(), ["/"], []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        violations += watcher.visit(base + path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urljoin(base + path, href)
            parsed = urlparse(url)
            if (
                f"{parsed.scheme}://{parsed.netloc}" == base
                and "logout" not in parsed.path
                and not parsed.path.endswith((".ics", ".csv"))
                and parsed.path not in seen
            ):
                queue.append(parsed.path)
    context.close()
    return seen, watcher.requests, violations


@pytest.mark.parametrize("email", ["sam@example.org", "morgan@example.org"])
def test_signed_in_pages_request_nothing_from_other_origins(xss_server, browser, email):  # noqa: F811
    base, _ = xss_server
    seen, requests, violations = _crawl(browser, base, email)
    assert len(seen) >= 10
    foreign = sorted(
        {
            url
            for url in requests
            if not url.startswith((base + "/", "data:", "blob:"))
            and not url.startswith(base.replace("http", "ws") + "/")
        }
    )
    assert foreign == []
    assert violations == []
