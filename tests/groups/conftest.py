"""Real sockets against the real ASGI application: session cookie auth,
Origin check, URL routing and the consumer, exactly as in production."""

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from alumni.asgi import application

ORIGIN = (b"origin", b"http://testserver")


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class Socket:
    """A thin wrapper over WebsocketCommunicator that speaks JSON frames."""

    def __init__(self, communicator):
        self.c = communicator

    async def send(self, frame: dict) -> None:
        await self.c.send_to(text_data=json.dumps(frame))

    async def send_raw(self, text: str) -> None:
        await self.c.send_to(text_data=text)

    async def recv(self, timeout: float = 3) -> dict:
        return json.loads(await self.c.receive_from(timeout=timeout))

    async def recv_type(self, frame_type: str, timeout: float = 3) -> dict:
        """The next frame of a type, skipping presence/typing chatter."""
        while True:
            frame = await self.recv(timeout)
            if frame["type"] == frame_type:
                return frame

    async def nothing(self, timeout: float = 0.3, ignore=("presence",)) -> bool:
        """True if no frame (other than ignored chatter) arrives within timeout."""
        while True:
            if await self.c.receive_nothing(timeout=timeout):
                return True
            frame = json.loads(await self.c.receive_from())
            if frame["type"] not in ignore:
                raise AssertionError(f"unexpected frame {frame}")

    async def closed(self, timeout: float = 3) -> int:
        """Skip frames until the server closes the socket; return the close code."""
        while True:
            output = await self.c.receive_output(timeout=timeout)
            if output["type"] == "websocket.close":
                return output.get("code", 1000)

    async def close(self) -> None:
        await self.c.disconnect()


async def open_socket(
    user, slug, *, after=None, after_seq=None, changes=None, origin=ORIGIN, expect_ok=True, cookie=None
):
    """`cookie`: the session cookie to send (by default `user` logs in anew)."""
    query = [f"after={after}"] if after is not None else []
    if after_seq is not None:
        query.append(f"after_seq={after_seq}")
    if changes is not None:
        query.append(f"changes={changes}")
    path = f"/ws/rooms/{slug}/" + ("?" + "&".join(query) if query else "")
    headers = [origin] if origin else []
    if user is not None or cookie is not None:
        cookie = cookie or await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=3)
    if expect_ok:
        assert connected, f"handshake refused with {code}"
        return Socket(communicator)
    return connected, code, communicator


@pytest.fixture
def connect():
    opened = []

    async def _open(user, slug, **kwargs):
        result = await open_socket(user, slug, **kwargs)
        if isinstance(result, Socket):
            opened.append(result)
        return result

    return _open


def send_frame(body="Hello", **extra):
    return {"type": "message.send", "client_id": str(uuid.uuid4()), "body": body, **extra}
