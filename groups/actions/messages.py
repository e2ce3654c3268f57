"""Sending, editing, deleting and reacting to messages, and read markers.

Each action re-checks permission, validates, writes, and only then
broadcasts (after commit), so a frame never announces something a client
could not read back."""

import logging
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from community.actions import notify, record_audit
from community.models import Notification, User
from community.prepared import Prepared, PreparedFamily, PreparedInsert
from community.queries import crisis_resources
from community.realtime import broadcast_on_commit, frame_event

from .. import detector, markup, permissions
from ..detection import CONCERN, CRISIS
from ..errors import DENIAL_DETAIL, ChatError
from ..models import (
    REACTIONS,
    CrisisAlert,
    Membership,
    Mention,
    Message,
    Reaction,
    Report,
    Room,
)
from ..queries import message_dict, reactions_summary
from .common import (
    _LINK,
    PostResult,
    _check_rate,
    _clean_body,
    _deny,
    _get_message,
    _is_new_member,
    _message_event,
    _notify_moderators,
    _parse_client_id,
    _refund_rate,
    is_message_id,
    next_change,
    room_settings_changed,
)
from .crisis import open_crisis_alert

# The member's own safety plan, as a fragment the support card fetches (the
# recovery app serves it; chat stands below recovery and knows only the URL).
SAFETY_PLAN_CARD_URL = "/me/safety-plan/card/"


logger = logging.getLogger(__name__)

MENTION_MAX = 20
LOOK_UP = object()  # post_message reads the membership itself


def _mentioned_members(room: Room, body: str, author: User) -> dict[str, User]:
    if "@" not in body:
        return {}
    lowered = body.lower()
    # Only members whose name starts with a word written right after an "@"
    # are loaded (a 1,000-member room costs the few that could match, not 1,000 rows).
    starts = {w.strip(".,;:!?)('\"") for w in re.findall(r"@([^\s@]+)", lowered)} - {""}
    if not starts:
        return {}
    # A message naming more than MENTION_MAX people mentions the first ones only
    # (a flood of @-words must not build a query the database refuses).
    starts = sorted(starts, key=lowered.index)[:MENTION_MAX]
    could_match = Q()
    for start in starts:
        could_match |= Q(display_name__istartswith=start[:40])
    found = {}
    now = timezone.now()
    members = (
        # Only people who can read the room: an active, unbanned membership.
        User.objects.filter(
            Q(memberships__banned_until__isnull=True) | Q(memberships__banned_until__lte=now),
            memberships__room=room,
            memberships__left_at__isnull=True,
            memberships__banned_permanently=False,
            is_active=True,
            suspended_at__isnull=True,
        )
        .filter(could_match)
        .exclude(pk=author.pk)
        .exclude(blocks_made__blocked=author)
        .only("id", "display_name", "email_notification_kinds", "email")
    )
    for member in members:
        name = member.display_name.lower()
        if "@" + name in lowered:
            found[name] = member
    return found


@dataclass(frozen=True)
class Screening:
    """What the word lists and the crisis detector say about a text."""

    hold: bool  # waits for a moderator before the room sees it
    level: str  # "", "concern" or "crisis"
    flagged: list[str]  # watched words that file a report but let it post


def _screen(author: User, body: str, moderator: bool, room: Room | None = None) -> Screening:
    """The checks every text passes on its way in, sent or edited: blocked
    words refuse it, held words and a new member's links hold it, and the
    crisis detector sets its tier. Moderators' texts skip the word lists (they
    quote them when they explain a removal) but are still read for crisis.

    In a two-person conversation (direct, mentorship, support) the word lists
    do nothing but refuse blocked words: nothing is held (no moderator
    reviews what they cannot read), and no watched word files a report, which
    would let moderators read it (with the ten messages before it) though
    neither person reported anything; a new member's link posts."""
    watched = detector.watched_matches(body) if not moderator else {}
    if watched.get("block"):
        raise ChatError(
            "watched_word",
            f"This community doesn't allow “{watched['block'][0]}”. Please rephrase your message.",
        )
    flagged = list(watched.get("flag", []))
    if room is not None and room.kind in Room.MEMBERS_ONLY:
        return Screening(hold=False, level=detector.classify(body), flagged=[])
    hold = bool(watched.get("hold")) or (not moderator and _is_new_member(author) and bool(_LINK.search(body)))
    return Screening(hold=hold, level=detector.classify(body), flagged=flagged)


def _support(author: User, room: Room, message: Message, level: str) -> list[dict]:
    """The private support card for the text's author, and for a crisis the
    moderators' alert. Concern: the card only (the member's own plan and a
    one-tap "talk to a moderator"); crisis: the card plus an alert."""
    if level not in (CONCERN, CRISIS):
        return []
    if level == CRISIS:
        open_crisis_alert(member=author, room=room, message=message, source=CrisisAlert.Source.MESSAGE)
    return [support_card(level, author)]


def support_card(level: str, author: User) -> dict:
    """The `crisis.resources` frame: the tier, where the member's own safety plan
    is read from (shown first; a family member has none here), then the
    program's crisis resources."""
    return {
        "type": "crisis.resources",
        "tier": level,
        "plan_url": "" if author.role == User.Role.FAMILY else SAFETY_PLAN_CARD_URL,
        "resources": crisis_resources(),
    }


def _notify_mentions(message: Message, room: Room, author: User, members) -> None:
    for member in members:
        Mention.objects.create(message=message, user=member)
        notify(
            recipient=member,
            kind=Notification.Kind.MENTION,
            text=f"{author.display_name} mentioned you in {room.name}",
            url=message.get_absolute_url(),
            # The words reach a phone only if the member turned previews on.
            preview=message.body,
        )


def _flag(message: Message, room: Room, words: list[str]) -> None:
    Report.objects.create(
        message=message, reporter=None, reason=Report.Reason.WATCHED_WORD, note=f"Flagged words: {', '.join(words)}"
    )
    _notify_moderators(
        room, Notification.Kind.REPORT, f"A message in {room.name} was flagged for review.", "/moderation/"
    )


def post_message(**post) -> PostResult:
    """Store a message and broadcast it to the room: prepare_post (its
    keyword arguments are this function's), then the store, in a
    transaction of its own.

    Re-sending a stored client_id returns the stored message and changes
    nothing. Side effects: room activity time, the author's read marker,
    mention notifications, in a two-person conversation a `dm` notification
    to the others who had read everything before it (unless
    `notify_conversation` is off), and for a crisis message the author's
    resource card plus a `crisis_alert` notification to moderators.
    """
    pending = prepare_post(**post)
    if isinstance(pending, PostResult):
        return pending
    return _commit_post(pending)


@dataclass
class PendingPost:
    """A message that passed every check (prepare_post) and waits to be
    stored (store_posts)."""

    author: User
    room: Room
    body: str
    client_uuid: object
    content_note: str
    draft: "_Draft"
    notify_conversation: bool
    from_request: bool

    @property
    def plain(self) -> bool:
        """Nothing but the message, its seq and its author's read marker to
        write: no hold, no crisis tier, no flagged word, no mention, no
        conversation notice. Plain messages can share a transaction."""
        screening = self.draft.screening
        return not (
            screening.hold
            or screening.level
            or screening.flagged
            or self.draft.mentioned
            or (self.notify_conversation and self.room.kind in Room.MEMBERS_ONLY)
        )


def prepare_post(
    *,
    author: User,
    room: Room,
    body,
    client_id,
    reply_to_id=None,
    content_note="",
    notify_conversation=True,
    from_request=False,
    membership=LOOK_UP,
    send_hit=None,
) -> "PendingPost | PostResult":
    """post_message's checks, with no write: the rate limits are charged,
    the word lists, the crisis detector and mentions are read. Raises
    ChatError for a refused text; returns the stored copy (a PostResult with
    created=False) for a refused re-send of a stored client_id, else the
    PendingPost for store_posts.

    `from_request`: the text of an accepted message request, posted as its
    sender's. It passed the sender's rate limit and the word lists, and a
    crisis in it raised its alert, when it was sent (request_direct): none of
    that runs again, so acceptance never fails for the sender's state at that
    moment nor alerts twice. Its crisis tier is still stored.

    `membership`: the author's membership in the room (or None), when the
    caller has just read it with the author and room (the socket does, in
    one query); by default it is read here.

    `send_hit`: counts this send against the author's send limit (a turn of
    common.send_rate_batch, for a batch of sends); by default one round trip
    of its own."""
    body = _clean_body(body)
    client_uuid = _parse_client_id(client_id)
    if not isinstance(content_note, str) or len(content_note) > 60:
        raise ChatError("invalid", "A content note is text of up to 60 characters.")
    if reply_to_id is not None and not is_message_id(reply_to_id):
        raise ChatError("invalid", "reply_to must be a message id.")

    # Everything that can refuse the text, and everything it needs read, is
    # done before the room's lock is taken: the lock is held only for the
    # writes that must happen in the room's order (seq, insert, read marker).
    # A re-send of a stored client_id is found by the unique constraint at the
    # insert, not by a query on every send; if a check refuses it (the member
    # was muted or rate limited since), the stored copy is still the answer.
    try:
        if membership is LOOK_UP:
            membership = permissions.get_membership(author, room)
        draft = _draft(author, room, membership, body, reply_to_id, from_request, send_hit)
    except ChatError:
        stored = _stored(author, room, client_uuid)
        if stored is None:
            raise
        return PostResult(stored, created=False)
    return PendingPost(author, room, body, client_uuid, content_note, draft, notify_conversation, from_request)


def _commit_post(pending: PendingPost) -> PostResult:
    """Store one prepared message in a transaction of its own."""
    p = pending
    try:
        with transaction.atomic():
            message, private_frames = _store(
                p.author, p.room, p.body, p.client_uuid, p.content_note, p.draft, p.notify_conversation, p.from_request
            )
    except IntegrityError:
        # The client_id is stored already (a re-send, or a concurrent send of
        # the same message won the race): nothing of this attempt was kept,
        # and the rate limits it was counted against get the count back (a
        # client re-sending its outbox after a reconnect must not find its
        # next new message refused).
        stored = _stored(p.author, p.room, p.client_uuid)
        if stored is None:
            raise
        if p.draft.charged:
            _refund_rate(p.author, p.room, p.draft.moderator)
        return PostResult(stored, created=False)
    return PostResult(message, created=True, private_frames=private_frames)


def store_posts(pendings: list[PendingPost]) -> list[tuple[bool, object]]:
    """Store prepared messages, in their order; for each, (True, PostResult)
    or (False, the exception) as post_message would have returned or raised.

    A run of plain messages (PendingPost.plain) is stored in one transaction:
    one commit, so one flush of the database's log, for the run instead of
    one per message. Its room locks are taken in room id order and its
    authors' read markers written last in (room, member) order — the order
    mark_read_many writes markers in — so two such runs, or a run and a batch
    of read markers, never wait on each other in a cycle. If anything in the
    run fails (a re-sent client_id, a mute or lock that committed meanwhile,
    a database error), nothing of the run is kept and each of its messages
    is stored on its own, with its own outcome. Any other message is stored
    alone, after the run before it."""
    outcomes: list[tuple[bool, object]] = []
    run: list[PendingPost] = []

    def flush():
        if run:
            outcomes.extend(_store_run(run))
            run.clear()

    for pending in pendings:
        if pending.plain:
            run.append(pending)
            continue
        flush()
        outcomes.append(_outcome(_commit_post, pending))
    flush()
    return outcomes


def _outcome(func, *args) -> tuple[bool, object]:
    try:
        return True, func(*args)
    except Exception as exc:
        return False, exc


def _store_run(run: list[PendingPost]) -> list[tuple[bool, object]]:
    """A run of plain messages in one transaction, in four statements on
    PostgreSQL: one hands out the run's seqs and takes its rooms' locks, in
    room id order (_take_seqs; on SQLite one statement per room), one read
    checks every author's membership again under the locks, one INSERT
    writes every message, and one moves the authors' read markers, locking
    them in (room, member) order (_forward_markers; on SQLite an
    executemany)."""
    if len(run) == 1:
        return [_outcome(_commit_post, run[0])]
    order = sorted(range(len(run)), key=lambda i: run[i].room.pk)  # stable: a room's keep their order
    results: list[PostResult | None] = [None] * len(run)
    committed = []
    try:
        with transaction.atomic():
            # The first commit callback: it runs only if the run committed, so
            # an error raised after the commit is never taken for a failed run.
            transaction.on_commit(lambda: committed.append(True), robust=True)
            now = timezone.now()
            seqs = _take_run_seqs(run, order, now)
            _recheck_run_under_locks(run)
            messages = MESSAGE_INSERT.save_new_many(
                [
                    _new_message(p.author, p.room, p.body, p.client_uuid, p.content_note, p.draft, seqs[i], now)
                    for i, p in ((i, run[i]) for i in order)
                ]
            )
            markers = {}
            for i, message in zip(order, messages, strict=True):
                p = run[i]
                _finish_new(message, p.author, p.room)
                if p.draft.membership is not None:
                    markers[(p.room.pk, p.author.pk)] = (message.pk, message.pk, p.draft.membership.pk)
                # Robust: one room's failed broadcast is logged and the run's
                # other rooms still hear theirs.
                broadcast_on_commit(p.room.group_name, _message_event(message), robust=True)
                results[i] = PostResult(message, created=True, private_frames=[])
            if markers:
                _forward_markers([markers[key] for key in sorted(markers)])
    except Exception:
        if committed:
            logger.exception("after storing %d messages together", len(run))
            return [(True, result) for result in results]
        return [_outcome(_commit_post, p) for p in run]
    return [(True, result) for result in results]


def _take_run_seqs(run: list[PendingPost], order: list[int], now) -> dict[int, int]:
    """The seq of each message of the run (by its index), rooms locked in id
    order (_take_seqs); sets each room's is_locked as read under its lock."""
    seqs = {}
    by_room: dict[int, list[int]] = {}
    for i in order:
        by_room.setdefault(run[i].room.pk, []).append(i)
    taken = _take_seqs({room_id: len(indices) for room_id, indices in by_room.items()}, now)
    for room_id, indices in by_room.items():
        last, locked = taken[room_id]
        for offset, i in enumerate(indices):
            seqs[i] = last - len(indices) + 1 + offset
            run[i].room.is_locked = locked
    return seqs


def _take_seqs(counts: dict[int, int], now) -> dict[int, tuple[int, bool]]:
    """_take_seq for several rooms ({room id: how many seqs}): {room id: (its
    new last seq, whether it is locked)}. The rooms' row locks are taken in
    id order, so two runs never wait on each other in a cycle. On
    PostgreSQL one statement does it all: the CTE locks the rooms in id
    order (its LockRows sits above its sort), and the UPDATE changes a room
    only after the CTE has locked it. Elsewhere (SQLite's write lock is the
    database's), one _take_seq per room."""
    if connection.vendor != "postgresql" or len(counts) == 1:
        return {room_id: _take_seq(Room(pk=room_id), now, count) for room_id, count in sorted(counts.items())}
    ids = sorted(counts)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_SEQS_SQL, [ids, ids, [counts[i] for i in ids], stamp, stamp])
        taken = {room_id: (seq, bool(locked)) for room_id, seq, locked in cursor.fetchall()}
    if len(taken) != len(ids):
        raise Room.DoesNotExist(f"rooms {sorted(set(ids) - set(taken))} are gone")
    return taken


# Only the model's own table and column names are formatted in; the values
# travel as parameters. FOR NO KEY UPDATE is the lock an UPDATE of these
# columns takes (a message's insert holds KEY SHARE on its room: no conflict).
_TAKE_SEQS_SQL = (
    "WITH locked AS MATERIALIZED ("  # noqa: S608
    f'SELECT "id" FROM "{Room._meta.db_table}" WHERE "id" = ANY(%s::bigint[]) ORDER BY "id" FOR NO KEY UPDATE), '
    'counts AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS c("id", "n")) '
    f'UPDATE "{Room._meta.db_table}" AS r SET "last_seq" = r."last_seq" + counts."n", '
    '"last_message_at" = CASE WHEN r."last_message_at" IS NULL OR r."last_message_at" < %s '
    'THEN %s ELSE r."last_message_at" END '
    'FROM locked JOIN counts ON counts."id" = locked."id" WHERE r."id" = locked."id" '
    'RETURNING r."id", r."last_seq", r."is_locked"'
)


# The memberships of a run's authors, read again under the rooms' locks.
MEMBERSHIPS = PreparedFamily(lambda *pks: Membership.objects.filter(pk__in=pks))


def _recheck_run_under_locks(run: list[PendingPost]) -> None:
    """_recheck_under_lock for every message of a run, in one read of their
    memberships: raises the first refusal (the run then falls back to one
    transaction per message, where each gets its own answer)."""
    fresh = {m.pk: m for m in MEMBERSHIPS.all(sorted({p.draft.membership.pk for p in run if p.draft.membership}))}
    for p in run:
        _deny_under_lock(p.author, p.room, p.draft, fresh.get(p.draft.membership.pk) if p.draft.membership else None)


def _stored(author: User, room: Room, client_uuid) -> Message | None:
    return Message.objects.for_frames().filter(author=author, room=room, client_id=client_uuid).first()


@dataclass(frozen=True)
class _Draft:
    """A text that passed every check, with what storing it needs."""

    membership: Membership | None
    reply_to: Message | None
    screening: Screening
    mentioned: dict
    html: str
    moderator: bool
    charged: bool  # the send counted against the author's rate limits


def _draft(author: User, room: Room, membership, body: str, reply_to_id, from_request: bool, send_hit=None) -> _Draft:
    """May the author post here, within the rate limits, and what do the word
    lists, the crisis detector and @-mentions make of the text? No writes."""
    _deny(author, room, membership)
    moderator = permissions.can_moderate_room(author, room, membership)
    if not from_request:
        _check_rate(author, room, moderator, send_hit)
    reply_to = None
    if reply_to_id is not None:
        reply_to = (
            Message.objects.visible()
            .filter(room=room, pk=reply_to_id, deleted_at__isnull=True)
            .select_related("author")
            .first()
        )
        if reply_to is None:
            raise ChatError("not_found", "The message you replied to is gone.")
    screening = _screen(author, body, moderator or from_request, room)
    mentioned = {} if screening.hold else _mentioned_members(room, body, author)
    html = markup.render(body, mentions={n: m.pk for n, m in mentioned.items()})
    return _Draft(membership, reply_to, screening, mentioned, html, moderator, charged=not from_request)


def _take_seq(room: Room, now, count: int = 1) -> tuple[int, bool]:
    """Advance the room's seq and activity time in one statement, which also
    takes the room's row lock, held to commit: messages of one room are
    inserted one at a time, so within a room ids and seqs commit in order and
    a client resuming after the highest seq it saw can never skip a lower one
    that committed later. (SQLite: the IMMEDIATE transaction holds the
    database's write lock instead.) Returns the new seq and whether the room
    is locked now. The activity time only moves forward (a send that waited
    for the lock may carry an earlier time than the one before it)."""
    quote = connection.ops.quote_name
    at = quote("last_message_at")
    # Only the model's own table and column names are formatted in; the
    # values travel as parameters.
    sql = (
        f"UPDATE {quote(Room._meta.db_table)} SET {quote('last_seq')} = {quote('last_seq')} + %s, "  # noqa: S608
        f"{at} = CASE WHEN {at} IS NULL OR {at} < %s THEN %s ELSE {at} END "
        f"WHERE {quote('id')} = %s RETURNING {quote('last_seq')}, {quote('is_locked')}"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, stamp, stamp, room.pk])
        row = cursor.fetchone()
    if row is None:
        raise Room.DoesNotExist(f"room {room.pk} is gone")
    seq, locked = row
    return seq, bool(locked)


def _placed(author: User, room: Room, draft: "_Draft", now) -> int:
    seq, locked = _take_seq(room, now)
    _recheck_under_lock(author, room, draft, locked)
    return seq


# Written on every send: statements built once (community.prepared).
MESSAGE_INSERT = PreparedInsert(Message)


def _marker_forward_sql(*where_columns: str) -> str:
    """UPDATE of the memberships whose `where_columns` equal the parameters
    after the first two, moving the read marker forward to the first two's
    value (the message id, twice), never back. Only the model's own table and
    column names are formatted in; the values travel as parameters."""
    quote = connection.ops.quote_name
    marker = quote("last_read_message_id")
    where = " AND ".join(f"{quote(column)} = %s" for column in where_columns)
    return (
        f"UPDATE {quote(Membership._meta.db_table)} SET {marker} = "  # noqa: S608
        f"CASE WHEN {marker} < %s THEN %s ELSE {marker} END WHERE {where}"
    )


def _forward_markers(markers: list[tuple[int, int, int]]) -> None:
    """Move several read markers forward: (message id, message id, membership
    id) each, sorted by (room, member), the order mark_read_many locks them
    in. On PostgreSQL one statement, whose CTE locks the rows in that order
    before the UPDATE changes any; elsewhere one UPDATE each, in the given
    order (executemany)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(markers) == 1:
            cursor.executemany(_marker_forward_sql("id"), markers)
            return
        ids = [membership_id for _, _, membership_id in markers]
        cursor.execute(_FORWARD_MARKERS_SQL, [ids, ids, [message_id for message_id, _, _ in markers]])


# Only the model's own table and column names are formatted in; the values
# travel as parameters. FOR NO KEY UPDATE is the lock the UPDATE takes anyway.
_FORWARD_MARKERS_SQL = (
    "WITH locked AS MATERIALIZED ("  # noqa: S608
    f'SELECT "id" FROM "{Membership._meta.db_table}" WHERE "id" = ANY(%s::bigint[]) '
    'ORDER BY "room_id", "user_id" FOR NO KEY UPDATE), '
    'marks AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS m("id", "message_id")) '
    f'UPDATE "{Membership._meta.db_table}" AS ms SET "last_read_message_id" = '
    'CASE WHEN ms."last_read_message_id" < marks."message_id" THEN marks."message_id" '
    'ELSE ms."last_read_message_id" END '
    'FROM locked JOIN marks ON marks."id" = locked."id" WHERE ms."id" = locked."id"'
)


def _read_up_to(membership_id: int, message_id: int) -> None:
    """The author has read their own message: the read marker moves forward
    to it (never back)."""
    with connection.cursor() as cursor:
        cursor.execute(_marker_forward_sql("id"), [message_id, message_id, membership_id])


# Read again under the room's lock on every send: compiled once (community.prepared).
MEMBERSHIP = Prepared(lambda pk: Membership.objects.filter(pk=pk)[:1])


def _recheck_under_lock(author: User, room: Room, draft: "_Draft", locked: bool) -> None:
    """The checks that a moderator's action can change while a send waits for
    the room's lock — a mute, a ban, leaving, a lock, new guidelines — read
    again under it (one query: the membership), so nothing committed before
    this message gets in is bypassed. Refuses with the same errors as before."""
    room.is_locked = locked
    fresh = MEMBERSHIP.first(draft.membership.pk) if draft.membership is not None else None
    _deny_under_lock(author, room, draft, fresh)


def _deny_under_lock(author: User, room: Room, draft: "_Draft", fresh) -> None:
    """Refuse what the room's state read under its lock refuses: a lock for
    a non-member's message (a site moderator's passes), else whatever the
    membership read again (`fresh`) says."""
    if draft.membership is None:
        if room.is_locked and not draft.moderator:
            raise ChatError("locked", DENIAL_DETAIL["locked"])
        return
    _deny(author, room, fresh)


def _insert(author, room, body, client_uuid, content_note, draft: _Draft) -> Message:
    """The message's row: a visible one gets its seq (taking the room's lock,
    and reading the membership again under it) first."""
    now = timezone.now()
    # A held message gets its place when a moderator releases it.
    seq = None if draft.screening.hold else _placed(author, room, draft, now)
    message = _new_message(author, room, body, client_uuid, content_note, draft, seq, now)
    MESSAGE_INSERT.save_new(message)
    return _finish_new(message, author, room)


def _new_message(author, room, body, client_uuid, content_note, draft: _Draft, seq: int | None, now) -> Message:
    return Message(
        room=room,
        author=author,
        client_id=client_uuid,
        body=body,
        html=draft.html,
        content_note=content_note.strip(),
        reply_to=draft.reply_to,
        crisis_level=draft.screening.level,
        status=Message.Status.HELD if draft.screening.hold else Message.Status.VISIBLE,
        created_at=now,
        seq=seq,
    )


def _finish_new(message: Message, author: User, room: Room) -> Message:
    message.author = author
    message.room = room
    # A new message has no reactions: the frame needs no query for them.
    message.reaction_rows = []
    return message


def _store(author, room, body, client_uuid, content_note, draft: _Draft, notify_conversation, from_request):
    """The writes, inside the caller's transaction. A plain message is four
    statements: the seq (and the room lock), the membership read again under
    the lock, the insert, the author's read marker. Crisis alerts, held-message notices, reports and mentions, rarer,
    are written in the same transaction so none of them can be lost alone."""
    screening = draft.screening
    hold = screening.hold
    message = _insert(author, room, body, client_uuid, content_note, draft)
    # A person in crisis is never silenced: even a held message raises
    # the alert and shows its author the support card.
    private_frames = [] if from_request else _support(author, room, message, screening.level)
    if hold:
        _notify_moderators(
            room, Notification.Kind.REPORT, f"A message in {room.name} is waiting for review.", "/moderation/"
        )
        private_frames.append({"type": "message.held", "message": message_dict(message)})
        return message, private_frames
    if screening.flagged:
        _flag(message, room, screening.flagged)
    if draft.membership is not None:
        _read_up_to(draft.membership.pk, message.pk)
    if draft.mentioned:
        _notify_mentions(message, room, author, draft.mentioned.values())
    if notify_conversation and room.kind in Room.MEMBERS_ONLY:
        _notify_conversation(message, room, author, already=set(draft.mentioned))
    broadcast_on_commit(room.group_name, _message_event(message))
    return message, private_frames


def _notify_conversation(message: Message, room: Room, author: User, already: set) -> None:
    """A message in a two-person conversation reaches the others' phones (a
    `dm` notification), once per unread stretch: only members who had read
    everything before it are told, so a burst of messages is one notice."""
    previous = (
        Message.objects.visible()
        .filter(room=room, id__lt=message.pk)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )
    others = (
        Membership.objects.filter(room=room, left_at__isnull=True, last_read_message_id__gte=previous)
        .exclude(user_id=author.pk)
        .exclude(user__blocks_made__blocked=author)
        .select_related("user")
    )
    text = (
        f"{author.display_name} sent you a message"
        if room.kind == Room.Kind.DIRECT
        else f"{author.display_name} wrote in {room.name}"
    )
    for membership in others:
        if membership.user.display_name.lower() in already or not membership.user.is_active:
            continue  # the mention notice said it already
        notify(
            recipient=membership.user,
            kind=Notification.Kind.DM,
            text=text,
            url=room.get_absolute_url(),
            # The words reach a phone only if the member turned previews on.
            preview=message.body,
        )


def edit_message(*, author: User, room: Room, message_id, body) -> PostResult:
    """Change the text of one's own message, under every rule a send obeys:
    mute, ban, lock, slow mode and rate limit, blocked and held words, the
    new-member link hold, and the crisis tiers.

    Side effects: `message.updated` to the room; an edit that must be held
    leaves the room (`message.deleted`) and waits for a moderator like a held
    send; new @mentions are notified; flagged words file a report; a concern
    or crisis edit brings its author the support card, and a crisis edit opens
    (or adds to) a moderator alert.
    """
    body = _clean_body(body)
    with transaction.atomic():
        membership = permissions.get_membership(author, room)
        _deny(author, room, membership)
        message = _get_message(room, message_id)
        if not permissions.can_edit_message(author, message):
            raise ChatError("forbidden", "You can only edit your own messages.")
        if message.body == body:
            return PostResult(message, created=False)
        moderator = permissions.can_moderate_room(author, room, membership)
        _check_rate(author, room, moderator)
        screening = _screen(author, body, moderator, room)
        already = set(Mention.objects.filter(message=message).values_list("user_id", flat=True))
        mentioned = {} if screening.hold else _mentioned_members(room, body, author)
        message.body = body
        message.html = markup.render(body, mentions={n: m.pk for n, m in mentioned.items()})
        message.edited_at = timezone.now()
        message.crisis_level = screening.level
        message.changed = next_change(room)
        fields = ["body", "html", "edited_at", "crisis_level", "changed"]
        if screening.hold:
            message.status = Message.Status.HELD
            fields.append("status")
        message.save(update_fields=fields)
        private_frames = _support(author, room, message, screening.level)
        if screening.hold:
            _notify_moderators(
                room,
                Notification.Kind.REPORT,
                f"An edited message in {room.name} is waiting for review.",
                "/moderation/",
            )
            private_frames.append({"type": "message.held", "message": message_dict(message)})
            # Held for review: gone from the room until a moderator approves it.
            frame = {
                "type": "message.deleted",
                "id": message.pk,
                "room": room.slug,
                "by_moderator": False,
                "change": message.changed,
            }
            broadcast_on_commit(room.group_name, frame_event(frame))
            if room.pinned_message_id == message.pk:
                # A pinned message held for review leaves the pinned bar too.
                Room.objects.filter(pk=room.pk).update(pinned_message=None)
                room_settings_changed(room)
            return PostResult(message, created=False, private_frames=private_frames)
        if screening.flagged:
            _flag(message, room, screening.flagged)
        _notify_mentions(message, room, author, [m for m in mentioned.values() if m.pk not in already])
        broadcast_on_commit(room.group_name, _message_event(message, "message.updated"))
        if room.pinned_message_id == message.pk:
            room_settings_changed(room)  # the pinned bar shows the new text
    return PostResult(message, created=False, private_frames=private_frames)


def delete_message(*, actor: User, room: Room, message_id, reason: str = "") -> Message:
    """Remove a message: by its author, or by a moderator with a reason.

    The row stays (moderators can review it); members see it gone.
    Side effects: `message.deleted` to the room; an audit row when a
    moderator removes someone else's message.
    """
    if not isinstance(reason, str) or len(reason) > 300:
        raise ChatError("invalid", "A reason is text of up to 300 characters.")
    with transaction.atomic():
        membership = permissions.get_membership(actor, room)
        message = _get_message(room, message_id)
        if message.deleted_at is not None:
            raise ChatError("not_found", "That message was already removed.")
        if not permissions.can_delete_message(actor, message, membership):
            raise ChatError("forbidden", "You can only delete your own messages.")
        by_moderator = message.author_id != actor.pk
        message.deleted_at = timezone.now()
        message.deleted_by = actor
        message.delete_reason = reason.strip()
        message.changed = next_change(room)
        message.save(update_fields=["deleted_at", "deleted_by", "delete_reason", "changed"])
        if room.pinned_message_id == message.pk:
            Room.objects.filter(pk=room.pk).update(pinned_message=None)
        if by_moderator:
            record_audit(
                actor=actor,
                action="message.remove",
                target=message,
                details={"room": room.slug, "reason": message.delete_reason},
            )
            if message.author is not None:
                # Only the author learns why; the room sees that it was removed.
                # The removed words are not repeated (a notification may go out
                # by e-mail): the time says which message it was.
                sent = timezone.localtime(message.created_at, ZoneInfo(message.author.time_zone)).strftime(
                    "%b %-d, %-I:%M %p"
                )
                notify(
                    recipient=message.author,
                    kind=Notification.Kind.GENERAL,
                    text=f"A moderator removed your message of {sent} in {room.name}."
                    + (f" Reason: {message.delete_reason}" if message.delete_reason else ""),
                    url=room.get_absolute_url(),
                )
        frame = {
            "type": "message.deleted",
            "id": message.pk,
            "room": room.slug,
            "by_moderator": by_moderator,
            "change": message.changed,
        }
        broadcast_on_commit(room.group_name, frame_event(frame))
    return message


def toggle_reaction(*, member: User, room: Room, message_id, emoji) -> Message:
    """Add the reaction, or remove it if the member already gave it.
    Side effect: `reaction {id, reactions}` to the room."""
    if not isinstance(emoji, str) or emoji not in REACTIONS:
        raise ChatError("invalid", f"Reactions are one of: {', '.join(REACTIONS)}.")
    with transaction.atomic():
        membership = permissions.get_membership(member, room)
        if not permissions.can_react(member, room, membership):
            raise ChatError("forbidden", DENIAL_DETAIL["forbidden"])
        message = _get_message(room, message_id)
        if message.deleted_at is not None:
            raise ChatError("not_found", "That message was removed.")
        removed, _ = Reaction.objects.filter(message=message, user=member, emoji=emoji).delete()
        if not removed:
            try:
                with transaction.atomic():
                    Reaction.objects.create(message=message, user=member, emoji=emoji)
            except IntegrityError:
                pass  # a double click raced us; the reaction is there, as asked
        change = next_change(room)
        Message.objects.filter(pk=message.pk).update(changed=change)
        message = Message.objects.for_frames().get(pk=message.pk)

        frame = {
            "type": "reaction",
            "id": message.pk,
            "room": room.slug,
            "reactions": reactions_summary(message),
            "change": change,
        }
        broadcast_on_commit(room.group_name, frame_event(frame))
    return message


def mark_read(*, member: User, room: Room, message_id) -> int:
    """Move the member's read marker forward (never back)."""
    if not is_message_id(message_id):
        raise ChatError("invalid", "id must be a message id.")
    return Membership.objects.filter(room=room, user=member, left_at__isnull=True).update(
        last_read_message_id=Greatest(F("last_read_message_id"), message_id)
    )


def mark_read_many(markers: list[tuple[int, int, int]]) -> list[bool]:
    """Several read markers in one transaction — the sockets of a process
    write theirs together (groups.consumers.ReadMarkers) rather than one
    commit each. For each (user id, room id, message id), as mark_read: the
    marker moves forward, never back, on an active membership only. Returns,
    for each, whether there was an active membership (False: the member left
    or was removed, and the socket re-checks its access)."""
    for _user_id, _room_id, message_id in markers:
        if not is_message_id(message_id):
            raise ChatError("invalid", "id must be a message id.")
    sql = _marker_forward_sql("room_id", "user_id") + f" AND {connection.ops.quote_name('left_at')} IS NULL"
    moved = [False] * len(markers)
    # In (room, member) order, as store_posts writes its authors' markers:
    # two transactions that each hold several markers' rows never wait on
    # each other in a cycle.
    order = sorted(range(len(markers)), key=lambda i: (markers[i][1], markers[i][0]))
    with transaction.atomic(), connection.cursor() as cursor:
        for i in order:
            user_id, room_id, message_id = markers[i]
            cursor.execute(sql, [message_id, message_id, room_id, user_id])
            moved[i] = cursor.rowcount > 0
    return moved
