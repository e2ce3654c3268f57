"""Outside review finding 10: the socket Origin check looked at the host
alone, so a page on the same host over plain HTTP or on another port (an
internal tool, a dev server) could open a socket with a member's cookie. The
whole origin — scheme, host and port — must be one of SITE_ORIGINS."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from alumni.asgi import application
from community.origin import normalise_origin
from tests.groups.conftest import session_cookie

REFUSED = [
    b"https://testserver",  # another scheme
    b"http://testserver:8080",  # another port
    b"ws://testserver",
    b"http://testserver.evil.example",
    b"http://evil.example",
    b"http://testserver/path",
    b"http://user@testserver",
    b"null",
    b"",
]


async def _handshake(user, path, origins) -> bool:
    headers = [(b"origin", o) for o in origins]
    headers.append((b"cookie", (await sync_to_async(session_cookie)(user)).encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=3)
    await communicator.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/rooms/anxiety/", "/ws/notifications/"])
async def test_only_the_sites_own_origin_opens_a_socket(room, alumnus, path):
    assert await _handshake(alumnus, path, [b"http://testserver"])
    assert await _handshake(alumnus, path, [b"HTTP://TestServer:80"])  # the same origin, spelled otherwise
    refused = [o for o in REFUSED if await _handshake(alumnus, path, [o])]
    assert refused == []
    assert not await _handshake(alumnus, path, [])
    assert not await _handshake(alumnus, path, [b"http://testserver", b"http://evil.example"])


@pytest.mark.django_db(transaction=True)
async def test_origins_come_from_the_setting(room, alumnus, settings):
    settings.SITE_ORIGINS = ["https://community.example.org", "https://community.example.org:8443"]
    path = "/ws/rooms/anxiety/"

    assert await _handshake(alumnus, path, [b"https://community.example.org"])
    assert await _handshake(alumnus, path, [b"https://community.example.org:443"])
    assert await _handshake(alumnus, path, [b"https://community.example.org:8443"])
    assert not await _handshake(alumnus, path, [b"http://community.example.org"])
    assert not await _handshake(alumnus, path, [b"https://community.example.org:8444"])
    assert not await _handshake(alumnus, path, [b"http://testserver"])


def test_origins_are_compared_whole():
    assert normalise_origin("https://Example.org") == "https://example.org:443"
    assert normalise_origin("http://example.org:8000/") == "http://example.org:8000"
    assert normalise_origin("http://[::1]:8000") == "http://[::1]:8000"
    assert [normalise_origin(v) for v in ("null", "file://", "http://x:99999", "http://a/b", "ftp://a")] == [None] * 5
