"""Every change to rooms, memberships, messages and reactions.

The WebSocket consumer, the views, the admin and the demo seeder all call
these. Each one re-checks permission, validates, writes, and only then
broadcasts — after commit — so a frame never announces something a client
could not read back.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

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

from . import crisis, detector, markup, permissions, ratelimit
from .models import (
    REACTIONS,
    Block,
    CrisisAlert,
    Membership,
    Mention,
    Message,
    ModeratorDuty,
    Reaction,
    Report,
    Room,
    Sanction,
)
from .queries import message_dict

_LINK = re.compile(r"https?://|www\.|\[[^\]]*\]\(", re.IGNORECASE)


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
    # Lets each socket hide messages from members its user has blocked.
    event["author_id"] = message.author_id
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
        .exclude(blocks_made__blocked=author)
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
    if reply_to_id is not None and not is_message_id(reply_to_id):
        raise ChatError("invalid", "reply_to must be a message id.")

    existing = Message.objects.for_frames().filter(author=author, client_id=client_uuid).first()
    if existing is not None:
        return PostResult(existing, created=False)

    with transaction.atomic():
        # Messages of one room are inserted one at a time (a row lock on the
        # room, held to commit), so within a room ids commit in id order: a
        # client resuming with ?after=<highest id seen> can never skip a
        # lower id that committed later.
        Room.objects.select_for_update().filter(pk=room.pk).values_list("pk", flat=True).first()
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
        watched = detector.watched_matches(body) if not moderator else {}
        if watched.get("block"):
            raise ChatError(
                "watched_word",
                f"This community doesn't allow “{watched['block'][0]}”. Please rephrase your message.",
            )
        hold = bool(watched.get("hold")) or (not moderator and _is_new_member(author) and _LINK.search(body))
        mentioned = {} if hold else _mentioned_members(room, body, author)
        level = detector.classify(body)
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
                    status=Message.Status.HELD if hold else Message.Status.VISIBLE,
                )
        except IntegrityError:
            # A concurrent send of the same client_id won the race.
            stored = Message.objects.for_frames().filter(author=author, client_id=client_uuid).first()
            if stored is None:
                raise
            return PostResult(stored, created=False)
        message.author = author
        message.room = room
        private_frames = []
        if level == crisis.CRISIS:
            # A person in crisis is never silenced: even a held message
            # raises the alert and shows its author the resources.
            private_frames.append({"type": "crisis.resources", "resources": crisis_resources()})
            open_crisis_alert(member=author, room=room, message=message, source=CrisisAlert.Source.MESSAGE)
        if hold:
            _notify_moderators(
                room, Notification.Kind.REPORT, f"A message in {room.name} is waiting for review.", "/moderation/"
            )
            private_frames.append({"type": "message.held", "message": message_dict(message)})
            return PostResult(message, created=True, private_frames=private_frames)
        if watched.get("flag"):
            Report.objects.create(
                message=message,
                reporter=None,
                reason=Report.Reason.WATCHED_WORD,
                note=f"Flagged words: {', '.join(watched['flag'])}",
            )
            _notify_moderators(
                room, Notification.Kind.REPORT, f"A message in {room.name} was flagged for review.", "/moderation/"
            )
        now = message.created_at
        Room.objects.filter(pk=room.pk).update(last_message_at=now)
        if membership is not None:
            Membership.objects.filter(pk=membership.pk).update(
                last_read_message_id=Greatest(F("last_read_message_id"), message.pk)
            )
        for member in mentioned.values():
            Mention.objects.create(message=message, user=member)
            notify(
                recipient=member,
                kind=Notification.Kind.MENTION,
                text=f"{author.display_name} mentioned you in {room.name}",
                url=message.get_absolute_url(),
            )
        broadcast_on_commit(room.group_name, _message_event(message))
    return PostResult(message, created=True, private_frames=private_frames)


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
        message = Message.objects.for_frames().get(pk=message.pk)
        from .queries import reactions_summary

        frame = {"type": "reaction", "id": message.pk, "room": room.slug, "reactions": reactions_summary(message)}
        broadcast_on_commit(room.group_name, frame_event(frame))
    return message


def mark_read(*, member: User, room: Room, message_id) -> int:
    """Move the member's read marker forward (never back)."""
    if not is_message_id(message_id):
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
def add_member_to_room(*, room: Room, member: User) -> Membership | None:
    """Add a member on their behalf, for another app's reason (going to a
    meetup invites you to its discussion room). Never re-admits someone
    banned from the room. Returns None when nothing was done."""
    membership = permissions.get_membership(member, room)
    if membership is not None and (membership.is_active or membership.is_banned):
        return None
    if room.kind not in (Room.Kind.TOPIC, Room.Kind.PRIVATE) or not member.is_active or member.is_suspended:
        return None
    return _activate_membership(member, room)


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


# --- Blocks ------------------------------------------------------------------------


@transaction.atomic
def block_member(*, member: User, other: User) -> Block:
    """Hide `other`'s messages from `member` and stop their mentions reaching them.
    Side effect: the member's open sockets reconnect to pick up the new list."""
    if other.pk == member.pk:
        raise ValidationError("You cannot block yourself.")
    if not permissions.can_block(member, other):
        raise PermissionDenied
    block, _ = Block.objects.get_or_create(blocker=member, blocked=other)
    force_disconnect_on_commit(member.pk, code=4000)
    return block


@transaction.atomic
def unblock_member(*, member: User, other: User) -> None:
    Block.objects.filter(blocker=member, blocked=other).delete()
    force_disconnect_on_commit(member.pk, code=4000)


# --- Reports and the review queue ----------------------------------------------------


@transaction.atomic
def report_message(*, reporter: User, room: Room, message_id, reason: str, note: str = "") -> Report:
    """Report a message to moderators. The reported member never learns who
    reported. Side effects: `report` notifications to the room's and site
    moderators; a "worried about this person" report opens a crisis alert."""
    membership = permissions.get_membership(reporter, room)
    if not permissions.can_read_room(reporter, room, membership):
        raise ChatError("forbidden", DENIAL_DETAIL["forbidden"])
    message = _get_message(room, message_id)
    if not isinstance(reason, str) or reason not in Report.Reason.values or reason == Report.Reason.WATCHED_WORD:
        raise ChatError("invalid", "Choose a reason for the report.")
    if reason == Report.Reason.OTHER and not note.strip():
        raise ChatError("invalid", "Please say a few words about what is wrong.")
    if message.author_id == reporter.pk:
        raise ChatError("invalid", "You cannot report your own message.")
    existing = Report.objects.filter(message=message, reporter=reporter, status__in=["open", "claimed"]).first()
    if existing is not None:
        return existing
    # Each report pages every moderator of the room: a burst of reports must
    # not become a way to flood them.
    wait = ratelimit.hit(f"report:{reporter.pk}", limit=10, window=600)
    if wait:
        raise ChatError(
            "rate_limited", "You've sent a lot of reports. Moderators are on it; try again later.", retry_after=wait
        )
    report = Report.objects.create(message=message, reporter=reporter, reason=reason, note=note.strip()[:1000])
    _notify_moderators(
        room, Notification.Kind.REPORT, f"New report in {room.name}: {report.get_reason_display()}", "/moderation/"
    )
    if reason == Report.Reason.WORRIED and message.author is not None:
        open_crisis_alert(member=message.author, room=room, message=message, source=CrisisAlert.Source.REPORT)
    return report


def _get_report_for_moderator(moderator: User, report: Report) -> Report:
    if not permissions.reports_visible_to(moderator).filter(pk=report.pk).exists():
        raise PermissionDenied
    return Report.objects.select_for_update(of=("self",)).select_related("message__room").get(pk=report.pk)


@transaction.atomic
def claim_report(*, moderator: User, report: Report) -> Report:
    report = _get_report_for_moderator(moderator, report)
    if not report.is_open:
        raise ValidationError("This report was already handled.")
    report.status = Report.Status.CLAIMED
    report.claimed_by = moderator
    report.save(update_fields=["status", "claimed_by"])
    record_audit(actor=moderator, action="report.claim", target=report)
    return report


@transaction.atomic
def close_report(*, moderator: User, report: Report, note: str, dismiss: bool = False) -> Report:
    """Resolve or dismiss a report with a note. Side effect: the reporter is
    told it was handled (not how, and not by whom)."""
    report = _get_report_for_moderator(moderator, report)
    if not report.is_open:
        raise ValidationError("This report was already handled.")
    report.status = Report.Status.DISMISSED if dismiss else Report.Status.RESOLVED
    report.handled_by = moderator
    report.handled_at = timezone.now()
    report.resolution_note = note.strip()[:1000]
    report.save(update_fields=["status", "handled_by", "handled_at", "resolution_note"])
    record_audit(
        actor=moderator,
        action="report.dismiss" if dismiss else "report.resolve",
        target=report,
        details={"note": report.resolution_note},
    )
    if report.reporter is not None:
        notify(
            recipient=report.reporter,
            kind=Notification.Kind.REPORT_HANDLED,
            text="Thank you — a moderator has handled the message you reported.",
        )
    return report


@transaction.atomic
def approve_held_message(*, moderator: User, message: Message) -> Message:
    """Release a held message into the room. Side effect: `message` broadcast.

    The released message gets a new id at the end of the room (same
    client_id, same text): its old id is lower than what reconnecting clients
    have already seen, and `?after=` would never deliver it."""
    held = Message.objects.select_for_update(of=("self",)).select_related("room", "author").get(pk=message.pk)
    room = held.room
    if not permissions.can_moderate_room(moderator, room, permissions.get_membership(moderator, room)):
        raise PermissionDenied
    if held.status != Message.Status.HELD:
        raise ValidationError("This message is not waiting for review.")
    Room.objects.select_for_update().filter(pk=room.pk).values_list("pk", flat=True).first()
    fields = {
        "room": room,
        "author": held.author,
        "client_id": held.client_id,
        "body": held.body,
        "html": held.html,
        "content_note": held.content_note,
        "reply_to_id": held.reply_to_id,
        "crisis_level": held.crisis_level,
    }
    held_id = held.pk
    held.delete()
    released = Message.objects.create(**fields, status=Message.Status.VISIBLE)
    Room.objects.filter(pk=room.pk).update(last_message_at=released.created_at)
    record_audit(
        actor=moderator, action="message.approve", target=released, details={"room": room.slug, "held_id": held_id}
    )
    released = Message.objects.for_frames().get(pk=released.pk)
    broadcast_on_commit(room.group_name, _message_event(released))
    return released


@transaction.atomic
def reject_held_message(*, moderator: User, message: Message, note: str = "") -> Message:
    """Keep a held message out of the room. Side effect: its author is told, with the note."""
    message = Message.objects.select_for_update(of=("self",)).select_related("room", "author").get(pk=message.pk)
    if not permissions.can_moderate_room(moderator, message.room, permissions.get_membership(moderator, message.room)):
        raise PermissionDenied
    if message.status != Message.Status.HELD:
        raise ValidationError("This message is not waiting for review.")
    message.status = Message.Status.REJECTED
    message.delete_reason = note.strip()[:300]
    message.save(update_fields=["status", "delete_reason"])
    record_audit(actor=moderator, action="message.reject", target=message, details={"note": message.delete_reason})
    if message.author is not None:
        notify(
            recipient=message.author,
            kind=Notification.Kind.GENERAL,
            text=f"A moderator did not approve your message in {message.room.name}."
            + (f" Note: {message.delete_reason}" if message.delete_reason else ""),
            url=message.room.get_absolute_url(),
        )
    return message


# --- Sanctions ladder ----------------------------------------------------------------


def _require_moderator(moderator: User, room: Room | None) -> None:
    if room is None:
        if not is_site_moderator(moderator):
            raise PermissionDenied
    elif not permissions.can_moderate_room(moderator, room, permissions.get_membership(moderator, room)):
        raise PermissionDenied


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give a reason: it is kept in the member's history.")
    return reason[:1000]


def _sanctionable(moderator: User, member: User) -> None:
    if member.pk == moderator.pk:
        raise ValidationError("You cannot sanction yourself.")
    if is_site_moderator(member) and not permissions.is_staff(moderator):
        raise PermissionDenied


@transaction.atomic
def warn_member(*, moderator: User, member: User, room: Room | None, reason: str) -> Sanction:
    """A private warning: only the member (and moderators) see it."""
    _require_moderator(moderator, room)
    _sanctionable(moderator, member)
    reason = _require_reason(reason)
    sanction = Sanction.objects.create(
        member=member, room=room, kind=Sanction.Kind.WARNING, reason=reason, created_by=moderator
    )
    record_audit(
        actor=moderator, action="member.warn", target=member, details={"room": room and room.slug, "reason": reason}
    )
    notify(
        recipient=member,
        kind=Notification.Kind.GENERAL,
        text=f"A moderator sent you a private warning{f' about {room.name}' if room else ''}: {reason}",
    )
    return sanction


@transaction.atomic
def mute_member(*, moderator: User, member: User, room: Room, minutes: int, reason: str) -> Sanction:
    """Mute in one room for `minutes` (1 minute to 30 days): the member reads
    but gets `muted` with the end time when posting."""
    _require_moderator(moderator, room)
    _sanctionable(moderator, member)
    reason = _require_reason(reason)
    if not isinstance(minutes, int) or not 1 <= minutes <= 60 * 24 * 30:
        raise ValidationError("A mute lasts from 1 minute to 30 days.")
    membership = Membership.objects.select_for_update().filter(room=room, user=member, left_at__isnull=True).first()
    if membership is None:
        raise ValidationError("That member is not in this room.")
    ends = timezone.now() + timedelta(minutes=minutes)
    membership.muted_until = ends
    membership.save(update_fields=["muted_until"])
    sanction = Sanction.objects.create(
        member=member, room=room, kind=Sanction.Kind.MUTE, reason=reason, ends_at=ends, created_by=moderator
    )
    record_audit(
        actor=moderator,
        action="member.mute",
        target=member,
        details={"room": room.slug, "minutes": minutes, "reason": reason},
    )
    notify(
        recipient=member,
        kind=Notification.Kind.GENERAL,
        text=f"You are muted in {room.name} until {timezone.localtime(ends):%b %d %H:%M}. Reason: {reason}",
        url=room.get_absolute_url(),
    )
    return sanction


@transaction.atomic
def ban_member(*, moderator: User, member: User, room: Room, reason: str, days: int | None = None) -> Sanction:
    """Ban from a room, for `days` or permanently. Side effect: the member's
    sockets in the room close at once."""
    _require_moderator(moderator, room)
    _sanctionable(moderator, member)
    reason = _require_reason(reason)
    if days is not None and (not isinstance(days, int) or not 1 <= days <= 3650):
        raise ValidationError("A timed ban lasts from 1 day to 10 years; leave it empty for permanent.")
    membership, _ = Membership.objects.select_for_update().get_or_create(room=room, user=member)
    ends = timezone.now() + timedelta(days=days) if days else None
    membership.banned_until = ends
    membership.banned_permanently = days is None
    membership.save(update_fields=["banned_until", "banned_permanently"])
    sanction = Sanction.objects.create(
        member=member, room=room, kind=Sanction.Kind.BAN, reason=reason, ends_at=ends, created_by=moderator
    )
    record_audit(
        actor=moderator, action="member.ban", target=member, details={"room": room.slug, "days": days, "reason": reason}
    )
    force_disconnect_on_commit(member.pk, code=4403, room=room.slug)
    return sanction


@transaction.atomic
def suspend_member(*, staff: User, member: User, reason: str) -> Sanction:
    """Suspend from the whole site (staff). Side effects: every session of the
    member ends and every socket closes."""
    if not permissions.is_staff(staff):
        raise PermissionDenied
    _sanctionable(staff, member)
    reason = _require_reason(reason)
    User.objects.filter(pk=member.pk).update(suspended_at=timezone.now(), suspension_reason=reason)
    sanction = Sanction.objects.create(member=member, kind=Sanction.Kind.SUSPENSION, reason=reason, created_by=staff)
    record_audit(actor=staff, action="member.suspend", target=member, details={"reason": reason})
    _end_sessions(member)
    force_disconnect_on_commit(member.pk, code=4401)
    return sanction


def _end_sessions(member: User) -> None:
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session

    keys = list(UserSession.objects.filter(user=member).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=member).delete()


@transaction.atomic
def lift_sanction(*, moderator: User, sanction: Sanction, reason: str) -> Sanction:
    """Lift a mute, ban or suspension early; recorded like the sanction itself."""
    sanction = Sanction.objects.select_for_update(of=("self",)).select_related("member", "room").get(pk=sanction.pk)
    if sanction.kind == Sanction.Kind.SUSPENSION:
        if not permissions.is_staff(moderator):
            raise PermissionDenied
    else:
        _require_moderator(moderator, sanction.room)
    if not sanction.is_active:
        raise ValidationError("This sanction is no longer in force.")
    reason = _require_reason(reason)
    sanction.lifted_at = timezone.now()
    sanction.lifted_by = moderator
    sanction.lift_reason = reason
    sanction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    if sanction.kind == Sanction.Kind.MUTE:
        Membership.objects.filter(room=sanction.room, user=sanction.member).update(muted_until=None)
    elif sanction.kind == Sanction.Kind.BAN:
        Membership.objects.filter(room=sanction.room, user=sanction.member).update(
            banned_until=None, banned_permanently=False
        )
    elif sanction.kind == Sanction.Kind.SUSPENSION:
        User.objects.filter(pk=sanction.member_id).update(suspended_at=None, suspension_reason="")
    record_audit(
        actor=moderator,
        action=f"member.{sanction.kind}.lift",
        target=sanction.member,
        details={"room": sanction.room.slug if sanction.room else None, "reason": reason},
    )
    return sanction


# --- Room controls --------------------------------------------------------------------


def _room_event(room: Room) -> None:
    frame = {
        "type": "room.updated",
        "room": {
            "slug": room.slug,
            "is_locked": room.is_locked,
            "slow_mode_seconds": room.slow_mode_seconds,
        },
    }
    broadcast_on_commit(room.group_name, frame_event(frame))


@transaction.atomic
def update_room_settings(
    *, moderator: User, room: Room, is_locked: bool, slow_mode_seconds: int, guidelines: str, description: str
) -> Room:
    """Lock/unlock, slow mode, guidelines and description, as one audited change.
    Side effect: `room.updated` to the room's sockets."""
    _require_moderator(moderator, room)
    if not isinstance(slow_mode_seconds, int) or not 0 <= slow_mode_seconds <= 3600:
        raise ValidationError("Slow mode is from 0 (off) to 3,600 seconds.")
    room = Room.objects.select_for_update().get(pk=room.pk)
    before = {
        "is_locked": room.is_locked,
        "slow_mode_seconds": room.slow_mode_seconds,
        "guidelines_changed": False,
        "description_changed": False,
    }
    changes = {
        "is_locked": is_locked != room.is_locked,
        "slow_mode_seconds": slow_mode_seconds != room.slow_mode_seconds,
        "guidelines_changed": guidelines.strip() != room.guidelines.strip(),
        "description_changed": description.strip() != room.description.strip(),
    }
    room.is_locked = is_locked
    room.slow_mode_seconds = slow_mode_seconds
    room.guidelines = guidelines.strip()
    room.description = description.strip()[:300]
    room.save(update_fields=["is_locked", "slow_mode_seconds", "guidelines", "description"])
    if changes["guidelines_changed"]:
        # Everyone reads the new guidelines before their next post.
        Membership.objects.filter(room=room).update(accepted_guidelines_at=None)
    record_audit(
        actor=moderator,
        action="room.settings",
        target=room,
        details={
            "before": before,
            "after": {"is_locked": is_locked, "slow_mode_seconds": slow_mode_seconds},
            "changed": [k for k, v in changes.items() if v],
        },
    )
    _room_event(room)
    return room


@transaction.atomic
def pin_message(*, moderator: User, room: Room, message_id: int | None) -> Room:
    _require_moderator(moderator, room)
    message = None
    if message_id is not None:
        message = Message.objects.visible().filter(room=room, pk=message_id, deleted_at__isnull=True).first()
        if message is None:
            raise ValidationError("That message is not in this room.")
    Room.objects.filter(pk=room.pk).update(pinned_message=message)
    record_audit(
        actor=moderator, action="room.pin" if message else "room.unpin", target=room, details={"message": message_id}
    )
    return Room.objects.get(pk=room.pk)


@transaction.atomic
def set_room_moderator(*, staff: User, room: Room, member: User, is_moderator: bool) -> Membership:
    """Appoint or stand down a room moderator (staff)."""
    if not permissions.is_staff(staff):
        raise PermissionDenied
    membership = _activate_membership(member, room)
    membership.role = Membership.Role.MODERATOR if is_moderator else Membership.Role.MEMBER
    membership.save(update_fields=["role"])
    record_audit(
        actor=staff,
        action="room.moderator.appoint" if is_moderator else "room.moderator.remove",
        target=room,
        details={"member": member.pk},
    )
    force_disconnect_on_commit(member.pk, code=4000, room=room.slug)
    return membership


# --- Watched words and crisis phrases (staff) ------------------------------------------


@transaction.atomic
def add_watched_word(*, staff: User, word: str, action: str):
    from .models import WatchedWord

    if not permissions.is_staff(staff):
        raise PermissionDenied
    word = " ".join(word.split()).lower()
    if not word or action not in WatchedWord.Action.values:
        raise ValidationError("Give a word and what to do with it.")
    if WatchedWord.objects.filter(word=word).exists():
        raise ValidationError("That word is already watched.")
    row = WatchedWord.objects.create(word=word, action=action, created_by=staff)
    record_audit(actor=staff, action="watched_word.add", target=row, details={"action": action})
    transaction.on_commit(detector.forget_lists)
    return row


@transaction.atomic
def remove_watched_word(*, staff: User, word) -> None:
    if not permissions.is_staff(staff):
        raise PermissionDenied
    record_audit(actor=staff, action="watched_word.remove", details={"word": word.word})
    word.delete()
    transaction.on_commit(detector.forget_lists)


@transaction.atomic
def add_crisis_phrase(*, staff: User, phrase: str, level: str):
    from .models import CrisisPhrase

    if not permissions.is_staff(staff):
        raise PermissionDenied
    phrase = " ".join(phrase.split()).lower()
    if not phrase or level not in CrisisPhrase.Level.values:
        raise ValidationError("Give a phrase and its level.")
    if CrisisPhrase.objects.filter(phrase=phrase).exists():
        raise ValidationError("That phrase is already on the list.")
    row = CrisisPhrase.objects.create(phrase=phrase, level=level)
    record_audit(actor=staff, action="crisis_phrase.add", target=row, details={"level": level})
    transaction.on_commit(detector.forget_lists)
    return row


@transaction.atomic
def remove_crisis_phrase(*, staff: User, phrase) -> None:
    if not permissions.is_staff(staff):
        raise PermissionDenied
    record_audit(actor=staff, action="crisis_phrase.remove", details={"phrase": phrase.phrase})
    phrase.delete()
    transaction.on_commit(detector.forget_lists)


# --- The crisis loop -------------------------------------------------------------------


@transaction.atomic
def set_duty(*, moderator: User, on_duty: bool) -> ModeratorDuty:
    if not is_site_moderator(moderator):
        raise PermissionDenied
    duty, _ = ModeratorDuty.objects.update_or_create(
        moderator=moderator, defaults={"on_duty": on_duty, "changed_at": timezone.now()}
    )
    record_audit(actor=moderator, action="duty.on" if on_duty else "duty.off", target=moderator)
    return duty


def on_duty_moderators():
    on_duty = site_moderators().filter(duty__on_duty=True)
    # Nobody on duty: every moderator is alerted, so no alert goes unseen.
    return list(on_duty) or list(site_moderators())


def open_crisis_alert(*, member: User, room: Room | None, message: Message | None, source: str) -> CrisisAlert:
    """Open (or reuse) an alert for a member who may be in crisis.

    One open alert per member: a second crisis message adds to it rather than
    paging everyone again. Side effects: `crisis_alert` notifications (live
    and by email) to on-duty moderators; escalation is scheduled.
    """
    existing = CrisisAlert.objects.filter(member=member, status=CrisisAlert.Status.OPEN).first()
    if existing is not None:
        return existing
    alert = CrisisAlert.objects.create(member=member, room=room, message=message, source=source)
    where = f" in {room.name}" if room else ""
    url = f"/moderation/crisis/#alert-{alert.pk}"
    notify_many(
        recipients=on_duty_moderators(),
        kind=Notification.Kind.CRISIS_ALERT,
        text=f"{member.display_name}{where} may be in crisis ({alert.get_source_display().lower()}). "
        "Please acknowledge and check in.",
        url=url,
    )
    from .tasks import escalate_crisis_alert

    transaction.on_commit(lambda: _schedule_escalation(escalate_crisis_alert, alert.pk))
    return alert


def _schedule_escalation(task, alert_id: int) -> None:
    minutes = getattr(settings, "CRISIS_ESCALATE_MINUTES", 10)
    backend = task.get_backend()
    if backend.supports_defer:
        task.using(run_after=timezone.now() + timedelta(minutes=minutes)).enqueue(alert_id)
    # Without deferred tasks (the immediate backend in tests), the periodic
    # `escalate_crisis_alerts` command is the safety net.


@transaction.atomic
def escalate_if_unacknowledged(*, alert_id: int, now=None) -> bool:
    """Escalate an alert nobody acknowledged in time to every moderator and staff."""
    now = now or timezone.now()
    minutes = getattr(settings, "CRISIS_ESCALATE_MINUTES", 10)
    alert = (
        CrisisAlert.objects.select_for_update(of=("self",)).select_related("member", "room").filter(pk=alert_id).first()
    )
    if alert is None or alert.status != CrisisAlert.Status.OPEN or alert.escalated_at is not None:
        return False
    if alert.created_at > now - timedelta(minutes=minutes):
        return False
    alert.escalated_at = now
    alert.save(update_fields=["escalated_at"])
    name = alert.member.display_name if alert.member else "A member"
    notify_many(
        recipients=site_moderators(),
        kind=Notification.Kind.CRISIS_ALERT,
        text=f"Escalated: nobody has acknowledged the crisis alert for {name} after {minutes} minutes.",
        url=f"/moderation/crisis/#alert-{alert.pk}",
    )
    record_audit(actor=None, action="crisis_alert.escalate", target=alert)
    return True


@transaction.atomic
def acknowledge_alert(*, moderator: User, alert: CrisisAlert) -> CrisisAlert:
    if not is_site_moderator(moderator):
        raise PermissionDenied
    alert = CrisisAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != CrisisAlert.Status.OPEN:
        raise ValidationError(f"Already acknowledged by {alert.acknowledged_by or 'a moderator'}.")
    alert.status = CrisisAlert.Status.ACKNOWLEDGED
    alert.acknowledged_by = moderator
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    record_audit(actor=moderator, action="crisis_alert.acknowledge", target=alert)
    return alert


@transaction.atomic
def record_follow_up(*, moderator: User, alert: CrisisAlert, note: str, resolve: bool) -> CrisisAlert:
    """Add a follow-up note (and close the alert when the member is safe)."""
    if not is_site_moderator(moderator):
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise ValidationError("Write what you did to follow up.")
    alert = CrisisAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == CrisisAlert.Status.OPEN:
        raise ValidationError("Acknowledge the alert first.")
    stamp = f"{timezone.localtime():%Y-%m-%d %H:%M} {moderator.display_name}: {note}"
    alert.follow_up = (alert.follow_up + "\n" + stamp).strip()
    fields = ["follow_up"]
    if resolve:
        alert.status = CrisisAlert.Status.RESOLVED
        alert.resolved_at = timezone.now()
        fields += ["status", "resolved_at"]
    alert.save(update_fields=fields)
    record_audit(actor=moderator, action="crisis_alert.follow_up", target=alert, details={"resolved": resolve})
    return alert


@transaction.atomic
def request_moderator(*, member: User, room: Room | None) -> CrisisAlert:
    """ "Talk to a moderator now" from the crisis card: a person, not a link."""
    if room is not None and not permissions.can_read_room(member, room, permissions.get_membership(member, room)):
        room = None
    return open_crisis_alert(member=member, room=room, message=None, source=CrisisAlert.Source.REQUEST)
