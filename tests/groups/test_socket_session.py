"""Signing out closes that browser's sockets; a password change closes them all."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from alumni.asgi import application

from .conftest import ORIGIN, Socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def open_with_client(client, slug):
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        application, f"/ws/rooms/{slug}/", headers=[ORIGIN, (b"cookie", cookie.encode())]
    )
    connected, _ = await communicator.connect(timeout=3)
    assert connected
    return Socket(communicator)


async def test_logout_closes_only_that_sessions_sockets(room, alumnus):
    laptop, phone = Client(), Client()
    await sync_to_async(laptop.force_login)(alumnus)
    await sync_to_async(phone.force_login)(alumnus)
    laptop_socket = await open_with_client(laptop, room.slug)
    phone_socket = await open_with_client(phone, room.slug)

    await sync_to_async(laptop.post)("/accounts/logout/")

    assert await laptop_socket.closed() == 4401
    assert await phone_socket.nothing()


async def test_password_change_closes_every_socket(room, alumnus):
    from tests.conftest import PASSWORD

    laptop, phone = Client(), Client()
    await sync_to_async(laptop.force_login)(alumnus)
    await sync_to_async(phone.force_login)(alumnus)
    laptop_socket = await open_with_client(laptop, room.slug)
    phone_socket = await open_with_client(phone, room.slug)

    response = await sync_to_async(laptop.post)(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-new-long-passphrase-42", "password2": "a-new-long-passphrase-42"},
    )

    assert response.status_code == 302
    assert await laptop_socket.closed() == 4401
    assert await phone_socket.closed() == 4401


async def test_signing_out_deletes_the_session_before_its_sockets_are_told(alumnus, monkeypatch):
    """A socket that is opening joins its session's group, then reads the
    session again: the close must not go out while the session still reads
    as signed in, or a socket that joined in between would stay open."""
    from django.contrib.sessions.models import Session

    from community.realtime import signals

    laptop = Client()
    await sync_to_async(laptop.force_login)(alumnus)
    key = laptop.cookies[settings.SESSION_COOKIE_NAME].value
    told = []

    def close_session_sockets(session_key):
        told.append((session_key, Session.objects.filter(session_key=session_key).exists()))

    monkeypatch.setattr(signals, "close_session_sockets", close_session_sockets)
    await sync_to_async(laptop.post)("/accounts/logout/")
    assert told == [(key, False)]
