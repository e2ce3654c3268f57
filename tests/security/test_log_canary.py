"""Logs never contain message bodies: a unique canary goes through a real
socket (sent, edited, refused as too long, a crisis message, reported with a
note) and through page views (the room, search), while a handler on every
logger records everything at the configured levels. The canary must not
appear in any record: not in the message, its arguments, or any extra field.
"""

import json
import logging
import uuid

import pytest
from django.test import Client

from community.logging import JSONFormatter
from tests.groups.conftest import open_socket, send_frame

pytestmark = pytest.mark.django_db(transaction=True)


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.NOTSET)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def captured():
    handler = Capture()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def _everything(record) -> str:
    formatted = [JSONFormatter().format(record), logging.Formatter("%(message)s").format(record)]
    return "\n".join(formatted) + repr(record.__dict__)


async def test_message_bodies_never_reach_the_logs(room, alumnus, alumnus2, captured):
    from asgiref.sync import sync_to_async

    canary = f"canary-{uuid.uuid4().hex}"
    sam = await open_socket(alumnus, room.slug)
    await sam.send(send_frame(f"hello {canary}"))
    sent = await sam.recv_type("message")
    await sam.send({"type": "message.edit", "id": sent["message"]["id"], "body": f"edited {canary}"})
    await sam.recv_type("message.updated")
    await sam.send(send_frame(f"{canary} " + "x" * 5000))
    assert (await sam.recv_type("error"))["code"] == "too_long"
    await sam.send(send_frame(f"I want to kill myself {canary}"))
    await sam.recv_type("crisis.resources")
    bob = await open_socket(alumnus2, room.slug)
    await bob.send({"type": "message.report", "id": sent["message"]["id"], "reason": "other", "note": canary})
    await bob.recv_type("report.received")
    await sam.send({"type": "message.send", "client_id": "not-a-uuid", "body": canary})
    await sam.recv_type("error")
    await sam.close()
    await bob.close()

    def pages():
        client = Client()
        client.force_login(alumnus2)
        assert canary.encode() in client.get(f"/rooms/{room.slug}/").content
        client.get("/rooms/search/", {"q": canary})
        client.get(f"/rooms/{canary}/")  # a 404 is logged with its path: not a body, but check anyway
        moderator_client = Client()
        moderator_client.get("/moderation/")

    await sync_to_async(pages)()
    assert captured.records, "the handler saw nothing: the capture is broken"
    leaks = [_everything(r) for r in captured.records if canary in _everything(r)]
    # The 404 for /rooms/<canary>/ logs the path a member typed, not a message.
    leaks = [text for text in leaks if f"/rooms/{canary}/" not in text]
    assert leaks == []


def test_json_formatter_drops_unknown_extra_fields():
    record = logging.LogRecord("groups", logging.INFO, __file__, 1, "sent", None, None)
    record.body = "secret body"
    record.room = "anxiety"
    data = json.loads(JSONFormatter().format(record))
    assert data["room"] == "anxiety"
    assert "secret body" not in json.dumps(data)
