"""A member's push subscriptions and settings in their export and erasure."""

import pytest

from alumni.privacy import erase_member, export_member_data
from community.push.models import PushSettings, PushSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(alumnus):
    PushSettings.objects.create(member=alumnus, categories=["mentions"], previews=True)
    return PushSubscription.objects.create(
        member=alumnus,
        endpoint="https://fcm.googleapis.com/fcm/send/the-secret-part",
        p256dh="BPUBLICKEY",
        auth="AUTHSECRET",
        failures=2,
    )


def test_export_names_the_push_service_but_not_the_browsers_secrets(alumnus, phone):
    data = export_member_data(alumnus)

    assert data["push_settings"] == {"categories": ["mentions"], "previews": True}
    assert data["push_subscriptions"] == [
        {
            "push_service": "fcm.googleapis.com",
            "created_at": phone.created_at.isoformat(),
            "last_success_at": None,
            "failures_since_last_success": 2,
        }
    ]
    text = str(data)
    assert "the-secret-part" not in text
    assert "AUTHSECRET" not in text


def test_erasure_removes_subscriptions_and_settings(alumnus, alumnus2, phone, django_capture_on_commit_callbacks):
    other = PushSubscription.objects.create(
        member=alumnus2, endpoint="https://fcm.googleapis.com/fcm/send/bob", p256dh="x", auth="y"
    )

    with django_capture_on_commit_callbacks(execute=True):
        erase_member(member=alumnus, password_confirmed=True, keep_messages=False)

    assert list(PushSubscription.objects.all()) == [other]
    assert not PushSettings.objects.filter(member_id=alumnus.pk).exists()
