"""The room socket: a thin adapter between frames and groups.actions.

Identity comes from the session (scope["user"]), never from a frame. Every
frame re-checks permission inside the action it calls. Domain refusals come
back as `error` frames and the socket stays open unless the user lost access.
The protocol is documented in docs/protocol.md.
"""

import asyncio
import collections
import json
import logging
import operator
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from functools import partial, reduce
from urllib.parse import parse_qs

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Q
from redis.exceptions import RedisError

from community import connect_gate
from community.models import User
from community.prepared import Prepared, PreparedFamily
from community.realtime import SEND_MANY, encode, group_send, presence, session_group, user_group
from community.realtime.hub import FRAME_NEEDS_TASK, HubConsumerMixin
from community.ws_auth import concrete_user, session_store, user_for_session

from . import actions, permissions, queries
from .actions.common import _parse_client_id as parse_client_id
from .actions.common import send_rate_batch
from .errors import ChatError
from .models import Membership, Room, room_group

logger = logging.getLogger(__name__)

UNAVAILABLE: tuple[type[BaseException], ...] = (DatabaseError, ConnectionError, TimeoutError, OSError, RedisError)

RESUME_BATCH = queries.RESUME_BATCH
# A socket writes its member's read marker at most this often (seconds).
READ_EVERY = 3.0
# Further behind than this, a resume answers `resync` and the page reloads the
# room's recent history instead of streaming everything it missed.
RESYNC_MESSAGES = 1000
RESYNC_CHANGES = queries.RESUME_CHANGES
PRESENCE_COALESCE = 0.5
# The presence frame names at most this many members (sorted by name) and
# counts them all: in a 1,000-member room a full list was a 40 KB frame to
# each of 1,000 sockets whenever someone came or went, and no sidebar shows
# a thousand names.
PRESENCE_NAMES = 50
_pending_presence: dict[int, asyncio.Future] = {}


async def _send_presence_later(room_id: int, group: str) -> None:
    try:
        await asyncio.sleep(PRESENCE_COALESCE)
    finally:
        if _pending_presence.get(room_id) is asyncio.current_task():
            del _pending_presence[room_id]
    online = await presence.store().online(room_id)
    frame = {"type": "presence", "online": online[:PRESENCE_NAMES], "count": len(online)}
    # The list travels beside the frame so that a two-person room's sockets
    # can leave out someone on the other side of a block (RoomConsumer.frame).
    await group_send(group, {"type": "frame", "text": encode(frame), "presence": online[:PRESENCE_NAMES]})


HISTORY_MAX = 100
TYPING_INTERVAL = 2.0

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


# Read on every connect (a reconnect storm makes a thousand): compiled once (community.prepared).
MEMBERSHIP_BY_SLUG = Prepared(
    lambda user_id, slug: (
        Membership.objects.select_related("room").filter(user_id=user_id, room__slug=slug).order_by("pk")[:1]
    ),
    args=(int, str),
)


def _load_room(user, slug, details=True):
    """The room, the `posting` frame and blocked authors if the user may read
    it now (without `details`, only the room: they are read again later)."""
    # A member's room and membership in one query; anyone else (a site
    # moderator who never joined) costs a second.
    membership = MEMBERSHIP_BY_SLUG.first(user.pk, slug)
    room = membership.room if membership is not None else Room.objects.filter(slug=slug).first()
    if room is None or not permissions.socket_may_read(user, room, membership):
        return None, None, set()
    if not details:
        return room, None, set()
    return room, actions.posting_frame(user, room, membership), queries.blocked_ids(user)


def _open_room(user, slug, details=True):
    """A new socket's first trip: who it belongs to (read from the session
    here, community.ws_auth) and, if they may chat, `_load_room`. The user is
    None if they may not chat at all."""
    user = concrete_user(user)
    if not permissions.may_chat(user):
        return None, None, None, set()
    return (user, *_load_room(user, slug, details))


# Who a session is and which room a slug names, as this process last found
# them when a socket opened: (session key, slug) -> (user id, room id). A
# resuming socket with a hint subscribes to its groups first and then reads
# everything — user, room, membership and the resume — in one trip to the
# database thread instead of two. A hint is only a guess: the trip checks it
# against what it reads, and a wrong one costs the two trips it saved.
SOCKET_HINTS = 8192
_socket_hints: "collections.OrderedDict[tuple[str, str], tuple[int, int]]" = collections.OrderedDict()


def _hint(session_key, slug) -> tuple[int, int] | None:
    hint = _socket_hints.get((session_key, slug)) if session_key else None
    if hint is not None:
        _socket_hints.move_to_end((session_key, slug))
    return hint


def _remember_hint(session_key, slug, user_id: int, room_id: int) -> None:
    if not session_key:
        return
    key = (session_key, slug)
    if _socket_hints.get(key) != (user_id, room_id):
        _socket_hints[key] = (user_id, room_id)
        if len(_socket_hints) > SOCKET_HINTS:
            _socket_hints.popitem(last=False)


def _forget_hint(session_key, slug) -> None:
    _socket_hints.pop((session_key, slug), None)


def _check_again_and_resume(user, session_key, room_id: int, resume: tuple[int, int] | None):
    """The second trip of a socket that opened without a hint, made once it
    is in the room's, the user's and the session's groups: everything that
    admitted it read again — the session (still signed in, same password),
    the account, the membership — with the `posting` frame, the blocked
    authors and what a resume needs. (refusal close code or None, the rest.)"""
    user = concrete_user(user)
    fresh = user_for_session(session_store(session_key)) if session_key else None
    if fresh is None or fresh.pk != user.pk or not permissions.may_chat(fresh):
        return CLOSE_UNAUTHENTICATED, None
    membership = MEMBER_IN_ROOM.first(fresh.pk, room_id)
    room = membership.room if membership is not None else Room.objects.filter(pk=room_id).first()
    if room is None or not permissions.socket_may_read(fresh, room, membership):
        return CLOSE_FORBIDDEN, None
    read = _resume_read(room, *resume) if resume is not None else None
    return None, (fresh, room, actions.posting_frame(fresh, room, membership), queries.blocked_ids(fresh), read)


def _open_and_resume(user, slug, hint: tuple[int, int], after_seq: int, changes: int):
    """A hinted socket's only trip: `_open_room`, then — if the user and room
    are the ones the socket subscribed for — `_resume_read` (the socket is in
    the room's groups already, so the counters are read after it joined).
    The resume is None if the hint was wrong or the socket is refused."""
    opened = _open_room(user, slug)
    user, room = opened[0], opened[1]
    if user is None or room is None or (user.pk, room.pk) != hint:
        return opened, None
    return opened, _resume_read(room, after_seq, changes)


def _posting(user, room):
    return actions.posting_frame(user, room, permissions.get_membership(user, room))


def _accept_guidelines(user, room_id, seen_version):
    user, room = _fresh_with_access(user, room_id)
    membership = actions.accept_guidelines(member=user, room=room, seen_version=seen_version)
    return actions.posting_frame(user, room, membership)


def _still_allowed(user, room_id) -> bool:

    fresh = User.objects.filter(pk=user.pk).first()
    room = Room.objects.filter(pk=room_id).first()
    if fresh is None or room is None:
        return False
    return permissions.can_read_room(fresh, room, permissions.get_membership(fresh, room))


# Resume frames are read once per room state and shared: when many members
# of a room come back at once (a network blip, a server restart) with the same
# cursor, one query and one JSON encoding serve them all. An entry is keyed by
# the room's counters, so any new message, edit, removal or reaction (each
# moves a counter) makes a new key; what no counter tracks (a member's new
# display name, an erasure) can be up to RESUME_CACHE_SECONDS old, like a
# frame already on its way.
RESUME_CACHE_SECONDS = 2.0
RESUME_CACHE_ENTRIES = 512
_resume_cache: "collections.OrderedDict[tuple, tuple[float, object]]" = collections.OrderedDict()
_resume_cache_lock = threading.Lock()


def _shared(key: tuple, load):
    now = time.monotonic()
    with _resume_cache_lock:
        hit = _resume_cache.get(key)
        if hit is not None and now - hit[0] < RESUME_CACHE_SECONDS:
            return hit[1]
    value = load()
    with _resume_cache_lock:
        _resume_cache[key] = (now, value)
        _resume_cache.move_to_end(key)
        # Oldest first: drop what has expired, and anything past the size cap.
        while _resume_cache and (
            len(_resume_cache) > RESUME_CACHE_ENTRIES
            or now - next(iter(_resume_cache.values()))[0] >= RESUME_CACHE_SECONDS
        ):
            _resume_cache.popitem(last=False)
    return value


def _message_entries(room, rows):
    """(message id, author id, frame text, seq) for each row."""
    return tuple(
        (
            m.pk,
            m.author_id,
            encode({"type": "message", "message": queries.message_dict(m, room_slug=room.slug)}),
            m.seq,
        )
        for m in rows
    )


def _backlog(room, after_id, counters):
    """The next batch after `after_id`: (message id, author id, frame text)
    entries, the last id it covered and how many rows it read. Blocked
    authors' messages are dropped by the socket but still move the cursor."""

    def load():
        rows = queries.messages_after(room, after_id, limit=RESUME_BATCH)
        return _message_entries(room, rows), rows[-1].pk if rows else after_id, len(rows)

    return _shared(("id", room.pk, room.created_at, after_id, *counters), load)


def _counters(room_id):
    """(last_seq, last_change, settings_change) of the room, read on every
    resume: three integers by primary key, without building a queryset
    (which cost ten times the query itself in a reconnect storm)."""
    quote = connection.ops.quote_name
    columns = ", ".join(map(quote, ("last_seq", "last_change", "settings_change")))
    sql = f"SELECT {columns} FROM {quote(Room._meta.db_table)} WHERE {quote('id')} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [room_id])
        row = cursor.fetchone()
    if row is None:
        raise Room.DoesNotExist(f"room {room_id} is gone")
    return tuple(row)


def _backlog_seq(room, after_seq, counters):
    """The next batch after `after_seq` and the last seq it covered."""

    def load():
        rows = queries.messages_after_seq(room, after_seq, limit=RESUME_BATCH)
        return _message_entries(room, rows), rows[-1].seq if rows else after_seq, len(rows)

    return _shared(("seq", room.pk, room.created_at, after_seq, *counters), load)


def _resume_read(room, after_seq: int, changes: int):
    """What a resume by seq reads, in one trip to the database thread: the
    room's counters (read after the socket joined the room's group), then —
    unless the client is too far behind (`first` None: resync) — the first
    batch of messages after its seq, the changes to the messages it holds,
    and the room's state if its settings changed since."""
    counters = _counters(room.pk)
    last_seq, last_change, settings_change = counters
    if last_seq - after_seq > RESYNC_MESSAGES or last_change - changes > RESYNC_CHANGES:
        return counters, None, (), None
    first = _backlog_seq(room, after_seq, counters)
    changed = _changes(room, changes, after_seq, counters)
    state = _room_state(room.pk) if settings_change > changes else None
    return counters, first, changed, state


def _changes(room, since, up_to_seq, counters):
    """(author id, frame text) for what changed after `since` among the
    messages a client holds."""

    def load():
        frames = []
        for m in queries.changed_since(room, since, up_to_seq=up_to_seq, limit=RESYNC_CHANGES):
            if m.deleted_at is not None or m.status != m.Status.VISIBLE:
                frame = {"type": "message.deleted", "id": m.pk, "room": room.slug, "change": m.changed}
            else:
                frame = {"type": "message.updated", "message": queries.message_dict(m, room_slug=room.slug)}
            frames.append((m.author_id, encode(frame)))
        return tuple(frames)

    return _shared(("changes", room.pk, room.created_at, since, up_to_seq, *counters), load)


def _room_state(room_id):
    return queries.room_state(Room.objects.select_related("pinned_message__author").get(pk=room_id))


def _history(room, before, limit, hidden=frozenset()):
    rows, has_more = queries.messages_before(room, before, limit=limit, hidden_authors=hidden)
    return [queries.message_dict(m, room_slug=room.slug) for m in rows], has_more


def _fresh_with_access(user, room_id):
    """The user and room as they are now, refused unless the user may still read it."""
    user, room = _fresh_or_refuse(user, room_id)
    if not permissions.can_read_room(user, room, permissions.get_membership(user, room)):
        raise ChatError("forbidden", "You are not a member of this room.")
    return user, room


def _fresh_or_refuse(user, room_id):
    """The user and room as they are now: a lock, slow mode, suspension or
    role change made a moment ago applies to this very frame."""

    user, room = User.objects.filter(pk=user.pk).first(), Room.objects.filter(pk=room_id).first()
    if user is None or not permissions.may_chat(user):
        raise ChatError("forbidden", "Your account cannot use chat right now.")
    if room is None:
        raise ChatError("forbidden", "This room no longer exists.")
    return user, room


# Read on every send: its SQL is compiled once (community.prepared).
MEMBER_IN_ROOM = Prepared(
    lambda user_id, room_id: (
        Membership.objects.select_related("user", "room").filter(user_id=user_id, room_id=room_id).order_by("pk")[:1]
    )
)


def _fresh_for_send(user, room_id):
    """_fresh_or_refuse plus the membership, in one query for a member (the
    membership with its user and room); a site moderator who is no member
    costs the two reads of _fresh_or_refuse and one for the membership."""
    membership = MEMBER_IN_ROOM.first(user.pk, room_id)
    if membership is None:
        user, room = _fresh_or_refuse(user, room_id)
        return user, room, None
    user, room = membership.user, membership.room
    if not permissions.may_chat(user):
        raise ChatError("forbidden", "Your account cannot use chat right now.")
    return user, room, membership


# The same for every (user, room) pair of a batch of sends, in one query.
MEMBERS_IN_ROOMS = PreparedFamily(
    lambda *pairs: (
        Membership.objects.select_related("user", "room")
        .filter(reduce(operator.or_, (Q(user_id=pairs[i], room_id=pairs[i + 1]) for i in range(0, len(pairs), 2))))
        .order_by("pk")
    ),
    per_item=2,
    chunk=16,
)


def _fresh_for_send_many(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Membership]:
    """The membership (with its user and room) of each (user id, room id)
    pair that has one, in one query; pairs without one are left out (their
    sends take _fresh_for_send's other path). If the read fails, nothing is
    returned and every send reads its own."""
    found = {}
    try:
        for membership in MEMBERS_IN_ROOMS.all(sorted(set(pairs))):
            found.setdefault((membership.user_id, membership.room_id), membership)
    except Exception as exc:
        logger.warning("reading a batch of senders failed; each send reads its own", exc_info=True)
        if isinstance(exc, DatabaseError):
            close_old_connections()
        return {}
    return found


def _reaches_send_limit(user, room, membership) -> bool:
    """Whether prepare_post will count this send against its author's send
    limit: a send it refuses first (banned, muted, locked, guidelines not
    accepted...) is left out of the batch's count, so a muted member's
    burst never counts against their sends elsewhere. A two-person room's
    refusals read the database: such a send is counted, and given back at
    the batch's settle if it was refused."""
    if room.kind == Room.Kind.DIRECT:
        return True
    try:
        return permissions.post_denial(user, room, membership) is None
    except Exception:
        return True  # prepare_post meets the same error and refuses it; settle gives the count back


def _fresh_from(found: dict, user, room_id):
    """_fresh_for_send, from a membership _fresh_for_send_many read."""
    membership = found.get((user.pk, room_id))
    if membership is None:
        return _fresh_for_send(user, room_id)
    if not permissions.may_chat(membership.user):
        raise ChatError("forbidden", "Your account cannot use chat right now.")
    return membership.user, membership.room, membership


def _send(user, room_id, frame):
    """message.send in one trip to the database thread: re-read the user,
    room and membership, store, and for a re-send read back the stored copy."""
    user, room, membership = _fresh_for_send(user, room_id)
    result = actions.post_message(author=user, room=room, membership=membership, **_post_fields(frame))
    stored = None if result.created else queries.message_dict(result.message)
    return user, room, result, stored


def _post_fields(frame: dict) -> dict:
    """What a `message.send` frame gives actions.post_message / prepare_post."""
    return {
        "body": frame.get("body"),
        "client_id": frame.get("client_id"),
        "reply_to_id": frame.get("reply_to"),
        "content_note": frame.get("content_note") or "",
    }


class ReadMarkers:
    """The read markers of every socket of the process (of one event loop),
    written together: while one batch is being written, the markers that
    arrive wait and go in the next one, in one trip to the database thread
    and one transaction (actions.mark_read_many). A thousand readers of a busy
    room then cost a few commits a second instead of a trip and a commit
    each, queued ahead of everyone's messages on the one database thread.
    `write` returns what mark_read_many says of that marker, or raises what
    the batch's write raised."""

    def __init__(self):
        # (user id, room id) -> [highest marker, futures waiting for it]
        self.pending: dict[tuple[int, int], list] = {}
        self.flushing = False
        self.task: asyncio.Task | None = None

    async def write(self, user_id: int, room_id: int, message_id: int) -> bool:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        entry = self.pending.get((user_id, room_id))
        if entry is None:
            self.pending[(user_id, room_id)] = [message_id, [done]]
        else:
            entry[0] = max(entry[0], message_id)
            entry[1].append(done)
        if not self.flushing:
            self.flushing = True
            self.task = loop.create_task(self._flush())  # held: a task nobody references can be collected
        return await done

    async def _flush(self):
        try:
            while self.pending:
                batch, self.pending = self.pending, {}
                markers = [(user_id, room_id, entry[0]) for (user_id, room_id), entry in batch.items()]
                try:
                    moved = await database_sync_to_async(actions.mark_read_many)(markers)
                except Exception as exc:  # each waiting socket hears it, and keeps its marker to retry
                    for _mark, waiting in batch.values():
                        for done in waiting:
                            if not done.done():
                                done.set_exception(exc)
                    continue
                for (_mark, waiting), ok in zip(batch.values(), moved, strict=True):
                    for done in waiting:
                        if not done.done():
                            done.set_result(ok)
        finally:
            self.flushing = False


_read_markers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ReadMarkers]" = weakref.WeakKeyDictionary()


def read_markers() -> ReadMarkers:
    loop = asyncio.get_running_loop()
    markers = _read_markers.get(loop)
    if markers is None:
        markers = _read_markers[loop] = ReadMarkers()
    return markers


_send_executors: list[ThreadPoolExecutor] = []
_send_executors_lock = threading.Lock()


def send_runner(room_id: int, func=None):
    """`func` (default `_send`) as a coroutine function, on the thread that
    stores this room's messages. With settings.SEND_THREADS = 1 that is the
    one thread of every database call of the sockets (Channels'
    database_sync_to_async); with more, room `room_id` always uses thread
    `room_id % SEND_THREADS`, so a room's messages are stored and broadcast
    one after another, in the order they arrived, while other rooms' go
    ahead on the other threads."""
    func = func or _send
    count = settings.SEND_THREADS
    if count <= 1:
        return database_sync_to_async(func)
    with _send_executors_lock:
        if len(_send_executors) != count:
            for old in _send_executors:
                old.shutdown(wait=False)
            _send_executors[:] = [
                ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"send-{i}") for i in range(count)
            ]
        executor = _send_executors[room_id % count]
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=executor)


class SendQueue:
    """The sends waiting for one lane (the thread that stores a set of
    rooms' messages): while one batch is being stored, the sends that arrive
    wait and go in the next, up to settings.SEND_BATCH_MAX, in one trip to
    that thread (`_send_many`). Each message is checked on its own and gets
    its own outcome, in arrival order; the batch saves the trip (thread
    hand-over, connection checks) per message, and its plain messages share
    one transaction and one commit (actions.store_posts)."""

    def __init__(self, run_many):
        self.run_many = run_many
        self.pending: list[tuple] = []
        self.task: asyncio.Task | None = None

    async def store(self, user, room_id: int, frame: dict):
        done = asyncio.get_running_loop().create_future()
        self.pending.append((user, room_id, frame, done))
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._drain())
        return await done

    async def _drain(self):
        try:
            while self.pending:
                size = max(1, settings.SEND_BATCH_MAX)
                batch, self.pending = self.pending[:size], self.pending[size:]
                try:
                    outcomes = await self.run_many([item[:3] for item in batch])
                except Exception as exc:  # the trip itself failed: every send of it hears so
                    outcomes = [(False, exc)] * len(batch)
                for item, (ok, value) in zip(batch, outcomes, strict=True):
                    done = item[3]
                    if done.done():
                        continue
                    if ok:
                        done.set_result(value)
                    else:
                        done.set_exception(value)
        finally:
            self.task = None


def _send_many(items: list[tuple]) -> list[tuple[bool, object]]:
    """`_send` for each (user, room id, frame); (True, result) or (False, the
    exception) for each, in order. Each is checked on its own (re-read of the
    user, room and membership; rate limits; word lists), then the accepted
    ones are stored together (actions.store_posts: a run of plain messages
    in one transaction). After a database error the connection is checked
    (and dropped if it broke) before going on, as a new trip would.

    Every sender's membership, user and room are read together at the start
    of the batch (one query), and the send limit is counted for the batch
    in one round trip (ratelimit.Batch). A suspension that commits while
    the batch is being checked (a few milliseconds) is seen by the next
    batch; a mute, ban, lock or leave is still read again under the room's
    lock before a message becomes visible (actions.store_posts)."""
    if len(items) == 1:
        return [_send_one(*items[0])]
    outcomes: list[tuple[bool, object] | None] = [None] * len(items)
    waiting = []  # (index, user, room, PendingPost)
    refused = []  # (index, user, room, client_id): a re-send of one waiting here?
    found = _fresh_for_send_many([(user.pk, room_id) for user, room_id, _frame in items])
    fresh: list = []
    for user, room_id, _frame in items:
        try:
            fresh.append(_fresh_from(found, user, room_id))
        except Exception as exc:
            fresh.append(exc)
    # The send limit of the sends that will reach it, counted together.
    counted = [i for i, f in enumerate(fresh) if not isinstance(f, Exception) and _reaches_send_limit(*f)]
    rates = send_rate_batch([fresh[i][0] for i in counted])
    turns = {i: turn for turn, i in enumerate(counted)}
    for i, (user, _room_id, frame) in enumerate(items):
        room = None
        try:
            if isinstance(fresh[i], Exception):
                raise fresh[i]
            user, room, membership = fresh[i]
            turn = turns.get(i)
            pending = actions.prepare_post(
                author=user,
                room=room,
                membership=membership,
                send_hit=None if turn is None else partial(rates.hit, turn),
                **_post_fields(frame),
            )
            if isinstance(pending, actions.PostResult):  # a refused re-send: its stored copy
                outcomes[i] = (True, (user, room, pending, queries.message_dict(pending.message)))
            else:
                waiting.append((i, user, room, pending))
        except Exception as exc:
            outcomes[i] = (False, exc)
            if isinstance(exc, ChatError) and room is not None:
                refused.append((i, user, room, frame.get("client_id")))
            if isinstance(exc, DatabaseError):
                close_old_connections()
    rates.settle()
    stored = actions.store_posts([pending for *_, pending in waiting])
    by_client_id = {}
    for (i, user, room, pending), (ok, value) in zip(waiting, stored, strict=True):
        if not ok:
            outcomes[i] = (False, value)
            continue
        by_client_id[(user.pk, room.pk, str(pending.client_uuid))] = value.message
        try:
            outcomes[i] = (True, (user, room, value, None if value.created else queries.message_dict(value.message)))
        except Exception as exc:
            outcomes[i] = (False, exc)
    # A send refused by its checks whose client_id an earlier send of this
    # batch has just stored (a client re-sending its outbox on a new socket):
    # the stored copy is the answer, as prepare_post gives it when the copy
    # was stored before the batch.
    for i, user, room, client_id in refused:
        message = by_client_id.get((user.pk, room.pk, _client_key(client_id)))
        if message is not None:
            try:
                copy = actions.PostResult(message, created=False)
                outcomes[i] = (True, (user, room, copy, queries.message_dict(message)))
            except Exception as exc:
                outcomes[i] = (False, exc)
    if any(not ok and isinstance(value, DatabaseError) for ok, value in outcomes):
        close_old_connections()
    return outcomes


def _client_key(client_id) -> str | None:
    try:
        return str(parse_client_id(client_id))
    except ChatError:
        return None


def _send_one(user, room_id, frame) -> tuple[bool, object]:
    try:
        return True, _send(user, room_id, frame)
    except Exception as exc:
        if isinstance(exc, DatabaseError):
            close_old_connections()
        return False, exc


# One queue per event loop and lane (room id % SEND_THREADS).
_send_queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, SendQueue]]" = weakref.WeakKeyDictionary()


async def store_send(user, room_id: int, frame: dict):
    """`_send(user, room_id, frame)` through its room's lane and queue."""
    lane = room_id % max(1, settings.SEND_THREADS)
    queues = _send_queues.setdefault(asyncio.get_running_loop(), {})
    queue = queues.get(lane)
    if queue is None:
        queue = queues[lane] = SendQueue(lambda items, room_id=room_id: send_runner(room_id, _send_many)(items))
    return await queue.store(user, room_id, frame)


class RoomConsumer(HubConsumerMixin, AsyncWebsocketConsumer):
    """Events reach the socket through the process's hub (community.realtime.hub):
    one channel-layer subscription per room per process, not per socket."""

    room: Room | None = None

    async def websocket_connect(self, message):
        """The connect gate's slot (community.connect_gate) is held through the
        whole connect, resume backlog included, and given back after it."""
        slot = connect_gate.current_slot.get()
        if slot is not None:
            slot.hold_past_accept = True
        try:
            await super().websocket_connect(message)
        finally:
            if slot is not None:
                slot.release()

    async def connect(self):
        """Open the socket: check who it is and that they may read the room,
        join the room's, the user's and the session's groups, and send what a
        resuming client missed — in two trips to the database thread, or one
        when this process has seen the session in this room before
        (SOCKET_HINTS). Whatever the path, the groups are joined before the
        check that lets the socket in is read: a ban or a suspension that
        commits meanwhile is either seen by that read or reaches the socket
        as `force_disconnect`."""
        self.room = None
        slug = self.scope["url_route"]["kwargs"]["slug"]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        self.session_group = session_group(session_key)
        after_seq = self._query_int("after_seq")
        resume = (after_seq, self._query_int("changes") or 0) if after_seq is not None else None
        hint = _hint(session_key, slug) if resume is not None else None
        read = None
        if hint is not None:
            opened, read = await self._join_then_read(self._groups(*hint), _open_and_resume, slug, hint, *resume)
            if read is None:  # refused, or the hint was wrong: drop what the guessed groups sent
                self.hub_leave()
                self.drop_held_events()
        else:
            # Who it is and whether they may read the room; the rest (posting,
            # blocks, the resume) is read once the socket has joined.
            opened = await database_sync_to_async(_open_room)(self.scope.get("user"), slug, False)
        user, room, posting, blocked = opened
        if user is None or room is None:
            _forget_hint(session_key, slug)
            await self.close(code=CLOSE_UNAUTHENTICATED if user is None else CLOSE_FORBIDDEN)
            return
        if read is None:
            refusal, again = await self._join_then_read(
                self._groups(user.pk, room.pk), _check_again_and_resume, session_key, room.pk, resume
            )
            if refusal is not None:
                self.hub_leave()
                _forget_hint(session_key, slug)
                await self.close(code=refusal)
                return
            user, room, posting, blocked, read = again
        _remember_hint(session_key, slug, user.pk, room.pk)
        self.room = room
        self.user = user
        self.posting = posting
        self.public_user = user.public_dict()
        self.blocked = blocked
        # id -> seq of each message sent from a resume backlog whose live copy
        # may still come (dropped when it does: the same id at the same seq).
        self.backlog_ids: dict[int, int | None] = {}
        self.read_mark = 0  # the highest marker this socket was sent
        self._read_written = 0  # ... and the highest it wrote
        self._read_written_at = -READ_EVERY
        self._read_later: asyncio.Task | None = None
        self.last_typing = 0.0
        # The groups were joined before the backlog was read: a message stored
        # while it was read is then either in the backlog or arrives live —
        # and the live copy of one already sent is dropped by id. Live events
        # are held until the backlog is out, so they follow it in order.
        try:
            await self.accept()
            if resume is not None:
                await self._send_resume(resume[0], *read)
            elif (after := self._query_int("after")) is not None:
                # Protocol 1 (by message id): new messages only, no changes replayed.
                last = await self._send_backlog(after)
                await self.send(text_data=encode({"type": "resumed", "last_id": last}))
            await self.release_events()
            await presence.store().touch(room.pk, self.public_user, self.channel_name)
        except BaseException:
            self.hub_leave()
            raise
        await self._broadcast_presence()

    def _groups(self, user_id: int, room_id: int) -> tuple:
        return (room_group(room_id), user_group(user_id), self.session_group)

    async def _join_then_read(self, groups, read, *args):
        """Join `groups` with live events held, then run `read(user, *args)`
        in the database thread. Events stay held; on any failure the socket
        leaves the groups again."""
        self.hold_events()
        try:
            await self.hub_join(groups)
            return await database_sync_to_async(read)(self.scope.get("user"), *args)
        except BaseException:
            self.hub_leave()
            raise

    async def _resume_seq(self, after_seq: int, changes: int):
        """Everything a client that saw messages up to `after_seq` and changes up
        to `changes` is missing: first every message after it (removed ones as
        placeholders, so its sequence has no holes), then every edit, removal,
        reaction and room setting since, then `resumed` with the counters it
        now holds. Too far behind, `resync`: the page reloads recent history."""
        read = await database_sync_to_async(_resume_read)(self.room, after_seq, changes)
        await self._send_resume(after_seq, *read)

    async def _send_resume(self, after_seq: int, counters, first, changed, state):
        """Send what `_resume_read` read."""
        last_seq, last_change, settings_change = counters
        if first is None:
            await self.send(text_data=encode({"type": "resync", "last_seq": last_seq, "last_change": last_change}))
            return
        cursor = await self._send_backlog(after_seq, _backlog_seq, counters, first=first)
        await self._send_texts(tuple(text for author_id, text in changed if author_id not in self.blocked))
        if state is not None:
            await self.send(text_data=encode({"type": "room.updated", "room": state, "change": settings_change}))
        # `posting` says whether this member may post now (mute, lock,
        # guidelines): a page that reconnects after a change it missed
        # corrects its composer.
        resumed = {"type": "resumed", "last_seq": max(cursor, last_seq), "last_change": last_change}
        await self.send(text_data=encode({**resumed, "posting": self.posting}))

    async def _send_texts(self, texts: tuple) -> None:
        """Each text as its own frame, in order; in one write where the
        server offers it (community.realtime.frames.SEND_MANY)."""
        if len(texts) > 1 and SEND_MANY in self.scope.get("extensions", ()):
            await self.base_send({"type": SEND_MANY, "texts": texts})
        else:
            for text in texts:
                await self.send(text_data=text)

    def _query_int(self, name):
        """A whole number a database id can be, from the query string; else None."""
        values = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get(name)
        if not values:
            return None
        try:
            value = int(values[0])
        except ValueError:
            return None
        return value if actions.is_message_id(value) else None

    async def _send_backlog(self, after: int, fetch=None, counters=None, first=None):
        """Send every message after the cursor, batch by batch; returns where
        it ended (`fetch`: by id for protocol 1, by seq for protocol 2;
        `first`: the first batch, already read)."""
        fetch = fetch or _backlog
        if counters is None:
            counters = await database_sync_to_async(_counters)(self.room.pk)
        while True:
            if first is not None:
                (batch, after, count), first = first, None
            else:
                batch, after, count = await database_sync_to_async(fetch)(self.room, after, counters)
            blocked = self.blocked
            if blocked and any(entry[1] in blocked for entry in batch):
                batch = tuple(entry for entry in batch if entry[1] not in blocked)
            self.backlog_ids.update((entry[0], entry[3]) for entry in batch)
            await self._send_texts(tuple(entry[2] for entry in batch))
            if count < RESUME_BATCH:
                return after

    async def disconnect(self, code):
        self.hub_leave()
        if self.room is None:
            return
        try:
            await presence.store().remove(self.room.pk, self.channel_name)
            await self._broadcast_presence()
        finally:
            await self._flush_read()

    async def _broadcast_presence(self):
        """Send the room's online list, at most once per PRESENCE_COALESCE
        seconds per room in this process: a room filling up with N members
        would otherwise cost N broadcasts of up to N names each."""
        room_id = self.room.pk
        pending = _pending_presence.get(room_id)
        if pending is not None and not pending.done() and pending.get_loop() is asyncio.get_running_loop():
            return
        _pending_presence[room_id] = asyncio.get_running_loop().create_task(
            _send_presence_later(room_id, self.room.group_name)
        )

    async def dispatch(self, message):
        """Channels' dispatch, without its per-message trip to the database
        thread to close stale connections: every database call here goes
        through database_sync_to_async, which does that on its own trip."""
        handler = self.ASGI_HANDLERS.get(message["type"])
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(self, message)

    # --- frames from the client ------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.room is None:
            return
        if text_data is None:
            await self._error("invalid", "Frames are JSON text.")
            return
        if len(text_data.encode("utf-8")) > settings.FRAME_MAX_BYTES:
            await self._error("too_long", f"Frames can be up to {settings.FRAME_MAX_BYTES // 1024} KiB.")
            return
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._error("invalid", "That frame is not valid JSON.")
            return
        if not isinstance(frame, dict):
            await self._error("invalid", "A frame is a JSON object with a type.")
            return
        try:
            # JSON may escape lone surrogates ("\ud800") that no UTF-8 text can hold.
            json.dumps(frame, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            await self._error("invalid", "That frame contains text that is not valid Unicode.")
            return
        client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        handler = self.HANDLERS.get(frame.get("type")) if isinstance(frame.get("type"), str) else None
        if handler is None:
            await self._error("invalid", "Unknown frame type.", client_id=client_id)
            return
        try:
            await handler(self, frame)
        except ChatError as exc:
            await self._error(exc.code, exc.detail, client_id=client_id, **exc.extra)
            if exc.code in ("forbidden", "banned") and not await database_sync_to_async(_still_allowed)(
                self.user, self.room.pk
            ):
                await self.close(code=CLOSE_FORBIDDEN)
        except PermissionDenied:
            await self._error("forbidden", "You may not do that here.", client_id=client_id)
        except ValidationError as exc:
            await self._error("invalid", " ".join(exc.messages), client_id=client_id)
        except UNAVAILABLE as exc:
            # The database or Redis is unreachable. Nothing was acknowledged:
            # the client keeps the message and re-sends the same client_id.
            logger.warning("frame failed: service unavailable (%s)", type(exc).__name__)
            await self._error(
                "unavailable", "The server can't save that right now. It will be retried.", client_id=client_id
            )

    async def _error(self, code, detail, client_id=None, **extra):
        await self.send(
            text_data=encode({"type": "error", "code": code, "detail": detail, "client_id": client_id, **extra})
        )

    async def _refresh(self):
        """Re-read the user for this frame: suspension, role and cohort changes
        take effect on the very next frame."""
        self.user, self.room = await database_sync_to_async(_fresh_or_refuse)(self.user, self.room.pk)
        return self.user

    async def on_send(self, frame):
        self.user, self.room, result, stored = await store_send(self.user, self.room.pk, frame)
        if stored is not None:
            # A re-send: only this socket hears about it, with the stored copy.
            await self.send(text_data=encode({"type": "message", "message": stored}))
        for private in result.private_frames:
            await self.send(text_data=encode(private))

    async def on_edit(self, frame):
        user = await self._refresh()
        result = await database_sync_to_async(actions.edit_message)(
            author=user, room=self.room, message_id=frame.get("id"), body=frame.get("body")
        )
        for private in result.private_frames:
            await self.send(text_data=encode(private))

    async def on_delete(self, frame):
        user = await self._refresh()
        await database_sync_to_async(actions.delete_message)(
            actor=user, room=self.room, message_id=frame.get("id"), reason=frame.get("reason") or ""
        )

    async def on_reaction(self, frame):
        user = await self._refresh()
        await database_sync_to_async(actions.toggle_reaction)(
            member=user, room=self.room, message_id=frame.get("id"), emoji=frame.get("emoji")
        )

    async def _require_access(self):
        """The frames that change nothing still re-check access, in one trip to
        the database thread (user, room, membership): a member who lost the
        room is refused and the socket closes."""
        self.user, self.room = await database_sync_to_async(_fresh_with_access)(self.user, self.room.pk)
        return self.user

    async def on_read(self, frame):
        """Move the member's read marker. One query, and at most one every
        READ_EVERY seconds per socket: a marker that arrives sooner is kept and
        written when the interval is up (or when the socket closes), so a busy
        room's readers cost the database a write every few seconds each, not
        one per message. The marker moves only on an active membership
        (itself the access check); a marker that cannot move re-checks access
        in full, which refuses and closes a socket whose member left the
        room. A marker at or below the last one this socket sent costs nothing."""
        message_id = frame.get("id")
        if not actions.is_message_id(message_id):
            raise ChatError("invalid", "id must be a message id.")
        if message_id <= self._read_written or (self._read_later is not None and message_id <= self.read_mark):
            return  # written already, or the pending write carries it
        self.read_mark = max(self.read_mark, message_id)
        if self._read_later is not None:
            return  # the pending write will carry this marker
        wait = self._read_written_at + READ_EVERY - time.monotonic()
        if wait <= 0:
            await self._write_read()
        else:
            self._read_later = asyncio.get_running_loop().create_task(self._write_read_later(wait))

    async def _write_read(self):
        self._read_written_at = time.monotonic()
        mark = self.read_mark
        try:
            moved = await read_markers().write(self.user.pk, self.room.pk, mark)
        except BaseException:
            # Not written: a retry of the same marker, or the close, writes it
            # (read_mark stays ahead of _read_written).
            raise
        self._read_written = max(self._read_written, mark)
        if not moved:
            await self._require_access()

    async def _write_read_later(self, wait: float):
        try:
            await asyncio.sleep(wait)
            self._read_later = None
            await self._write_read()
        except ChatError as exc:
            await self._error(exc.code, exc.detail)
            await self.close(code=CLOSE_FORBIDDEN)
        except UNAVAILABLE as exc:
            logger.warning("read marker not saved: service unavailable (%s)", type(exc).__name__)
        finally:
            if self._read_later is asyncio.current_task():
                self._read_later = None

    async def _flush_read(self):
        """At close: a marker not yet written (waiting for its interval, or
        whose write failed) is written now."""
        pending = self._read_later
        if pending is not None:
            pending.cancel()
            self._read_later = None
        if self.read_mark <= self._read_written:
            return
        try:
            await read_markers().write(self.user.pk, self.room.pk, self.read_mark)
        except UNAVAILABLE as exc:
            logger.warning("read marker not saved at close (%s)", type(exc).__name__)

    async def on_history(self, frame):
        await self._require_access()
        before, limit = frame.get("before"), frame.get("limit", 50)
        if before is not None and not actions.is_message_id(before):
            raise ChatError("invalid", "before must be a message id.")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= HISTORY_MAX:
            raise ChatError("invalid", f"limit must be between 1 and {HISTORY_MAX}.")
        messages, has_more = await database_sync_to_async(_history)(self.room, before, limit, self.blocked)
        await self.send(text_data=encode({"type": "history", "messages": messages, "has_more": has_more}))

    async def on_typing(self, frame):
        now = time.monotonic()
        if now - self.last_typing < TYPING_INTERVAL:
            return  # typing is best-effort; extra frames are dropped silently
        self.last_typing = now
        await self._require_access()
        await group_send(
            self.room.group_name,
            {
                "type": "frame",
                "text": encode({"type": "typing", "user": self.public_user}),
                "exclude": self.channel_name,
                "author_id": self.user.pk,
                "typing": True,
            },
        )

    async def on_report(self, frame):
        user = await self._refresh()
        note = frame.get("note") or ""
        if not isinstance(note, str) or len(note) > 1000:
            raise ChatError("invalid", "A note is text of up to 1,000 characters.")
        report = await database_sync_to_async(actions.report_message)(
            reporter=user, room=self.room, message_id=frame.get("id"), reason=frame.get("reason"), note=note
        )
        await self.send(text_data=encode({"type": "report.received", "id": frame.get("id"), "report": report.pk}))

    async def on_moderator_request(self, frame):
        user = await self._refresh()
        alert = await database_sync_to_async(actions.request_moderator)(member=user, room=self.room)
        await self.send(text_data=encode({"type": "moderator.requested", "text": actions.requested_text(alert.paged)}))

    async def on_resume(self, frame):
        """Fill a gap without reconnecting: the same as resuming the socket."""
        user = await self._require_access()
        after_seq, changes = frame.get("after_seq"), frame.get("changes", 0)
        if not actions.is_message_id(after_seq) or not actions.is_message_id(changes):
            raise ChatError("invalid", "after_seq and changes are whole numbers.")
        self.posting = await database_sync_to_async(_posting)(user, self.room)
        # Live events wait until `resumed`, as on connect: an edit stored while
        # the backlog is read would otherwise reach the page before the
        # backlog's older copy of the same message, which would then undo it.
        self.hold_events()
        try:
            await self._resume_seq(after_seq, changes)
        finally:
            await self.release_events()

    async def on_posting(self, frame):
        """Whether this member may post now (the page asks after a room change)."""
        user = await self._require_access()
        self.posting = await database_sync_to_async(_posting)(user, self.room)
        await self.send(text_data=encode(self.posting))

    async def on_pin(self, frame):
        """Pin a message to the top of the room, or unpin with `"id": null` (moderators)."""
        user = await self._refresh()
        message_id = frame.get("id")
        if message_id is not None and not actions.is_message_id(message_id):
            raise ChatError("invalid", "id must be a message id or null.")
        await database_sync_to_async(actions.pin_message)(moderator=user, room=self.room, message_id=message_id)

    async def on_accept_guidelines(self, frame):
        """Accept the guidelines the page showed (`version`, from the posting
        frame): if they changed meanwhile, the answer carries the new text."""
        version = frame.get("version")
        if version is not None and not actions.is_message_id(version):
            raise ChatError("invalid", "version must be a whole number.")
        posting = await database_sync_to_async(_accept_guidelines)(self.user, self.room.pk, version)
        await self.send(text_data=encode(posting))

    async def on_ping(self, frame):
        await self._require_access()
        await presence.store().touch(self.room.pk, self.public_user, self.channel_name)
        # The room's counters ride on the pong: a message stored by a process
        # that died before broadcasting it shows up as a gap here, within one
        # ping, even if nothing else is ever posted in the room.
        # (read with the room by _require_access: no extra query).
        pong = {"type": "pong", "last_seq": self.room.last_seq, "last_change": self.room.last_change}
        await self.send(text_data=encode(pong))

    HANDLERS = {
        "message.send": on_send,
        "message.edit": on_edit,
        "message.delete": on_delete,
        "reaction.toggle": on_reaction,
        "read": on_read,
        "history": on_history,
        "typing": on_typing,
        "message.report": on_report,
        "moderator.request": on_moderator_request,
        "ping": on_ping,
        "resume": on_resume,
        "guidelines.accept": on_accept_guidelines,
        "posting": on_posting,
        "room.pin": on_pin,
    }

    # --- events from the channel layer ------------------------------------------

    HUB_HANDLERS = {**HubConsumerMixin.HUB_HANDLERS, "blocks_changed": "blocks_changed"}

    def hub_frame_text(self, event):
        """What this socket sends for a frame event: its text, None (nothing),
        or FRAME_NEEDS_TASK (the `frame` handler must read the database).
        Plain code: the hub calls it for an idle socket (HubConsumerMixin)."""
        if event.get("exclude") == self.channel_name or event.get("author_id") in self.blocked:
            return None
        only_room = event.get("only_room")
        if only_room is not None and only_room != self.room.slug:
            return None
        if self.room.kind == Room.Kind.DIRECT and ("presence" in event or event.get("typing")):
            return FRAME_NEEDS_TASK
        return self._unless_sent(event)

    def _unless_sent(self, event):
        message_id = event.get("message_id")
        # Already sent from the resume backlog? An exact set, not a "max id
        # sent" mark: on PostgreSQL messages can commit out of id order, and a
        # lower id arriving live after the backlog must still go out. Only the
        # same version is dropped: a held message released later keeps its id
        # but takes a new seq, and must go out.
        if (
            message_id is not None
            and self.backlog_ids
            and message_id in self.backlog_ids
            and self.backlog_ids.pop(message_id) == event.get("message_seq")
        ):
            return None
        return event["text"]

    async def frame(self, event):
        text = self.hub_frame_text(event)
        if text is FRAME_NEEDS_TASK:
            # In a two-person room, presence and typing say exactly when the
            # other is there: never across a block, in either direction (the
            # blocked member never learns when the blocker is online). Read
            # fresh: a block made after this socket opened counts at once.
            hidden = await database_sync_to_async(queries.blocked_either_way)(self.user)
            if event.get("typing") and event.get("author_id") in hidden:
                return
            if "presence" in event and hidden:
                online = [u for u in event["presence"] if u.get("id") not in hidden]
                text = encode({"type": "presence", "online": online, "count": len(online)})
                await self.base_send({"type": "websocket.send", "text": text})
                return
            text = self._unless_sent(event)
        if text is not None:
            await self.base_send({"type": "websocket.send", "text": text})

    async def blocks_changed(self, event):
        """The member blocked or unblocked someone: filter from now on, and
        the page hides (or stops hiding) their messages."""
        user_id = event["user_id"]
        if event["blocked"]:
            self.blocked = self.blocked | {user_id}
        else:
            self.blocked = self.blocked - {user_id}
        frame = {"type": "block.updated", "user_id": user_id, "blocked": event["blocked"]}
        await self.base_send({"type": "websocket.send", "text": encode(frame)})

    async def force_disconnect(self, event):
        room = event.get("room")
        if room is None or (self.room is not None and room == self.room.slug):
            await self.close(code=event.get("code", CLOSE_FORBIDDEN))

    ASGI_HANDLERS = {
        "websocket.connect": websocket_connect,
        "websocket.receive": AsyncWebsocketConsumer.websocket_receive,
        "websocket.disconnect": AsyncWebsocketConsumer.websocket_disconnect,
    }
