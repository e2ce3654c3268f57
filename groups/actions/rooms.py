"""Rooms, memberships and blocks."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from community.actions import notify, record_audit
from community.models import Cohort, Notification, User
from community.permissions import is_site_moderator
from community.realtime import broadcast_on_commit, force_disconnect_on_commit, user_group

from .. import permissions
from ..models import (
    Block,
    Membership,
    Room,
)
from .common import member_frame_on_commit, posting_frame

# --- Rooms and memberships -------------------------------------------------------


def _activate_membership(member: User, room: Room, *, role: str = Membership.Role.MEMBER) -> Membership:
    if not permissions.on_its_side(member, room):
        # Families & friends rooms are for families, every other room for
        # alumni: no invitation or appointment puts anyone across.
        raise ValidationError("That member cannot be added to this room.")
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
    """Leave a room. Side effect: the member's sockets in it close. Leaving a
    direct conversation closes it for both: the other member's open page
    hears that it is closed (the same words as after a block)."""
    membership = permissions.get_membership(member, room)
    if not permissions.can_leave_room(member, room, membership):
        raise PermissionDenied
    membership.left_at = timezone.now()
    membership.save(update_fields=["left_at"])
    Room.objects.filter(pk=room.pk).update(member_count=F("member_count") - 1)
    force_disconnect_on_commit(member.pk, code=4403, room=room.slug)
    if room.kind == Room.Kind.DIRECT:
        for other in Membership.objects.filter(room=room, left_at__isnull=True).select_related("user"):
            member_frame_on_commit(other.user_id, room, posting_frame(other.user, room, other))


@transaction.atomic
def add_member_to_room(*, room: Room, member: User) -> Membership | None:
    """Add a member on their behalf, for another app's reason (going to a
    meetup invites you to its discussion room). Never re-admits someone
    banned from the room. Returns None when nothing was done."""
    membership = permissions.get_membership(member, room)
    if membership is not None and (membership.is_active or membership.is_banned):
        return None
    if room.kind not in (Room.Kind.TOPIC, Room.Kind.PRIVATE, Room.Kind.FAMILY):
        return None
    if not member.is_active or member.is_suspended:
        return None
    if not permissions.on_its_side(member, room):
        return None  # a family room is for families; every other room for alumni
    return _activate_membership(member, room)


@transaction.atomic
def accept_guidelines(*, member: User, room: Room, seen_version: int | None = None) -> Membership:
    """Accept the room's guidelines. `seen_version` is the room's settings
    number the page showed (`posting.guidelines_version`): guidelines that a
    moderator changed since then are not accepted unseen (nothing changes; the
    caller shows the new text)."""
    membership = permissions.get_membership(member, room)
    if membership is None or not membership.is_active:
        raise PermissionDenied
    if seen_version is not None and seen_version < room.settings_change:
        return membership
    if membership.accepted_guidelines_at is None:
        membership.accepted_guidelines_at = timezone.now()
        membership.save(update_fields=["accepted_guidelines_at"])
    return membership


def join_default_rooms(*, member: User) -> None:
    """Put a member into every default room and their cohort's room (a
    family member: the default Families & friends rooms, and nothing else)."""
    if member.role == User.Role.FAMILY:
        for room in Room.objects.filter(is_default=True, kind=Room.Kind.FAMILY):
            _activate_membership(member, room)
        return
    for room in Room.objects.filter(is_default=True).exclude(kind__in=[Room.Kind.STAFF, Room.Kind.FAMILY]):
        _activate_membership(member, room)
    if member.cohort_id:
        room = Room.objects.filter(kind=Room.Kind.COHORT, cohort_id=member.cohort_id).first()
        if room is not None:
            _activate_membership(member, room)
    if is_site_moderator(member):
        for room in Room.objects.filter(kind=Room.Kind.STAFF):
            _activate_membership(member, room)


CREATABLE_KINDS = (Room.Kind.TOPIC, Room.Kind.PRIVATE, Room.Kind.STAFF, Room.Kind.FAMILY)


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
    elif kind not in CREATABLE_KINDS or not permissions.can_create_room(creator):
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
        # A default room gains its own side only: families a family room,
        # alumni every other room.
        side = User.objects.filter(is_active=True).exclude(pk=creator.pk)
        side = side.filter(role=User.Role.FAMILY) if kind == Room.Kind.FAMILY else side.exclude(role=User.Role.FAMILY)
        for member in side:
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
    _blocks_changed(member, other, blocked=True)
    return block


@transaction.atomic
def unblock_member(*, member: User, other: User) -> None:
    Block.objects.filter(blocker=member, blocked=other).delete()
    _blocks_changed(member, other, blocked=False)


def _blocks_changed(member: User, other: User, *, blocked: bool) -> None:
    """The member's open room sockets update their filter at once and tell
    the page, which hides (or stops hiding) the other member's messages."""
    broadcast_on_commit(user_group(member.pk), {"type": "blocks_changed", "user_id": other.pk, "blocked": blocked})
    # A block closes the pair's direct conversation (and unblocking reopens
    # it): both open pages hear whether they may post, in the same words.
    room = permissions.direct_room_between(member, other)
    if room is not None:
        for user in (member, other):
            membership = permissions.get_membership(user, room)
            member_frame_on_commit(user.pk, room, posting_frame(user, room, membership))
