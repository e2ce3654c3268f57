"""The one way events reach sockets: after the transaction that made them commits.

Actions serialise an event once and hand it here; consumers only forward it.
Broadcasting before commit could announce a message that a rollback then
erases, or one a reconnecting client cannot find yet.
"""

import hashlib
import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    """Every socket of one user: used to close them (ban, logout, suspension)."""
    return f"user.{user_id}"


def session_group(session_key: str | None) -> str | None:
    """Every socket opened with one browser session: closed at its logout.
    Hashed so the session key itself never travels through Redis."""
    if not session_key:
        return None
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def notification_group(user_id: int) -> str:
    return f"notify.{user_id}"


def encode(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def send_now(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


def broadcast_on_commit(group: str, event: dict) -> None:
    """Send `event` to `group` once the current transaction commits (at once if none)."""
    transaction.on_commit(lambda: send_now(group, event))


def frame_event(frame: dict) -> dict:
    """A channel-layer event that carries an already-encoded client frame."""
    return {"type": "frame", "text": encode(frame)}


def force_disconnect_on_commit(user_id: int, *, code: int = 4403, room: str | None = None) -> None:
    """Close the user's open sockets (all of them, or those of one room)."""
    broadcast_on_commit(user_group(user_id), {"type": "force_disconnect", "code": code, "room": room})


def close_session_sockets(session_key: str | None) -> None:
    group = session_group(session_key)
    if group is not None:
        send_now(group, {"type": "force_disconnect", "code": 4401, "room": None})
