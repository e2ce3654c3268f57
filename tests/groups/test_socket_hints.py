"""A socket opens in one trip to the database thread when this process has
seen its session in its room before (groups.consumers.SOCKET_HINTS), and in
two otherwise; either way it joins its groups before the check that lets it
in is read, so a ban that commits meanwhile is never missed — over real
sockets."""

import uuid

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from groups import actions, consumers
from groups.models import Room

from .conftest import Socket, open_socket, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


def post(author, room, body):
    return actions.post_message(author=author, room=room, body=body, client_id=uuid.uuid4()).message


def counters(room):
    return Room.objects.values_list("last_seq", "last_change").get(pk=room.pk)


async def until_resumed(socket):
    frames = []
    while True:
        frame = await socket.recv(timeout=5)
        if frame["type"] != "presence":
            frames.append(frame)
        if frame["type"] in ("resumed", "resync"):
            return frames


def key_of(cookie: str) -> str:
    return cookie.removeprefix(f"{settings.SESSION_COOKIE_NAME}=")


@pytest.fixture
def trips(monkeypatch):
    """The functions each socket ran in the database thread, in order."""
    ran = []
    real = consumers.database_sync_to_async

    def counting(func):
        ran.append(func.__name__)
        return real(func)

    monkeypatch.setattr(consumers, "database_sync_to_async", counting)
    return ran


async def test_a_member_coming_back_opens_in_one_trip_and_misses_nothing(room, alumnus, alumnus2, trips):
    cookie = await db(session_cookie)(alumnus)
    seq, change = await db(counters)(room)
    first = await open_socket(None, room.slug, after_seq=seq, changes=change, cookie=cookie)
    await until_resumed(first)
    assert trips == ["_open_room", "_check_again_and_resume"]
    await first.close()
    missed = await db(post)(alumnus2, room, "while you were away")

    trips.clear()
    again = await open_socket(None, room.slug, after_seq=seq, changes=change, cookie=cookie)
    frames = await until_resumed(again)
    assert trips == ["_open_and_resume"]
    assert [f["message"]["id"] for f in frames if f["type"] == "message"] == [missed.pk]
    assert frames[-1]["last_seq"] == missed.seq
    live = await db(post)(alumnus2, room, "and now, live")
    assert (await again.recv_type("message"))["message"]["id"] == live.pk
    await again.close()

    # Another session of the same member has no hint: two trips.
    trips.clear()
    other = await open_socket(alumnus, room.slug, after_seq=missed.seq, changes=change)
    await until_resumed(other)
    assert trips == ["_open_room", "_check_again_and_resume"]
    await other.close()


async def test_a_wrong_hint_costs_a_trip_and_lets_nothing_of_the_guessed_room_through(
    room, alumnus, alumnus2, staff, trips, monkeypatch
):
    elsewhere = await db(actions.create_room)(creator=staff, name="Elsewhere", slug="elsewhere", kind=Room.Kind.TOPIC)
    for member in (alumnus, alumnus2):
        await db(actions.join_room)(member=member, room=elsewhere)
    cookie = await db(session_cookie)(alumnus)
    # As if the slug had named another room when this process last saw it.
    consumers._socket_hints[(key_of(cookie), room.slug)] = (alumnus.pk, elsewhere.pk)
    real = consumers._open_and_resume

    def said_elsewhere_during_the_read(*args):
        post(alumnus2, elsewhere, "meant for Elsewhere only")  # reaches the guessed group, held
        return real(*args)

    monkeypatch.setattr(consumers, "_open_and_resume", said_elsewhere_during_the_read)
    here = await db(post)(alumnus2, room, "meant for this room")
    socket = await open_socket(None, room.slug, after_seq=here.seq - 1, changes=0, cookie=cookie)
    frames = await until_resumed(socket)
    assert trips == ["said_elsewhere_during_the_read", "_check_again_and_resume"]
    assert [f["message"]["body"] for f in frames if f["type"] == "message"] == ["meant for this room"]
    assert await socket.nothing(timeout=0.5)
    assert consumers._socket_hints[(key_of(cookie), room.slug)] == (alumnus.pk, room.pk)
    await socket.close()


async def test_a_member_banned_since_the_hint_is_refused(room, alumnus, moderator, trips):
    cookie = await db(session_cookie)(alumnus)
    seq, change = await db(counters)(room)
    first = await open_socket(None, room.slug, after_seq=seq, changes=change, cookie=cookie)
    await until_resumed(first)
    await first.close()
    await db(actions.ban_member)(moderator=moderator, member=alumnus, room=room, reason="spam", days=1)

    trips.clear()
    connected, code, _ = await open_socket(
        None, room.slug, after_seq=seq, changes=change, cookie=cookie, expect_ok=False
    )
    assert (connected, code) == (False, consumers.CLOSE_FORBIDDEN)
    assert trips == ["_open_and_resume"]
    assert (key_of(cookie), room.slug) not in consumers._socket_hints


@pytest.mark.parametrize("hinted", [False, True])
async def test_a_ban_that_commits_while_the_socket_opens_is_never_missed(room, alumnus, moderator, monkeypatch, hinted):
    """The ban commits just after the read that let the socket in. Without a
    hint the socket has not joined the user's group yet at that moment: its
    second read, made once it has, refuses it. With a hint it joined first:
    the ban's force_disconnect closes it as soon as its resume is out."""
    cookie = await db(session_cookie)(alumnus)
    seq, change = await db(counters)(room)
    if hinted:
        warm = await open_socket(None, room.slug, after_seq=seq, changes=change, cookie=cookie)
        await until_resumed(warm)
        await warm.close()
    name = "_open_and_resume" if hinted else "_open_room"
    real = getattr(consumers, name)

    def banned_right_after_the_read(*args):
        opened = real(*args)
        actions.ban_member(moderator=moderator, member=alumnus, room=room, reason="spam", days=1)
        return opened

    monkeypatch.setattr(consumers, name, banned_right_after_the_read)
    result = await open_socket(None, room.slug, after_seq=seq, changes=change, cookie=cookie, expect_ok=False)
    connected, code, communicator = result
    if hinted:
        assert connected
        output = await communicator.receive_output(timeout=5)
        while output["type"] != "websocket.close":
            output = await communicator.receive_output(timeout=5)
        assert output["code"] == consumers.CLOSE_FORBIDDEN
    else:
        assert (connected, code) == (False, consumers.CLOSE_FORBIDDEN)


@pytest.mark.parametrize("change", ["signed_out", "password_changed", "suspended", "muted", "blocked"])
async def test_what_changes_while_a_socket_opens_is_read_again_once_it_has_joined(
    room, alumnus, alumnus2, moderator, monkeypatch, change
):
    """Without a hint, a socket reads who it is, joins its groups, then reads
    it all again: a sign-out, a new password or a suspension that commits in
    between refuses it as signed out (4401); a mute or a block made in
    between is in what it is sent."""
    from django.contrib.sessions.models import Session

    from community.models import User

    cookie = await db(session_cookie)(alumnus)
    real = consumers._open_room

    def changed_right_after_the_read(*args):
        opened = real(*args)
        if change == "signed_out":
            Session.objects.filter(session_key=key_of(cookie)).delete()
        elif change == "password_changed":
            fresh = User.objects.get(pk=alumnus.pk)
            fresh.set_password("a brand new passphrase 42")
            fresh.save()
        elif change == "suspended":
            User.objects.filter(pk=alumnus.pk).update(is_active=False)
        elif change == "muted":
            actions.mute_member(moderator=moderator, member=alumnus, room=room, minutes=30, reason="cool off")
        else:
            actions.block_member(member=alumnus, other=alumnus2)
        return opened

    monkeypatch.setattr(consumers, "_open_room", changed_right_after_the_read)
    seq, last_change = await db(counters)(room)
    result = await open_socket(None, room.slug, after_seq=seq, changes=last_change, cookie=cookie, expect_ok=False)
    connected, code, communicator = result
    if change in ("signed_out", "password_changed", "suspended"):
        assert (connected, code) == (False, consumers.CLOSE_UNAUTHENTICATED)
        return
    assert connected
    socket = Socket(communicator)
    if change == "muted":
        # `resumed` tells the page whether it may post: it already knows.
        assert (await socket.recv_type("resumed"))["posting"]["denial"] == "muted"
    else:
        await db(post)(alumnus2, room, "from someone she blocked")
        assert await socket.nothing(timeout=0.5, ignore=("presence", "resumed", "blocks_changed"))
    await socket.close()


async def test_a_resume_cursor_past_any_id_is_ignored_not_a_crash(room, alumnus, alumnus2):
    missed = await db(post)(alumnus2, room, "hello")
    socket = await open_socket(alumnus, room.slug, after_seq=2**63, changes=0)
    assert await socket.nothing(timeout=0.5)  # no resume asked for: nothing replayed, the socket lives
    live = await db(post)(alumnus2, room, "still here")
    assert (await socket.recv_type("message"))["message"]["id"] == live.pk != missed.pk
    await socket.close()
