"""/ws/notifications/: new notifications arrive live, only to their recipient."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from alumni.asgi import application
from community import actions
from tests.groups.conftest import ORIGIN, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def open_notifications(user):
    headers = [ORIGIN]
    if user is not None:
        headers.append((b"cookie", (await sync_to_async(session_cookie)(user)).encode()))
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, code = await communicator.connect(timeout=3)
    return communicator, connected, code


async def test_notification_is_pushed_to_its_recipient_only(alumnus, alumnus2):
    alice, ok_a, _ = await open_notifications(alumnus)
    bob, ok_b, _ = await open_notifications(alumnus2)
    assert ok_a
    assert ok_b

    stored = await database_sync_to_async(actions.notify)(
        recipient=alumnus, kind="mention", text="Bob mentioned you in Anxiety", url="/rooms/anxiety/"
    )

    frame = json.loads(await alice.receive_from(timeout=3))
    assert frame == {
        "type": "notification",
        "notification": {
            "id": stored.pk,
            "kind": "mention",
            "text": "Bob mentioned you in Anxiety",
            "url": "/rooms/anxiety/",
            "created_at": stored.created_at.isoformat(),
        },
    }
    assert await bob.receive_nothing(timeout=0.3)
    await alice.disconnect()
    await bob.disconnect()


async def test_anonymous_is_refused():
    _, connected, code = await open_notifications(None)
    assert (connected, code) == (False, 4401)


async def test_foreign_origin_is_refused(alumnus):
    cookie = await sync_to_async(session_cookie)(alumnus)
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie.encode())]
    )
    connected, _ = await communicator.connect(timeout=3)
    assert connected is False


@pytest.mark.parametrize("change", ["suspended", "signed_out", "demoted"])
async def test_a_change_that_commits_while_the_socket_opens_is_never_missed(moderator, staff, monkeypatch, change):
    """The account changes just after the read that let the socket in, before
    it joined the user's group (so the change's force_disconnect cannot reach
    it): the second read, made once it has joined, refuses it — a suspended or
    signed-out account for good (4401), a former moderator to reconnect without the
    moderators' console (4000)."""
    from django.contrib.sessions.models import Session

    from community import consumers
    from community.models import User

    real = consumers._allowed_user

    def changed_right_after_the_read(user):
        allowed = real(user)
        if change == "suspended":
            User.objects.filter(pk=moderator.pk).update(is_active=False)
        elif change == "signed_out":
            Session.objects.all().delete()
        else:
            actions.set_role(staff=staff, member=moderator, role=User.Role.ALUMNUS)
        return allowed

    monkeypatch.setattr(consumers, "_allowed_user", changed_right_after_the_read)
    _, connected, code = await open_notifications(moderator)
    assert (connected, code) == (False, 4000 if change == "demoted" else 4401)
