"""Helpers shared by the chat actions: message frames, the may-post check,
body and client-id validation, rate limits and who the moderators are."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from community import ratelimit
from community.actions import notify_many
from community.models import User
from community.realtime import broadcast_on_commit, frame_event, user_group

from .. import permissions
from ..errors import DENIAL_DETAIL, ChatError
from ..models import (
    Membership,
    Message,
    Room,
)
from ..queries import message_dict, room_state

_LINK = re.compile(r"https?://|www\.|\[[^\]]*\]\(", re.IGNORECASE)


@dataclass
class PostResult:
    message: Message
    created: bool
    # Frames for the sender's own socket only (the crisis resource card).
    private_frames: list[dict] = field(default_factory=list)


def _message_event(message: Message, frame_type: str = "message") -> dict:
    event = frame_event({"type": frame_type, "message": message_dict(message)})
    if frame_type == "message":
        # Lets a resuming socket drop the live copy of a message it already
        # sent from the backlog.
        event["message_id"] = message.pk
        event["message_seq"] = message.seq
    # Lets each socket hide messages from members its user has blocked.
    event["author_id"] = message.author_id
    return event


def member_frame_on_commit(user_id: int, room: Room, frame: dict) -> None:
    """Send a frame, after commit, to one member's sockets in one room only
    (their mute started or ended): it travels on the member's own group, and
    sockets of other rooms and the notification socket ignore it."""
    broadcast_on_commit(user_group(user_id), {**frame_event(frame), "only_room": room.slug})


def posting_frame(user: User, room: Room, membership: Membership | None) -> dict:
    """Whether this member may post here now, as the `posting` frame tells the
    page (so its composer changes at once, instead of a send failing)."""
    denial = permissions.post_denial(user, room, membership)
    frame = {"type": "posting", "room": room.slug, "denial": denial, "detail": DENIAL_DETAIL.get(denial, "")}
    if denial == "muted":
        frame["until"] = membership.muted_until.isoformat()
    if denial == "guidelines":
        frame["guidelines"] = room.guidelines
        frame["guidelines_version"] = room.settings_change
    return frame


def _deny(user, room, membership) -> None:
    code = permissions.post_denial(user, room, membership)
    if code is None:
        return
    extra = {}
    if code == "muted":
        extra["until"] = permissions.mute_remaining(membership)
    raise ChatError(code, DENIAL_DETAIL[code], **extra)


def _clean_body(body) -> str:
    if not isinstance(body, str):
        raise ChatError("invalid", "The message body must be text.")
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ChatError("invalid", "A message cannot be empty.")
    if len(body) > settings.MESSAGE_MAX_LENGTH:
        raise ChatError(
            "too_long",
            f"Messages can be up to {settings.MESSAGE_MAX_LENGTH:,} characters; this one has {len(body):,}.",
        )
    return body


def _parse_client_id(client_id) -> uuid.UUID:
    try:
        return uuid.UUID(str(client_id))
    except (ValueError, TypeError, AttributeError):
        raise ChatError("invalid", "client_id must be a UUID.") from None


def send_rate_batch(authors: list[User]) -> ratelimit.Batch:
    """The send limit of a batch of sends by `authors` (one each, in order),
    counted in one round trip: prepare_post's `send_hit` for the i-th is
    `partial(batch.hit, i)`; settle the batch before storing."""
    burst = settings.RATE_LIMIT_BURST
    return ratelimit.Batch(
        [f"send:{author.pk}" for author in authors], limit=burst, window=burst / settings.RATE_LIMIT_PER_SECOND
    )


def _check_rate(author: User, room: Room, moderator: bool, send_hit=None) -> None:
    """The author's send limit (counted by `send_hit()` when given, a
    send_rate_batch's turn for this send) and the room's slow mode."""
    if send_hit is None:
        burst = settings.RATE_LIMIT_BURST
        wait = ratelimit.hit(f"send:{author.pk}", limit=burst, window=burst / settings.RATE_LIMIT_PER_SECOND)
    else:
        wait = send_hit()
    if wait:
        raise ChatError(
            "rate_limited", "You're sending messages quickly. Take a breath and try again.", retry_after=wait
        )
    if room.slow_mode_seconds and not moderator:
        wait = ratelimit.hit(f"slow:{room.pk}:{author.pk}", limit=1, window=room.slow_mode_seconds)
        if wait:
            raise ChatError(
                "rate_limited",
                f"Slow mode is on: one message every {room.slow_mode_seconds} seconds.",
                retry_after=wait,
            )


def _refund_rate(author: User, room: Room, moderator: bool) -> None:
    """Give back what _check_rate counted for a send that stored nothing new."""
    burst = settings.RATE_LIMIT_BURST
    ratelimit.refund(f"send:{author.pk}", window=burst / settings.RATE_LIMIT_PER_SECOND)
    if room.slow_mode_seconds and not moderator:
        ratelimit.refund(f"slow:{room.pk}:{author.pk}", window=room.slow_mode_seconds)


def _is_new_member(user: User) -> bool:
    days = getattr(settings, "NEW_MEMBER_HOLD_DAYS", 7)
    return days > 0 and user.date_joined > timezone.now() - timedelta(days=days)


def site_moderators():
    return User.objects.filter(
        role__in=[User.Role.MODERATOR, User.Role.STAFF], is_active=True, suspended_at__isnull=True
    )


def _notify_moderators(room: Room | None, kind: str, text: str, url: str) -> None:
    """Site moderators and the room's own moderators."""
    recipients = {u.pk: u for u in site_moderators()}
    if room is not None:
        for membership in Membership.objects.filter(
            room=room, role=Membership.Role.MODERATOR, left_at__isnull=True
        ).select_related("user"):
            recipients.setdefault(membership.user_id, membership.user)
    notify_many(recipients=recipients.values(), kind=kind, text=text, url=url)


MAX_ID = 2**63 - 1


def is_message_id(value) -> bool:
    """A whole number a database id can be (64-bit, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def _get_message(room: Room, message_id) -> Message:
    if not is_message_id(message_id):
        raise ChatError("invalid", "id must be a message id.")
    message = Message.objects.for_frames().filter(room=room, pk=message_id).first()
    if message is None or message.status != Message.Status.VISIBLE:
        raise ChatError("not_found", "That message does not exist.")
    return message


def _next(room: Room, counter: str) -> int:
    """Advance one of the room's counters (`last_seq` or `last_change`) and
    return the new value. Takes the room's row lock, held to commit: the
    numbers are handed out in commit order, so a client that has seen N has
    seen everything below N."""
    value = Room.objects.select_for_update().filter(pk=room.pk).values_list(counter, flat=True).first() + 1
    Room.objects.filter(pk=room.pk).update(**{counter: value})
    return value


def next_seq(room: Room) -> int:
    return _next(room, "last_seq")


def next_change(room: Room) -> int:
    return _next(room, "last_change")


def room_settings_changed(room: Room, *, guidelines_changed: bool = False) -> None:
    """A room setting changed: it takes the next change number (so a client
    that was offline gets the room's state on resume) and every socket hears
    the new state now. `guidelines_changed` tells open pages that members must
    accept the new guidelines before their next message."""
    change = next_change(room)
    Room.objects.filter(pk=room.pk).update(settings_change=change)
    room = Room.objects.select_related("pinned_message__author").get(pk=room.pk)
    frame = {"type": "room.updated", "room": room_state(room), "change": change}
    if guidelines_changed:
        frame["guidelines_changed"] = True
    broadcast_on_commit(room.group_name, frame_event(frame))
