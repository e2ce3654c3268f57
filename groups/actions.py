"""Every change to rooms, memberships, messages and reactions.

The WebSocket consumer, the views, the admin and the demo seeder all call
these. Each one re-checks permission, validates, writes, and only then
broadcasts — after commit — so a frame never announces something a client
could not read back.
"""

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.text import slugify

from community.actions import notify, notify_many, record_audit
from community.models import Cohort, Notification, User
from community.permissions import is_site_moderator
from community.queries import crisis_resources
from community.realtime import broadcast_on_commit, force_disconnect_on_commit, frame_event

from . import crisis, markup, permissions, ratelimit
from .models import REACTIONS, Membership, Mention, Message, Reaction, Room
from .queries import message_dict


class ChatError(Exception):
    """A refusal the client is told about: becomes an `error` frame."""

    def __init__(self, code: str, detail: str, **extra):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


DENIAL_DETAIL = {
    "forbidden": "You are not a member of this room.",
    "banned": "You are banned from this room.",
    "locked": "This room is read-only right now.",
    "muted": "You are muted in this room.",
    "guidelines": "Please read and accept the room guidelines before your first message.",
}


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
    return event


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


def _check_rate(author: User, room: Room, moderator: bool) -> None:
    burst = settings.RATE_LIMIT_BURST
    wait = ratelimit.hit(f"send:{author.pk}", limit=burst, window=burst / settings.RATE_LIMIT_PER_SECOND)
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


def _mentioned_members(room: Room, body: str, author: User) -> dict[str, User]:
    if "@" not in body:
        return {}
    lowered = body.lower()
    found = {}
    members = (
        User.objects.filter(memberships__room=room, memberships__left_at__isnull=True, is_active=True)
        .exclude(pk=author.pk)
        .only("id", "display_name", "email_notification_kinds", "email")
    )
    for member in members:
        name = member.display_name.lower()
        if "@" + name in lowered:
            found[name] = member
    return found


def post_message(*, author: User, room: Room, body, client_id, reply_to_id=None, content_note="") -> PostResult:
    """Store a message and broadcast it to the room.

    Re-sending a stored client_id returns the stored message and changes
    nothing. Side effects: room activity time, the author's read marker,
    mention notifications, and for a crisis message the author's resource
    card plus a `crisis_alert` notification to moderators.
    """
    body = _clean_body(body)
    client_uuid = _parse_client_id(client_id)
    if not isinstance(content_note, str) or len(content_note) > 60:
        raise ChatError("invalid", "A content note is text of up to 60 characters.")
    if reply_to_id is not None and (not isinstance(reply_to_id, int) or isinstance(reply_to_id, bool)):
        raise ChatError("invalid", "reply_to must be a message id.")

    existing = Message.objects.for_frames().filter(author=author, client_id=client_uuid).first()
    if existing is not None:
        return PostResult(existing, created=False)

    with transaction.atomic():
        membership = permissions.get_membership(author, room)
        _deny(author, room, membership)
        moderator = permissions.can_moderate_room(author, room, membership)
        _check_rate(author, room, moderator)
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
        mentioned = _mentioned_members(room, body, author)
        level = crisis.classify(body)
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    room=room,
                    author=author,
                    client_id=client_uuid,
                    body=body,
                    html=markup.render(body, mentions={n: m.pk for n, m in mentioned.items()}),
                    content_note=content_note.strip(),
                    reply_to=reply_to,
                    crisis_level=level,
                )
        except IntegrityError:
            # A concurrent send of the same client_id won the race.
            stored = Message.objects.for_frames().filter(author=author, client_id=client_uuid).first()
            if stored is None:
                raise
            return PostResult(stored, created=False)
        now = message.created_at
        Room.objects.filter(pk=room.pk).update(last_message_at=now)
        if membership is not None:
            Membership.objects.filter(pk=membership.pk).update(
                last_read_message_id=Greatest(F("last_read_message_id"), message.pk)
            )
        message.author = author
        message.room = room
        for member in mentioned.values():
            Mention.objects.create(message=message, user=member)
            notify(
                recipient=member,
                kind=Notification.Kind.MENTION,
                text=f"{author.display_name} mentioned you in {room.name}",
                url=message.get_absolute_url(),
            )
        broadcast_on_commit(room.group_name, _message_event(message))
        private_frames = []
        if level == crisis.CRISIS:
            private_frames.append({"type": "crisis.resources", "resources": crisis_resources()})
            _alert_moderators(message)
    return PostResult(message, created=True, private_frames=private_frames)


def _alert_moderators(message: Message) -> None:
    moderators = User.objects.filter(
        role__in=[User.Role.MODERATOR, User.Role.STAFF], is_active=True, suspended_at__isnull=True
    )
    notify_many(
        recipients=moderators,
        kind=Notification.Kind.CRISIS_ALERT,
        text=f"A message in {message.room.name} may show someone in crisis. Please check in.",
        url=message.get_absolute_url(),
    )


def _get_message(room: Room, message_id) -> Message:
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise ChatError("invalid", "id must be a message id.")
    message = Message.objects.for_frames().filter(room=room, pk=message_id).first()
    if message is None or message.status != Message.Status.VISIBLE:
        raise ChatError("not_found", "That message does not exist.")
    return message


def edit_message(*, author: User, room: Room, message_id, body) -> Message:
    """Change the text of one's own message. Side effect: `message.updated`."""
    body = _clean_body(body)
    with transaction.atomic():
        membership = permissions.get_membership(author, room)
        if not permissions.can_read_room(author, room, membership):
            raise ChatError("forbidden", DENIAL_DETAIL["forbidden"])
        message = _get_message(room, message_id)
        if not permissions.can_edit_message(author, message):
            raise ChatError("forbidden", "You can only edit your own messages.")
        if message.body == body:
            return message
        mentioned = _mentioned_members(room, body, author)
        message.body = body
        message.html = markup.render(body, mentions={n: m.pk for n, m in mentioned.items()})
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "html", "edited_at"])
        broadcast_on_commit(room.group_name, _message_event(message, "message.updated"))
    return message


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
        message.save(update_fields=["deleted_at", "deleted_by", "delete_reason"])
        if room.pinned_message_id == message.pk:
            Room.objects.filter(pk=room.pk).update(pinned_message=None)
        if by_moderator:
            record_audit(
                actor=actor,
                action="message.remove",
                target=message,
                details={"room": room.slug, "reason": message.delete_reason},
            )
        frame = {"type": "message.deleted", "id": message.pk, "room": room.slug, "by_moderator": by_moderator}
        broadcast_on_commit(room.group_name, frame_event(frame))
    return message


def toggle_reaction(*, member: User, room: Room, message_id, emoji) -> Message:
    """Add the reaction, or remove it if the member already gave it.
    Side effect: `reaction {id, reactions}` to the room."""
    if emoji not in REACTIONS:
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
        message = Message.objects.for_frames().get(pk=message.pk)
        from .queries import reactions_summary

        frame = {"type": "reaction", "id": message.pk, "room": room.slug, "reactions": reactions_summary(message)}
        broadcast_on_commit(room.group_name, frame_event(frame))
    return message


def mark_read(*, member: User, room: Room, message_id) -> int:
    """Move the member's read marker forward (never back)."""
    if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id < 0:
        raise ChatError("invalid", "id must be a message id.")
    return Membership.objects.filter(room=room, user=member, left_at__isnull=True).update(
        last_read_message_id=Greatest(F("last_read_message_id"), message_id)
    )


# --- Rooms and memberships -------------------------------------------------------


def _activate_membership(member: User, room: Room, *, role: str = Membership.Role.MEMBER) -> Membership:
    membership, created = Membership.objects.get_or_create(room=room, user=member, defaults={"role": role})
    if not created and membership.left_at is not None:
        membership.left_at = None
        membership.joined_at = timezone.now()
        membership.save(update_fields=["left_at", "joined_at"])
        created = True
    if created:
        Room.objects.filter(pk=room.pk).update(member_count=F("member_count") + 1)
    return membership


@transaction.atomic
def join_room(*, member: User, room: Room) -> Membership:
    """Join a topic or cohort room (or the staff room, for moderators)."""
    membership = permissions.get_membership(member, room)
    if not permissions.can_join_room(member, room, membership):
        raise PermissionDenied
    return _activate_membership(member, room)


@transaction.atomic
def leave_room(*, member: User, room: Room) -> None:
    """Leave a room. Side effect: the member's sockets in it close."""
    membership = permissions.get_membership(member, room)
    if not permissions.can_leave_room(member, room, membership):
        raise PermissionDenied
    membership.left_at = timezone.now()
    membership.save(update_fields=["left_at"])
    Room.objects.filter(pk=room.pk).update(member_count=F("member_count") - 1)
    force_disconnect_on_commit(member.pk, code=4403, room=room.slug)


@transaction.atomic
def accept_guidelines(*, member: User, room: Room) -> Membership:
    membership = permissions.get_membership(member, room)
    if membership is None or not membership.is_active:
        raise PermissionDenied
    if membership.accepted_guidelines_at is None:
        membership.accepted_guidelines_at = timezone.now()
        membership.save(update_fields=["accepted_guidelines_at"])
    return membership


def join_default_rooms(*, member: User) -> None:
    """Put a member into every default room and their cohort's room."""
    for room in Room.objects.filter(is_default=True).exclude(kind=Room.Kind.STAFF):
        _activate_membership(member, room)
    if member.cohort_id:
        room = Room.objects.filter(kind=Room.Kind.COHORT, cohort_id=member.cohort_id).first()
        if room is not None:
            _activate_membership(member, room)
    if is_site_moderator(member):
        for room in Room.objects.filter(kind=Room.Kind.STAFF):
            _activate_membership(member, room)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "room"
    slug, n = base, 2
    while Room.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_room(
    *,
    creator: User,
    name: str,
    kind: str = Room.Kind.TOPIC,
    description: str = "",
    guidelines: str = "",
    is_default: bool = False,
    slug: str | None = None,
    cohort: Cohort | None = None,
) -> Room:
    """Create a room; the creator becomes its room moderator.
    Side effects: audit row; default rooms gain every active member."""
    if kind == Room.Kind.COHORT:
        if not permissions.can_create_cohort_room(creator):
            raise PermissionDenied
        if cohort is None:
            raise ValidationError("A cohort room needs a cohort.")
    elif kind not in (Room.Kind.TOPIC, Room.Kind.PRIVATE, Room.Kind.STAFF) or not permissions.can_create_room(creator):
        raise PermissionDenied
    room = Room.objects.create(
        slug=slug or _unique_slug(name),
        name=name,
        kind=kind,
        description=description,
        guidelines=guidelines,
        is_default=is_default,
        cohort=cohort,
        created_by=creator,
    )
    _activate_membership(creator, room, role=Membership.Role.MODERATOR)
    if kind == Room.Kind.COHORT:
        for member in User.objects.filter(cohort=cohort, is_active=True).exclude(pk=creator.pk):
            _activate_membership(member, room)
    elif kind == Room.Kind.STAFF:
        for member in User.objects.filter(role__in=[User.Role.MODERATOR, User.Role.STAFF]).exclude(pk=creator.pk):
            _activate_membership(member, room)
    elif is_default:
        for member in User.objects.filter(is_active=True).exclude(pk=creator.pk):
            _activate_membership(member, room)
    record_audit(actor=creator, action="room.create", target=room, details={"kind": kind})
    return room


@transaction.atomic
def invite_to_private_room(*, moderator: User, room: Room, member: User) -> Membership:
    """Add a member to a private room. Side effect: a notification to them."""
    if not permissions.can_invite_to_room(moderator, room, permissions.get_membership(moderator, room)):
        raise PermissionDenied
    if not member.is_active or member.is_suspended:
        raise ValidationError("That member cannot be added.")
    membership = _activate_membership(member, room)
    record_audit(actor=moderator, action="room.invite", target=room, details={"member": member.pk})
    notify(
        recipient=member,
        kind=Notification.Kind.GENERAL,
        text=f"{moderator.display_name} added you to the private room {room.name}",
        url=room.get_absolute_url(),
    )
    return membership


@transaction.atomic
def create_mentorship_room(*, mentor: User, mentee: User, name: str = "") -> Room:
    """A private two-person room for an active mentorship (called by the
    mentorship app's actions only). Moderators do not see it in the directory."""
    room = Room.objects.create(
        slug=_unique_slug(f"mentorship-{mentor.pk}-{mentee.pk}"),
        name=name or f"{mentor.display_name} & {mentee.display_name}",
        kind=Room.Kind.MENTORSHIP,
        description="A private room for your mentorship.",
    )
    _activate_membership(mentor, room)
    _activate_membership(mentee, room)
    return room


@transaction.atomic
def close_mentorship_room(*, room: Room) -> None:
    """Lock an ended mentorship's room: history stays readable, nobody posts."""
    Room.objects.filter(pk=room.pk, kind=Room.Kind.MENTORSHIP).update(is_locked=True)
