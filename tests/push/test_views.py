"""The installable app's files, the settings page and the subscribe and
unsubscribe endpoints: who may, what a bad request gets, what is stored."""

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import CrisisResource
from community.push.models import Category, PushSettings, PushSubscription
from tests.conftest import make_member

from .conftest import Browser

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/push/subscribe/"
UNSUBSCRIBE = "/push/unsubscribe/"


def post_json(client, url, data, **extra):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(url, body, content_type="application/json", **extra)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def suspended(db, cohort):
    return make_member("sue@example.org", "Sue", cohort=cohort, suspended_at=timezone.now())


# --- the installable app ---------------------------------------------------------


def test_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")

    data = json.loads(response.content)
    assert response["Content-Type"] == "application/manifest+json"
    assert data["name"] == django_settings.SITE_NAME
    assert (data["start_url"], data["scope"], data["display"]) == ("/", "/", "standalone")
    assert (data["theme_color"], data["background_color"]) == ("#1d5c8f", "#f7f7f4")
    assert [(i["src"], i["sizes"], i["purpose"]) for i in data["icons"]] == [
        ("/static/icons/icon-192.png", "192x192", "any"),
        ("/static/icons/icon-512.png", "512x512", "any"),
        ("/static/icons/maskable-512.png", "512x512", "maskable"),
    ]


def test_service_worker_is_javascript_at_the_root_never_cached(client):
    response = client.get("/sw.js")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]
    assert 'const OFFLINE_URL = "/offline/";' in body
    assert '"/static/css/site.css"' in body
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_service_worker_version_follows_the_crisis_resources(client, staff):
    """A changed crisis line reaches the cached offline page: the worker's
    bytes change, so browsers install it again and re-cache the page."""
    before = client.get("/sw.js").content
    assert client.get("/sw.js").content == before

    CrisisResource.objects.create(name="County crisis team", phone="555-0100")

    assert client.get("/sw.js").content != before


def test_service_worker_refuses_post(client):
    assert client.post("/sw.js").status_code == 405


def test_offline_page_lists_the_crisis_lines_and_names_no_one(alumnus):
    response = signed_in(alumnus).get("/offline/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "You are offline" in body
    assert 'href="tel:988"' in body
    assert "Crisis Text Line" in body
    assert "Alice" not in body
    assert "alice@example.org" not in body


# --- the settings page ------------------------------------------------------------


def test_settings_page_needs_sign_in(client):
    response = client.get("/notifications/settings/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_settings_page_refuses_a_suspended_member(suspended):
    # Suspension signs the member out on their next request (ActiveMemberMiddleware).
    response = signed_in(suspended).get("/notifications/settings/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _offered(response) -> list[str]:
    return [value for value, _ in response.context["form"].fields["categories"].choices]


def test_settings_page_offers_crisis_alerts_to_moderators_only(alumnus, moderator):
    member_page = signed_in(alumnus).get("/notifications/settings/")
    moderator_page = signed_in(moderator).get("/notifications/settings/")

    assert Category.CRISIS not in _offered(member_page)
    assert _offered(moderator_page) == [c.value for c in Category]


def test_settings_page_says_when_push_is_not_set_up(alumnus, settings):
    settings.VAPID_PRIVATE_KEY = ""

    body = signed_in(alumnus).get("/notifications/settings/").content.decode()

    assert "Push notifications are not set up on this server yet." in body
    assert "data-push-state" not in body


def test_settings_page_gives_the_browser_the_servers_public_key(alumnus, vapid):
    body = signed_in(alumnus).get("/notifications/settings/").content.decode()

    assert f'data-public-key="{vapid}"' in body


def test_saving_settings_stores_the_choice(alumnus):
    response = signed_in(alumnus).post(
        "/notifications/settings/", {"categories": ["mentions", "meetups"], "previews": "on"}
    )

    assert response.status_code == 302
    choice = PushSettings.objects.get(member=alumnus)
    assert (choice.categories, choice.previews) == (["mentions", "meetups"], True)


def test_a_member_cannot_choose_crisis_alerts(alumnus):
    PushSettings.objects.create(member=alumnus, categories=["mentions"])

    response = signed_in(alumnus).post("/notifications/settings/", {"categories": ["mentions", "crisis"]})

    assert response.status_code == 400
    assert PushSettings.objects.get(member=alumnus).categories == ["mentions"]


def test_settings_page_rejects_other_methods(alumnus):
    assert signed_in(alumnus).put("/notifications/settings/").status_code == 405


# --- subscribe --------------------------------------------------------------------


def test_subscribe_rejects_get(alumnus, vapid):
    assert signed_in(alumnus).get(SUBSCRIBE).status_code == 405


def test_subscribe_needs_sign_in(client, vapid, push_service):
    response = post_json(client, SUBSCRIBE, Browser(push_service.endpoint("x")).subscription_json())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not PushSubscription.objects.exists()


def test_subscribe_refuses_a_suspended_member(suspended, vapid, push_service):
    response = post_json(signed_in(suspended), SUBSCRIBE, Browser(push_service.endpoint("x")).subscription_json())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not PushSubscription.objects.exists()


def test_subscribe_needs_the_csrf_token(alumnus, vapid, push_service):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alumnus)

    response = post_json(client, SUBSCRIBE, Browser(push_service.endpoint("x")).subscription_json())

    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


def test_subscribe_stores_this_browser_tied_to_the_session(alumnus, vapid, push_service):
    client = signed_in(alumnus)
    browser = Browser(push_service.endpoint("phone"))

    response = post_json(client, SUBSCRIBE, browser.subscription_json())

    subscription = PushSubscription.objects.get()
    assert response.status_code == 201
    assert json.loads(response.content) == {"ok": True, "id": subscription.pk}
    assert subscription.member == alumnus
    assert subscription.endpoint == browser.endpoint
    assert subscription.p256dh == browser.subscription_json()["keys"]["p256dh"]
    assert subscription.session_key == client.session.session_key
    # The first time: the defaults, crisis alerts only for moderators, no previews.
    choice = PushSettings.objects.get(member=alumnus)
    assert (choice.categories, choice.previews) == (["mentions", "direct", "meetups", "mentorship"], False)


def test_subscribing_again_keeps_one_row(alumnus, vapid, push_service):
    client = signed_in(alumnus)
    data = Browser(push_service.endpoint("phone")).subscription_json()

    post_json(client, SUBSCRIBE, data)
    post_json(client, SUBSCRIBE, data)

    assert PushSubscription.objects.count() == 1


def test_a_browser_moves_to_whoever_subscribes_on_it_last(alumnus, alumnus2, vapid, push_service):
    """A shared device: Bob turning push on there means Alice's news stops going to it."""
    data = Browser(push_service.endpoint("shared")).subscription_json()
    post_json(signed_in(alumnus), SUBSCRIBE, data)

    post_json(signed_in(alumnus2), SUBSCRIBE, data)

    assert list(PushSubscription.objects.values_list("member_id", flat=True)) == [alumnus2.pk]


def test_subscribe_when_push_is_not_set_up_is_a_conflict(alumnus, settings, push_service):
    settings.VAPID_PRIVATE_KEY = ""

    response = post_json(signed_in(alumnus), SUBSCRIBE, Browser(push_service.endpoint("x")).subscription_json())

    assert response.status_code == 409
    assert not PushSubscription.objects.exists()


def _with(data, **changes):
    data = json.loads(json.dumps(data))
    for key, value in changes.items():
        if key in ("p256dh", "auth"):
            data["keys"][key] = value
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("make_body", "error"),
    [
        (lambda good: "not json", "Send the subscription as a JSON object (PushSubscription.toJSON())."),
        (lambda good: "[1, 2]", "Send the subscription as a JSON object (PushSubscription.toJSON())."),
        (lambda good: {"endpoint": good["endpoint"]}, "keys.p256dh: This field is required."),
        (lambda good: _with(good, endpoint=""), "endpoint: This field is required."),
        (
            lambda good: _with(good, endpoint="http://10.0.0.7/steal"),
            "This push service is not one this site sends to.",
        ),
        (
            lambda good: _with(good, endpoint="https://fcm.googleapis.com.evil.example/x"),
            "This push service is not one this site sends to.",
        ),
        (lambda good: _with(good, p256dh="not a key!"), "keys.p256dh is not base64url."),
        (lambda good: _with(good, p256dh="AAAA"), "keys.p256dh is not a P-256 public key."),
        (lambda good: _with(good, auth="c2hvcnQ"), "keys.auth must be 16 bytes."),
        (
            lambda good: {**good, "padding": "x" * 5000},
            "Send the subscription as a JSON object (PushSubscription.toJSON()).",
        ),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-keys",
        "no-endpoint",
        "private-address",
        "look-alike-host",
        "key-not-base64",
        "key-not-a-point",
        "short-auth",
        "too-large",
    ],
)
def test_bad_subscriptions_get_a_clear_400_and_change_nothing(alumnus, vapid, push_service, make_body, error):
    good = Browser(push_service.endpoint("phone")).subscription_json()

    response = post_json(signed_in(alumnus), SUBSCRIBE, make_body(good))

    assert response.status_code == 400
    assert json.loads(response.content) == {"error": error}
    assert not PushSubscription.objects.exists()
    assert not PushSettings.objects.exists()


def test_subscribe_is_rate_limited(alumnus, vapid, push_service):
    client = signed_in(alumnus)
    data = Browser(push_service.endpoint("phone")).subscription_json()
    statuses = [post_json(client, SUBSCRIBE, data).status_code for _ in range(31)]

    assert statuses[:30] == [201] * 30
    assert statuses[30] == 429


# --- unsubscribe ------------------------------------------------------------------


def test_unsubscribe_removes_my_browser(alumnus, vapid, push_service):
    client = signed_in(alumnus)
    data = Browser(push_service.endpoint("phone")).subscription_json()
    post_json(client, SUBSCRIBE, data)

    response = post_json(client, UNSUBSCRIBE, {"endpoint": data["endpoint"]})

    assert response.status_code == 200
    assert not PushSubscription.objects.exists()
    assert PushSettings.objects.filter(member=alumnus).exists()  # the choices stay


def test_unsubscribing_someone_elses_browser_is_404_and_changes_nothing(alumnus, alumnus2, vapid, push_service):
    data = Browser(push_service.endpoint("alice")).subscription_json()
    post_json(signed_in(alumnus), SUBSCRIBE, data)

    response = post_json(signed_in(alumnus2), UNSUBSCRIBE, {"endpoint": data["endpoint"]})

    assert response.status_code == 404
    assert PushSubscription.objects.get().member == alumnus


def test_unsubscribe_without_an_endpoint_is_400(alumnus):
    response = post_json(signed_in(alumnus), UNSUBSCRIBE, {"nope": 1})

    assert response.status_code == 400
    assert json.loads(response.content) == {"error": 'Send {"endpoint": …} as a JSON object.'}


def test_unsubscribe_needs_sign_in(client):
    response = post_json(client, UNSUBSCRIBE, {"endpoint": "https://fcm.googleapis.com/fcm/send/x"})

    assert response["Location"].startswith("/accounts/login/")


def test_notifications_page_links_to_the_settings(alumnus):
    body = signed_in(alumnus).get(reverse("notifications")).content.decode()

    assert 'href="/notifications/settings/"' in body


@pytest.mark.parametrize("devices", [1, 3])
def test_settings_page_costs_the_same_with_one_or_three_devices(alumnus, devices, django_assert_num_queries):
    client = signed_in(alumnus)
    for i in range(devices):
        PushSubscription.objects.create(
            member=alumnus, endpoint=f"https://fcm.googleapis.com/fcm/send/{i}", p256dh="x", auth="y"
        )

    # session, member, push settings, count of devices, unread notifications (header)
    with django_assert_num_queries(5):
        response = client.get("/notifications/settings/")

    assert response.context["devices"] == devices
