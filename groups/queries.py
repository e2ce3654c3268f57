"""Reading messages and rooms in the shapes the socket and pages need."""

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime

from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse

from community.prepared import Prepared

from . import permissions
from .models import Block, Membership, Message, Room, attach_reactions

FORMER_MEMBER = {"id": None, "display_name": "Former member"}


def reactions_summary(message: Message) -> list[dict]:
    """Reactions grouped by emoji, using the prefetched rows (no query)."""
    users = defaultdict(list)
    rows = getattr(message, "reaction_rows", None)
    if rows is None:
        rows = [(r.emoji, r.user_id) for r in message.reactions.all()]
    for emoji, user_id in rows:
        users[emoji].append(user_id)
    return [{"emoji": emoji, "count": len(ids), "users": sorted(ids)} for emoji, ids in users.items()]


def message_dict(message: Message, *, room_slug: str | None = None) -> dict:
    """The protocol's message object (docs/protocol.md)."""
    deleted = message.deleted_at is not None
    reply = None
    if message.reply_to_id is not None and message.reply_to is not None:
        parent = message.reply_to
        reply = {
            "id": parent.pk,
            "author": parent.author.public_dict() if parent.author else FORMER_MEMBER,
            "excerpt": "" if parent.deleted_at else parent.body[:140],
            "deleted": parent.deleted_at is not None,
        }
    return {
        "id": message.pk,
        "room": room_slug or message.room.slug,
        "author": message.author.public_dict() if message.author else FORMER_MEMBER,
        "body": "" if deleted else message.body,
        "html": "" if deleted else message.html,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "client_id": str(message.client_id),
        "reactions": [] if deleted else reactions_summary(message),
        "reply_to": reply,
        "content_note": message.content_note,
        "deleted": deleted,
        "status": message.status,
        "seq": message.seq,
        "changed": message.changed,
    }


def room_state(room: Room) -> dict:
    """The room's settings as a `room.updated` frame carries them (pin included,
    read through select_related("pinned_message__author"))."""
    pinned = room.pinned_message if room.pinned_message_id else None
    if pinned is not None and (pinned.deleted_at is not None or pinned.status != Message.Status.VISIBLE):
        pinned = None  # removed, or held for review after an edit
    return {
        "slug": room.slug,
        "is_locked": room.is_locked,
        "slow_mode_seconds": room.slow_mode_seconds,
        "guidelines": room.guidelines,
        "description": room.description,
        "pinned": {"id": pinned.pk, "html": pinned.html} if pinned is not None else None,
    }


# What a resuming socket reads (groups.consumers): a batch of messages after
# its seq and the changes to those it holds, at the sizes the socket asks for,
# compiled once per thread (community.prepared) — a reconnect storm reads them
# for every room. The same rows as for_frames(), reactions attached the same way.
RESUME_BATCH = 200
RESUME_CHANGES = 1000
MESSAGES_AFTER_SEQ = Prepared(
    lambda room_id, after_seq: (
        QuerySet(model=Message)
        .filter(room_id=room_id, seq__gt=after_seq)
        .select_related("author", "reply_to__author")
        .order_by("seq")[:RESUME_BATCH]
    )
)
CHANGED_SINCE = Prepared(
    lambda room_id, change, up_to_seq: (
        QuerySet(model=Message)
        .filter(room_id=room_id, changed__gt=change, seq__lte=up_to_seq)
        .select_related("author", "reply_to__author")
        .order_by("changed")[:RESUME_CHANGES]
    )
)


def _fits(value) -> bool:
    """An integer the compiled statements can pass to the database as it is
    (the ORM path turns one past 64 bits into "no rows" instead)."""
    return type(value) is int and -(2**63) <= value < 2**63


def _with_reactions(rows: list[Message]) -> list[Message]:
    if rows:
        attach_reactions(rows)
    return rows


def messages_after_seq(room: Room, after_seq: int, *, limit: int) -> list[Message]:
    """The room's messages after a seq, in seq order — removed ones included (as
    placeholders), so a resuming client's sequence has no holes."""
    if limit == RESUME_BATCH and _fits(after_seq):
        return _with_reactions(MESSAGES_AFTER_SEQ.all(room.pk, after_seq))
    return list(Message.objects.filter(room=room, seq__gt=after_seq).for_frames().order_by("seq")[:limit])


def changed_since(room: Room, change: int, *, up_to_seq: int, limit: int) -> list[Message]:
    """Messages a client that saw up to `up_to_seq` holds, changed after `change`
    (edited, removed, held again, reacted to), in change order."""
    if limit == RESUME_CHANGES and _fits(change) and _fits(up_to_seq):
        return _with_reactions(CHANGED_SINCE.all(room.pk, change, up_to_seq))
    return list(
        Message.objects.filter(room=room, changed__gt=change, seq__lte=up_to_seq)
        .for_frames()
        .order_by("changed")[:limit]
    )


def messages_after(room: Room, after_id: int, *, limit: int) -> list[Message]:
    return list(
        Message.objects.visible()
        .filter(room=room, id__gt=after_id, deleted_at__isnull=True)
        .for_frames()
        .order_by("id")[:limit]
    )


def blocked_either_way(user) -> set[int]:
    """The ids of members this user blocked or who blocked this user."""
    pairs = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list("blocker_id", "blocked_id")
    return {pk for pair in pairs for pk in pair if pk != user.pk}


def blocked_ids(user) -> set[int]:
    """Whom the user blocked. Read on every socket connect: one statement,
    written out rather than compiled by the ORM each time."""
    quote = connection.ops.quote_name
    sql = f"SELECT {quote('blocked_id')} FROM {quote(Block._meta.db_table)} WHERE {quote('blocker_id')} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return {row[0] for row in cursor.fetchall()}


# The room page's first screen: the newest PAGE_MESSAGES of a room (and one
# more, to know whether there are older ones), its SQL compiled once per thread
# (community.prepared; page views run on long-lived threads,
# community.asgi_http). The same rows as for_frames() below, which attaches
# the reactions the same way.
PAGE_MESSAGES = 50
NEWEST_MESSAGES = Prepared(
    lambda room_id: (
        QuerySet(model=Message)
        .filter(room_id=room_id, status=Message.Status.VISIBLE)
        .select_related("author", "reply_to__author")
        .order_by("-id")[: PAGE_MESSAGES + 1]
    )
)


def messages_before(
    room: Room, before_id: int | None, *, limit: int, hidden_authors=frozenset()
) -> tuple[list[Message], bool]:
    """The `limit` newest messages older than `before_id`, oldest first, and
    whether there are more. Messages by `hidden_authors` (blocked) are left out."""
    if before_id is None and not hidden_authors and limit == PAGE_MESSAGES:
        rows = _with_reactions(NEWEST_MESSAGES.all(room.pk))
        return list(reversed(rows[:limit])), len(rows) > limit
    qs = Message.objects.visible().filter(room=room)
    if hidden_authors:
        qs = qs.exclude(author_id__in=hidden_authors)
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    rows = list(qs.for_frames().order_by("-id")[: limit + 1])
    has_more = len(rows) > limit
    return list(reversed(rows[:limit])), has_more


@dataclass
class DirectoryRoom:
    """A room as the directory and the home page list it. Not a Room
    instance: for a directory of a hundred rooms, building model objects
    took several times as long as the query itself."""

    pk: int
    slug: str
    name: str
    kind: str
    description: str
    member_count: int
    last_message_at: datetime | None
    my_membership_id: int | None  # None unless an active member
    unread: int  # 0 unless an active member

    def get_absolute_url(self) -> str:
        return reverse("groups:room", args=[self.slug])

    def get_kind_display(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


KIND_LABELS = dict(Room.Kind.choices)


def directory_rooms(user) -> list[DirectoryRoom]:
    """Rooms for the directory with the member's membership, unread count
    (0 in rooms they are not an active member of) and last activity, in one
    query."""
    return [DirectoryRoom(*row) for row in _directory(user)]


def my_rooms(user) -> list[DirectoryRoom]:
    """directory_rooms, only those the member is an active member of (the
    directory's and the home page's "Your rooms"), in one query."""
    return [DirectoryRoom(*row) for row in _directory(user, joined=True)]


def rooms_to_join(user, text: str = ""):
    """The directory's rooms the member is not in (rows for DirectoryRoom,
    no unread count to read), those whose name or description holds `text`
    if given, in the directory's order: a queryset, for a Paginator."""
    rooms = _directory(user, joined=False)
    if text:
        rooms = rooms.filter(Q(name__icontains=text) | Q(description__icontains=text))
    return rooms


def _unread_from_others(user):
    """Subquery: the visible messages of the outer room (OuterRef "pk") after
    the outer row's `my_last_read`, not by `user`."""
    return (
        Message.objects.filter(
            room=OuterRef("pk"),
            id__gt=OuterRef("my_last_read"),
            status=Message.Status.VISIBLE,
            deleted_at__isnull=True,
        )
        .exclude(author=user)
        .order_by()
        .values("room")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )


def _directory(user, joined: bool | None = None):
    mine = Membership.objects.filter(room=OuterRef("pk"), user=user)
    active = mine.filter(left_at__isnull=True)
    # Direct conversations are listed on the Messages page, by the other's name.
    rooms = Room.objects.visible_to(user).exclude(kind=Room.Kind.DIRECT)
    if joined is False:
        # Not an active member: no membership to show and nothing unread.
        rooms = rooms.exclude(Exists(active)).annotate(
            my_membership_id=Value(None, output_field=IntegerField()), unread=Value(0)
        )
    else:
        if joined:
            rooms = rooms.filter(Exists(active))
        rooms = rooms.annotate(
            my_membership_id=Subquery(active.values("pk")[:1]),
            my_last_read=Coalesce(Subquery(mine.values("last_read_message_id")[:1]), 0),
        ).annotate(
            # Only an active member's card shows the unread badge; counting a
            # room's history for everyone else was most of the query's work.
            unread=Case(
                When(my_membership_id__isnull=False, then=Coalesce(Subquery(_unread_from_others(user)), 0)),
                default=0,
            )
        )
    rooms = rooms.order_by("kind", "name", "pk").values_list(*(f.name for f in fields(DirectoryRoom)))
    return rooms if permissions.may_chat(user) else rooms.none()


# --- Two-person conversations -----------------------------------------------------------


@dataclass
class Conversation:
    """One of the member's two-person conversations as the Messages page lists it."""

    pk: int
    slug: str
    name: str
    kind: str
    last_message_at: datetime | None
    is_locked: bool
    other_name: str | None  # the other member's display name (direct conversations)
    unread: int

    @property
    def title(self) -> str:
        if self.kind == Room.Kind.DIRECT:
            return self.other_name or FORMER_MEMBER["display_name"]
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:room", args=[self.slug])

    def get_kind_display(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def conversations(user) -> list[Conversation]:
    """The member's direct, mentorship and support conversations, most recent
    first, with the other member's name and the unread count, in one query."""
    if not permissions.can_use_direct_messages(user):
        return []
    mine = Membership.objects.filter(room=OuterRef("pk"), user=user, left_at__isnull=True)
    other = (
        Membership.objects.filter(room=OuterRef("pk"), left_at__isnull=True)
        .exclude(user=user)
        .order_by("joined_at", "pk")
        .values("user__display_name")[:1]
    )
    rows = (
        Room.objects.filter(kind__in=Room.MEMBERS_ONLY)
        .filter(Exists(mine))
        .annotate(my_last_read=Subquery(mine.values("last_read_message_id")[:1]))
        .annotate(other_name=Subquery(other), unread=Coalesce(Subquery(_unread_from_others(user)), 0))
        .order_by(F("last_message_at").desc(nulls_last=True), "-pk")
        .values_list(*(f.name for f in fields(Conversation)))
    )
    return [Conversation(*row) for row in rows]


def conversation_title(room: Room, user) -> str:
    """What a member calls a conversation: the other member's name for a
    direct one (the room row names nobody), else the room's name."""
    if room.kind != Room.Kind.DIRECT:
        return room.name
    other = Membership.objects.filter(room=room).exclude(user_id=user.pk).select_related("user").order_by("pk").first()
    return other.user.display_name if other is not None and other.user else FORMER_MEMBER["display_name"]


REPORT_CONTEXT = 10


def report_context(report) -> list[Message]:
    """The reported message and the REPORT_CONTEXT messages before it in its
    room, oldest first: what a moderator may read of a two-person
    conversation, and nothing more."""
    before = list(
        Message.objects.filter(room_id=report.message.room_id, id__lt=report.message_id, status=Message.Status.VISIBLE)
        .select_related("author")
        .order_by("-id")[:REPORT_CONTEXT]
    )
    message = Message.objects.select_related("author").get(pk=report.message_id)
    return [*reversed(before), message]
