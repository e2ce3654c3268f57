"""A notification reaches a phone: through community.actions.notify, after
commit, via the task queue, encrypted for the subscription, to a push service
on loopback that decrypts it with the subscription's private key."""

import logging
import uuid

import pytest
from django.utils import timezone

from community.actions import notify, notify_many
from community.models import Notification
from community.push import actions as push_actions
from community.push.models import Category, PushPreview, PushSettings, PushSubscription
from community.push.tasks import queue_push
from groups import actions as chat

from .conftest import Browser, live_session_key, vapid_claims

pytestmark = pytest.mark.django_db

SECRET_WORDS = "blue kettle on the Tuesday porch"


def subscribe(member, push_service, name="phone", *, previews=False, categories=None) -> Browser:
    browser = Browser(push_service.endpoint(f"{name}-{member.pk}"))
    info = browser.subscription_json()
    push_actions.subscribe(
        member=member,
        endpoint=info["endpoint"],
        p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"],
        session_key=live_session_key(member),
    )
    choice = PushSettings.objects.get(member=member)
    push_actions.save_push_settings(
        member=member, categories=choice.categories if categories is None else categories, previews=previews
    )
    return browser


def mention_bob(alice, room, capture):
    with capture(execute=True):
        chat.post_message(author=alice, room=room, body=f"@Bob {SECRET_WORDS}", client_id=uuid.uuid4())


def test_mention_push_has_no_message_words_by_default(
    vapid, push_service, alumnus, alumnus2, room, django_capture_on_commit_callbacks
):
    phone = subscribe(alumnus2, push_service)

    mention_bob(alumnus, room, django_capture_on_commit_callbacks)

    [received] = push_service.received
    payload = phone.decrypt(received)
    notification = Notification.objects.get(recipient=alumnus2, kind="mention")
    assert payload == {
        "id": notification.pk,
        "kind": "mention",
        "title": "New mention",
        "body": "Someone mentioned you in a room.",
        "url": notification.url,
        "tag": f"notification-{notification.pk}",
        "urgent": False,
    }
    # Not the words, not who wrote them, not where.
    assert "kettle" not in received.body.decode("latin-1")
    assert "Alice" not in str(payload)
    assert "Anxiety" not in str(payload)
    assert PushSubscription.objects.get(member=alumnus2).last_success_at is not None
    assert not PushPreview.objects.exists()


def test_mention_push_carries_the_words_when_previews_are_on(
    vapid, push_service, alumnus, alumnus2, room, django_capture_on_commit_callbacks
):
    phone = subscribe(alumnus2, push_service, previews=True)

    mention_bob(alumnus, room, django_capture_on_commit_callbacks)

    [received] = push_service.received
    payload = phone.decrypt(received)
    assert payload["title"] == "New mention"
    assert payload["body"] == f"Alice mentioned you in Anxiety\n“@Bob {SECRET_WORDS}”"
    # The words were kept only until they were sent.
    assert not PushPreview.objects.exists()


def test_push_is_signed_with_the_servers_vapid_key(
    vapid, push_service, alumnus, alumnus2, room, django_capture_on_commit_callbacks
):
    subscribe(alumnus2, push_service)

    mention_bob(alumnus, room, django_capture_on_commit_callbacks)

    [received] = push_service.received
    claims = vapid_claims(received, vapid)
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == "mailto:community@example.org"
    assert claims["exp"] > timezone.now().timestamp()
    assert received.headers["ttl"] == str(24 * 3600)
    assert received.headers["urgency"] == "normal"


def test_every_device_of_the_member_gets_it(vapid, push_service, alumnus, alumnus2, committed):
    phone = subscribe(alumnus2, push_service, "phone")
    laptop = subscribe(alumnus2, push_service, "laptop")

    with committed(execute=True):
        notify(recipient=alumnus2, kind="reminder", text="Tuesday group at 7", url="/meetups/1/")

    by_path = {r.path: r for r in push_service.received}
    assert phone.decrypt(by_path[f"/push/phone-{alumnus2.pk}"])["title"] == "Meetup reminder"
    assert laptop.decrypt(by_path[f"/push/laptop-{alumnus2.pk}"])["title"] == "Meetup reminder"


def test_a_410_deletes_the_subscription(vapid, push_service, alumnus, committed):
    subscribe(alumnus, push_service)
    push_service.answers[f"/push/phone-{alumnus.pk}"] = 410

    with committed(execute=True):
        notify(recipient=alumnus, kind="mention", text="Bob mentioned you in Anxiety")

    assert len(push_service.received) == 1
    assert not PushSubscription.objects.filter(member=alumnus).exists()


def test_a_404_deletes_the_subscription(vapid, push_service, alumnus, committed):
    subscribe(alumnus, push_service)
    push_service.answers[f"/push/phone-{alumnus.pk}"] = 404

    with committed(execute=True):
        notify(recipient=alumnus, kind="mention", text="Bob mentioned you in Anxiety")

    assert not PushSubscription.objects.filter(member=alumnus).exists()


def test_other_failures_are_counted_and_logged_without_the_token(vapid, push_service, alumnus, caplog, committed):
    subscribe(alumnus, push_service)
    push_service.answers[f"/push/phone-{alumnus.pk}"] = 500

    with caplog.at_level(logging.WARNING, logger="community.push.delivery"):
        with committed(execute=True):
            notify(recipient=alumnus, kind="mention", text="Bob mentioned you in Anxiety")
        with committed(execute=True):
            notify(recipient=alumnus, kind="mention", text="Bob mentioned you in Anxiety")

    subscription = PushSubscription.objects.get(member=alumnus)
    assert subscription.failures == 2
    assert subscription.last_failure_at is not None
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP 500" in logged
    assert f"phone-{alumnus.pk}" not in logged  # the endpoint's path is the browser's secret
    assert subscription.p256dh not in logged
    assert subscription.auth not in logged

    push_service.answers.clear()
    with committed(execute=True):
        notify(recipient=alumnus, kind="mention", text="Bob mentioned you in Anxiety")
    assert PushSubscription.objects.get(member=alumnus).failures == 0


def test_an_unreachable_push_service_is_a_counted_failure(vapid, push_service, alumnus, settings, committed):
    subscribe(alumnus, push_service)
    settings.PUSH_SERVICES = [push_service.origin, "http://127.0.0.1:9"]
    PushSubscription.objects.filter(member=alumnus).update(endpoint="http://127.0.0.1:9/push/nobody-listens")

    with committed(execute=True):
        notify(recipient=alumnus, kind="mention", text="Bob mentioned you in Anxiety")

    assert PushSubscription.objects.get(member=alumnus).failures == 1


@pytest.mark.parametrize(
    ("kind", "category"),
    [
        ("mention", Category.MENTIONS),
        ("dm", Category.DIRECT),
        ("reminder", Category.MEETUPS),
        ("meetup", Category.MEETUPS),
        ("match", Category.MENTORSHIP),
        ("support", Category.MENTORSHIP),
        ("checkin", Category.OTHER),
        ("general", Category.OTHER),
    ],
)
def test_each_kind_follows_its_switch(vapid, push_service, alumnus, kind, category, committed):
    every = [c for c in Category if c != Category.CRISIS]
    subscribe(alumnus, push_service, categories=[c for c in every if c != category])

    with committed(execute=True):
        notify(recipient=alumnus, kind=kind, text="something")
    assert push_service.received == []

    push_actions.save_push_settings(member=alumnus, categories=[category], previews=False)
    with committed(execute=True):
        notify(recipient=alumnus, kind=kind, text="something")
    assert len(push_service.received) == 1


def test_crisis_alerts_reach_a_moderators_phone_urgently(vapid, push_service, moderator, committed):
    phone = subscribe(moderator, push_service)

    with committed(execute=True):
        notify_many(
            recipients=[moderator],
            kind="crisis_alert",
            text="Alice in Anxiety may be in crisis (message). Please acknowledge and check in.",
            url="/moderation/crisis/#alert-1",
        )

    [received] = push_service.received
    payload = phone.decrypt(received)
    assert payload["title"] == "Crisis alert"
    assert "Alice" not in payload["body"]
    assert payload["urgent"] is True
    assert received.headers["urgency"] == "high"
    assert received.headers["ttl"] == "3600"


def test_a_suspended_member_gets_no_push(vapid, push_service, alumnus, committed):
    subscribe(alumnus, push_service)
    type(alumnus).objects.filter(pk=alumnus.pk).update(suspended_at=timezone.now())
    alumnus.refresh_from_db()

    with committed(execute=True):
        notify(recipient=alumnus, kind="mention", text="Bob mentioned you in Anxiety")

    assert push_service.received == []


def test_a_subscription_whose_session_ended_is_dropped_unsent(vapid, push_service, alumnus, committed):
    """Signing out on a shared device stops that device's pushes."""
    from django.contrib.sessions.backends.db import SessionStore

    subscribe(alumnus, push_service)
    SessionStore(session_key=PushSubscription.objects.get(member=alumnus).session_key).delete()

    with committed(execute=True):
        notify(recipient=alumnus, kind="mention", text="Bob mentioned you in Anxiety")

    assert push_service.received == []
    assert not PushSubscription.objects.filter(member=alumnus).exists()


def test_queueing_costs_one_query_for_a_batch(
    vapid, push_service, alumnus, alumnus2, moderator, staff, django_assert_num_queries, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    subscribe(alumnus, push_service)
    notifications = [
        Notification.objects.create(recipient=member, kind="mention", text="x")
        for member in (alumnus, alumnus2, moderator, staff)
    ]

    # One query: the recipients' push settings, for those with a subscription.
    with django_assert_num_queries(1):
        queued = queue_push(notifications)

    assert queued == 1


def test_nothing_is_queried_when_push_is_not_set_up(alumnus, django_assert_num_queries, settings):
    settings.VAPID_PRIVATE_KEY = ""
    notification = Notification.objects.create(recipient=alumnus, kind="mention", text="x")

    with django_assert_num_queries(0):
        assert queue_push([notification]) == 0
