"""Outside review finding 4: erasure scrubbed only the member's current
display name. Crisis-alert notifications that every moderator and staff
member received, and @mentions in other people's messages, kept a name the
member had used before renaming. Every name the member ever had goes now."""

import uuid

import pytest
from django.test import Client

from community.models import FormerDisplayName, Notification
from groups import actions as chat
from groups.models import Message
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

OLD = "Zelda Quill"


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _rename(client, name):
    data = {"display_name": name, "pronouns": "", "bio": "", "time_zone": "America/Chicago"}
    assert client.post("/profile/", data).status_code == 302


@pytest.mark.parametrize("messages_choice", ["delete", "keep"])
def test_erasure_finds_a_name_the_member_used_before_renaming(
    alumnus, alumnus2, moderator, staff, room, messages_choice, django_capture_on_commit_callbacks
):
    alice = _client(alumnus)
    _rename(alice, OLD)
    alumnus.refresh_from_db()
    chat.add_crisis_phrase(staff=staff, phrase="unsafe tonight", level="crisis")
    with django_capture_on_commit_callbacks(execute=True):
        chat.post_message(author=alumnus, room=room, body="I feel unsafe tonight", client_id=str(uuid.uuid4()))
        chat.post_message(author=alumnus2, room=room, body=f"Here for you @{OLD} ❤", client_id=str(uuid.uuid4()))
    _rename(alice, "Alice")
    assert FormerDisplayName.objects.filter(member=alumnus, name=OLD).exists()
    mod_page = _client(moderator).get("/notifications/").content.decode()
    assert OLD in mod_page, "the crisis alert reached the moderator under the old name"
    assert Notification.objects.filter(recipient=staff, text__contains=OLD).exists()

    erased = alice.post(
        "/account/delete/confirm/", {"password": PASSWORD, "messages_choice": messages_choice, "understood": "on"}
    )
    assert erased.status_code == 302

    for viewer in (moderator, staff):
        assert OLD not in _client(viewer).get("/notifications/").content.decode()
    assert not Notification.objects.filter(text__icontains=OLD).exists()
    bobs = Message.objects.get(author=alumnus2)
    assert OLD not in bobs.body
    assert OLD not in bobs.html
    assert bobs.body == "Here for you @former member ❤"
    assert OLD not in _client(alumnus2).get(f"/rooms/{room.slug}/").content.decode()
    assert not FormerDisplayName.objects.exists()


def test_a_former_name_taken_by_someone_else_later_stays_in_their_notifications(
    alumnus, alumnus2, outsider, staff, django_capture_on_commit_callbacks
):
    from community import actions

    alice = _client(alumnus)
    _rename(alice, OLD)
    _rename(alice, "Alice")
    # Charlie takes the freed name; a notification about Charlie uses it.
    _rename(_client(outsider), OLD)
    actions.notify(recipient=alumnus2, kind=Notification.Kind.GENERAL, text=f"{OLD} sent you a hello")

    alice.post("/account/delete/confirm/", {"password": PASSWORD, "messages_choice": "delete", "understood": "on"})

    assert Notification.objects.get(recipient=alumnus2).text == f"{OLD} sent you a hello"
