"""The installable app and Web Push in Debian's Chromium, against a real
Daphne whose push service is a server on loopback in this test.

What is real here and what is not (docs/operations.md, "Web Push"):
- installability: Chromium's own checks (Page.getInstallabilityErrors), then
  the app is installed and launched in its own window (CDP's PWA domain);
- the service worker registers at /sw.js under the site's CSP, keeps the
  offline page and shows it when the network is gone;
- pushManager.subscribe() is called with the server's VAPID key, permission
  granted. It cannot succeed on this machine: Chromium asks Google's push
  service (FCM) for an endpoint, and there is no network (and background
  networking is off). The page gives up after 15 s and says so; the test
  accepts a real subscription too, if one ever comes back;
- so the subscription the server pushes to is made by the same page with
  WebCrypto, as a browser makes one (P-256 key pair, 16-byte auth secret):
  a mention posted in the chat reaches the loopback push service, which
  decrypts it with that private key; the decrypted payload is then handed to
  the real service worker (CDP ServiceWorker.deliverPushMessage: the step a
  push service would do), which shows the system notification.
"""

import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.push.conftest import Browser, running_push_service

from .conftest import ARTIFACTS, CHROMIUM_ARGS, live_server, screenshot, sign_in

pytestmark = pytest.mark.browser

SECRET = "the blue kettle on the porch"


@pytest.fixture(scope="module")
def push_service():
    with running_push_service() as service:
        yield service


@pytest.fixture(scope="module")
def vapid_keys():
    from community.push.management.commands.vapid_keys import new_key_pair

    return new_key_pair()


@pytest.fixture(scope="module")
def server(tmp_path_factory, push_service, vapid_keys):
    env = {"VAPID_PRIVATE_KEY": vapid_keys[0], "PUSH_SERVICES": push_service.origin}
    with live_server(tmp_path_factory.mktemp("pwa"), env_extra=env) as base:
        yield base


@pytest.fixture(scope="module")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def app_browser(chromium_path, playwright_instance, tmp_path_factory, server):
    """A browser profile of its own (push and installing are refused in the
    incognito-like contexts Playwright makes by default), notifications allowed."""
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("profile")),
        executable_path=chromium_path,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 800},
    )
    context.grant_permissions(["notifications"], origin=server)
    yield context
    context.close()


@pytest.fixture(scope="module")
def jordan(chromium_path, playwright_instance, server):
    browser = playwright_instance.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    page = browser.new_page()
    sign_in(page, server, "jordan@example.org")
    page.goto(server + "/rooms/welcome/")
    expect(page.locator("[data-connection]")).to_have_text("Connected")
    yield page
    browser.close()


def worker_ready(page) -> str:
    return page.evaluate("async () => (await navigator.serviceWorker.ready).active.scriptURL")


def mention_sam(jordan, words: str) -> None:
    composer = jordan.get_by_label("Message", exact=True)
    composer.fill(f"@Sam {words}")
    composer.press("Enter")
    expect(jordan.locator("[data-messages] li.message", has_text=words)).to_be_visible()


def wait_for_pushes(service, count: int, timeout: float = 15) -> list:
    deadline = time.monotonic() + timeout
    while len(service.received) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(service.received) >= count, f"{len(service.received)} pushes arrived, expected {count}"
    return service.received


def test_the_app_passes_chromiums_installability_checks_and_installs(server, app_browser):
    page = app_browser.new_page()
    page.goto(server + "/")
    assert worker_ready(page) == server + "/sw.js"
    cdp = app_browser.new_cdp_session(page)

    assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    data = json.loads(manifest["data"])
    assert data["display"] == "standalone"
    assert data["start_url"] == "/"
    assert data["scope"] == "/"
    assert data["theme_color"] == "#1d5c8f"
    assert {(i["sizes"], i["purpose"]) for i in data["icons"]} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }

    cdp.send("PWA.install", {"manifestId": server + "/"})
    # Chromium knows the app now (before installing, it answers "Unknown web-app manifest id").
    assert cdp.send("PWA.getOsAppState", {"manifestId": server + "/"}) == {"badgeCount": 0, "fileHandlers": []}
    with app_browser.expect_page() as opened:
        launched = cdp.send("PWA.launch", {"manifestId": server + "/"})
    assert launched["targetId"]
    app = opened.value
    app.wait_for_load_state()
    expect(app.get_by_role("heading", name="Stay connected after the program")).to_be_visible()
    screenshot(app, "pwa-installed-app")
    app.close()
    page.close()


def test_the_service_worker_is_served_at_the_root_never_cached(server, app_browser):
    page = app_browser.new_page()
    response = page.request.get(server + "/sw.js")
    assert response.status == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "no-cache" in response.headers["cache-control"]
    assert "max-age=0" in response.headers["cache-control"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.goto(server + "/")
    assert page.evaluate("async () => (await navigator.serviceWorker.ready).scope") == server + "/"
    page.close()


def test_a_page_that_cannot_load_shows_the_offline_page_with_the_crisis_lines(server, app_browser):
    page = app_browser.new_page()
    page.goto(server + "/")
    worker_ready(page)
    page.reload()  # now controlled by the worker
    app_browser.set_offline(True)
    try:
        page.goto(server + "/rooms/")
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
        expect(page.get_by_role("link", name="Call 988")).to_be_visible()
        expect(page.get_by_role("link", name="Text 741741")).to_be_visible()
        # The stylesheets came from the worker's cache too.
        assert page.locator(".crisis-bar").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(92, 26, 51)"
        screenshot(page, "pwa-offline")
    finally:
        app_browser.set_offline(False)
        page.close()


def test_a_mention_reaches_the_service_worker_as_a_notification(server, app_browser, jordan, push_service, vapid_keys):
    page = app_browser.new_page()
    sign_in(page, server, "sam@example.org")
    page.goto(server + "/notifications/settings/")
    worker_ready(page)
    assert page.evaluate("() => Notification.permission") == "granted"
    expect(page.locator("[data-push-state]")).to_have_text("Push is off for this device.")

    # 1. The page's own button: pushManager.subscribe() with the server's key.
    page.get_by_role("button", name="Turn on push for this device").click()
    status = page.locator("[data-push-status]")
    expect(status).not_to_have_text("Turning push on…", timeout=30_000)
    outcome = status.inner_text()
    (ARTIFACTS / "pwa-subscribe-outcome.txt").write_text(outcome + "\n")
    if outcome == "Push is on for this device.":
        # A real push service answered (a machine with a network): the server
        # stored that subscription.
        page.reload()
        expect(page.get_by_text("You have push turned on for 1 device.")).to_be_visible()
    else:
        assert outcome.startswith("This browser could not reach its push service")
        page.reload()
        expect(page.get_by_text("You have not turned it on for any device yet.")).to_be_visible()

    # 2. A subscription made by this page with WebCrypto, at the loopback push service.
    made = page.evaluate(
        """async (endpoint) => {
            const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
            const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
                .replace(/[+]/g, "-").replace(/[/]/g, "_").replace(/=+$/, "");
            const auth = crypto.getRandomValues(new Uint8Array(16));
            const subscription = {
                endpoint,
                keys: { p256dh: b64(await crypto.subtle.exportKey("raw", pair.publicKey)), auth: b64(auth) },
            };
            const response = await fetch("/push/subscribe/", {
                method: "POST",
                headers: {
                    "Content-Type": "application/json",
                    "X-CSRFToken": document.querySelector("input[name=csrfmiddlewaretoken]").value,
                },
                body: JSON.stringify(subscription),
            });
            const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
            return { status: response.status, jwk, auth: b64(auth) };
        }""",
        push_service.endpoint("sam-chromium"),
    )
    assert made["status"] == 201
    phone = Browser.from_jwk(push_service.endpoint("sam-chromium"), made["jwk"], made["auth"])
    page.reload()
    expect(page.get_by_text("You have push turned on for 1 device.")).to_be_visible()

    # 3. Jordan mentions Sam: the push carries no words (previews are off).
    mention_sam(jordan, SECRET)
    [first] = wait_for_pushes(push_service, 1)
    payload = phone.decrypt(first)
    assert payload["title"] == "New mention"
    assert payload["body"] == "Someone mentioned you in a room."
    assert SECRET not in json.dumps(payload)

    # 4. Previews on: the next mention carries the words.
    page.get_by_label("Show message previews").check()
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    mention_sam(jordan, "see you at the Tuesday group")
    second = wait_for_pushes(push_service, 2)[1]
    with_words = phone.decrypt(second)
    assert with_words["body"].endswith("“@Sam see you at the Tuesday group”")

    # 5. The real service worker turns the payload into a system notification.
    cdp = app_browser.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 5
    while not any(r["scopeURL"] == server + "/" for r in registrations) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    registration = next(r for r in registrations if r["scopeURL"] == server + "/")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": server, "registrationId": registration["registrationId"], "data": json.dumps(payload)},
    )
    shown = []
    deadline = time.monotonic() + 5
    while not shown and time.monotonic() < deadline:
        shown = page.evaluate(
            """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                .map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data.url }))"""
        )
        page.wait_for_timeout(100)
    expected = {"title": "New mention", "body": "Someone mentioned you in a room.", "tag": payload["tag"]}
    assert shown == [{**expected, "url": payload["url"]}]
    screenshot(page, "pwa-push-settings")
    page.close()


# Wraps (does not replace) the browser's Notification and AudioContext, to see
# what pwa.js shows and plays in a page that is open but hidden; and lets the
# test say the page is hidden (see hide()).
RECORDER = """
window.__shown = [];
window.__tones = 0;
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options = {}) {
    super(title, options);
    window.__shown.push({ title, body: options.body, tag: options.tag });
  }
};
window.__setHidden = (hidden) => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  const state = hidden ? "hidden" : "visible";
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
};
const realOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.__tones += 1;
  return realOscillator.call(this);
};
"""


def hide(page, *, hidden=True):
    """The page is open but hidden (another tab or app in front). Headless
    Chromium shows every page, so the page is told so the way a browser
    tells it: document.hidden, visibilityState and a visibilitychange event."""
    page.evaluate("(hidden) => window.__setHidden(hidden)", hidden)


def signed_in_page(context, server, path):
    page = context.new_page()
    page.add_init_script(RECORDER)
    page.goto(server + path)
    if "/accounts/login/" in page.url:
        sign_in(page, server, "sam@example.org")
        page.goto(server + path)
    return page


def test_a_hidden_page_shows_a_desktop_notification_and_plays_a_sound(server, app_browser, jordan):
    page = signed_in_page(app_browser, server, "/notifications/settings/")
    page.get_by_label("Show a notification on this computer").check()
    expect(page.locator("[data-desktop-status]")).to_have_text("Notifications are on for this computer.")
    page.get_by_label("Play a sound").check()
    other = app_browser.new_page()
    other.goto(server + "/crisis/")
    hide(page)
    assert page.evaluate("() => document.hidden") is True
    tones = page.evaluate("() => window.__tones")

    mention_sam(jordan, "are you coming on Friday?")

    shown = []
    deadline = time.monotonic() + 10
    while not shown and time.monotonic() < deadline:
        shown = page.evaluate("() => window.__shown")
        other.wait_for_timeout(100)
    assert [(n["title"], n["body"]) for n in shown] == [("New mention", "Jordan mentioned you in Welcome")]
    assert shown[0]["tag"].startswith("notification-")
    assert page.evaluate("() => window.__tones") > tones

    # Switched off: nothing the next time.
    hide(page, hidden=False)
    page.get_by_label("Show a notification on this computer").uncheck()
    page.get_by_label("Play a sound").uncheck()
    hide(page)
    tones = page.evaluate("() => window.__tones")
    mention_sam(jordan, "one more thing about Friday")
    expect(page.locator("[data-unread]")).to_have_text(re.compile(r"\d+"))
    other.wait_for_timeout(1000)
    assert len(page.evaluate("() => window.__shown")) == 1
    assert page.evaluate("() => window.__tones") == tones
    other.close()
    page.close()


def test_desktop_notifications_are_offered_once_with_an_explanation(server, chromium_path, playwright_instance, jordan):
    browser = playwright_instance.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    try:
        page = browser.new_page()
        sign_in(page, server, "sam@example.org")
        offer = page.get_by_role("region", name="Desktop notifications")
        # Not over a conversation, where it would cover the composer.
        page.goto(server + "/rooms/welcome/")
        expect(page.locator("[data-connection]")).to_have_text("Connected")
        mention_sam(jordan, "offer check in the room")
        expect(page.locator("[data-toasts]")).to_contain_text("Jordan mentioned you in Welcome")
        expect(offer).to_have_count(0)

        page.goto(server + "/notifications/")
        assert page.evaluate("() => Notification.permission") == "default"
        mention_sam(jordan, "offer check one")
        expect(offer).to_contain_text("while this tab is in the background")
        screenshot(page, "pwa-desktop-offer")
        offer.get_by_role("button", name="Not now").click()
        expect(offer).to_have_count(0)

        mention_sam(jordan, "offer check two")
        expect(page.get_by_text("Jordan mentioned you in Welcome").last).to_be_visible()
        expect(offer).to_have_count(0)
    finally:
        browser.close()
