"""Every "may this user do this" rule for rooms and messages.

HTTP views and the WebSocket consumer ask the same functions. Access helpers
raise Http404 for both "missing" and "not yours", so a room's existence never
leaks to someone who may not see it.
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import timezone

from community.models import Notification, User
from community.permissions import is_active_member, is_family, is_site_moderator, is_staff, mfa_setup_missing
from community.prepared import Prepared, PreparedFamily

from .models import Block, DirectRequest, Membership, Message, Report, Room, Sanction


def may_chat(user) -> bool:
    """The floor for rooms: an active member of the alumni side, or a family
    member (who only ever sees Families & friends rooms, can_see_room)."""
    return is_active_member(user) or is_family(user)


def on_its_side(member, room: Room) -> bool:
    """May `member` hold a membership in `room` at all? A family member only in
    Families & friends rooms, alumni in every other room; site moderators and
    staff anywhere. Every way into a room (join, invite, appointment, a
    meetup's room, defaults) goes through this (groups.actions.rooms)."""
    if member.role in (User.Role.MODERATOR, User.Role.STAFF):
        return True
    return (room.kind == Room.Kind.FAMILY) == (member.role == User.Role.FAMILY)


# Read on every page of a room and every socket frame: SQL compiled once per
# thread (community.prepared), the rows the querysets in the comments give.
MEMBERSHIP = Prepared(  # Membership.objects.filter(room=room, user=user).first()
    lambda room_id, user_id: Membership.objects.filter(room_id=room_id, user_id=user_id).order_by("pk")[:1]
)
ROOM_FOR_READER = Prepared(  # Room.objects.filter(slug=slug).select_related(...).first()
    lambda slug: Room.objects.filter(slug=slug).select_related("cohort", "pinned_message__author").order_by("pk")[:1],
    args=(str,),
)
ROOM_FOR_VIEWER = Prepared(
    lambda slug: Room.objects.filter(slug=slug).select_related("cohort").order_by("pk")[:1], args=(str,)
)


def get_membership(user, room: Room) -> Membership | None:
    if not may_chat(user):
        return None
    return MEMBERSHIP.first(room.pk, user.pk)


def _active(membership: Membership | None) -> Membership | None:
    return membership if membership is not None and membership.is_active else None


def is_banned_from(membership: Membership | None) -> bool:
    return membership is not None and membership.is_banned


def can_see_room(user, room: Room, membership: Membership | None) -> bool:
    """May the room appear to this user at all (directory, page)?"""
    if not may_chat(user) or is_banned_from(membership):
        return False
    if is_family(user):
        return room.kind == Room.Kind.FAMILY
    if room.kind in Room.MEMBERS_ONLY:
        return _active(membership) is not None
    if is_site_moderator(user):
        return True
    if room.kind == Room.Kind.TOPIC:
        return True
    if room.kind == Room.Kind.COHORT:
        return user.cohort_id is not None and user.cohort_id == room.cohort_id
    if room.kind == Room.Kind.PRIVATE:
        return _active(membership) is not None
    return False  # staff rooms and family rooms: site moderators only, handled above


def can_join_room(user, room: Room, membership: Membership | None) -> bool:
    if not can_see_room(user, room, membership) or _active(membership) is not None:
        return False
    if room.kind in (Room.Kind.TOPIC, Room.Kind.COHORT):
        return True
    if room.kind == Room.Kind.FAMILY:
        return is_family(user)
    return room.kind == Room.Kind.STAFF and is_site_moderator(user)


def can_leave_room(user, room: Room, membership: Membership | None) -> bool:
    # Leaving a direct conversation closes it for both (direct_closed); a
    # new request, accepted, opens it again.
    return _active(membership) is not None and room.kind != Room.Kind.MENTORSHIP


def can_read_room(user, room: Room, membership: Membership | None) -> bool:
    """Open the room page and its socket: active members, and site moderators
    everywhere they may see (they moderate without joining)."""
    if not can_see_room(user, room, membership):
        return False
    return _active(membership) is not None or (is_site_moderator(user) and room.kind not in Room.MEMBERS_ONLY)


def can_moderate_room(user, room: Room, membership: Membership | None) -> bool:
    if not may_chat(user):
        return False
    if is_site_moderator(user) and room.kind not in Room.MEMBERS_ONLY:
        return True
    membership = _active(membership)
    return (
        membership is not None
        and membership.role == Membership.Role.MODERATOR
        and not membership.is_banned
        # An appointment never outranks the sides: a room moderator must be
        # someone who may see the room at all.
        and can_see_room(user, room, membership)
    )


def needs_guidelines(user, room: Room, membership: Membership | None) -> bool:
    return (
        bool(room.guidelines.strip())
        and (membership is None or membership.accepted_guidelines_at is None)
        and not can_moderate_room(user, room, membership)
    )


def post_denial(user, room: Room, membership: Membership | None) -> str | None:
    """Why this user may not post here now (an error code), or None if they may."""
    if is_banned_from(membership):
        return "banned"
    if not can_read_room(user, room, membership):
        return "forbidden"
    if room.kind == Room.Kind.DIRECT and direct_closed(user, room):
        return "closed"
    moderator = can_moderate_room(user, room, membership)
    if room.is_locked and not moderator:
        return "locked"
    if membership is not None and membership.is_muted and not moderator:
        return "muted"
    if needs_guidelines(user, room, membership):
        return "guidelines"
    return None


def can_post(user, room: Room, membership: Membership | None) -> bool:
    return post_denial(user, room, membership) is None


def can_edit_message(user, message: Message) -> bool:
    return (
        may_chat(user)
        and message.author_id == user.pk
        and message.deleted_at is None
        and message.status == Message.Status.VISIBLE
    )


def can_delete_message(user, message: Message, membership: Membership | None) -> bool:
    if not may_chat(user) or message.deleted_at is not None:
        return False
    return message.author_id == user.pk or can_moderate_room(user, message.room, membership)


def can_react(user, room: Room, membership: Membership | None) -> bool:
    return (
        can_read_room(user, room, membership)
        and not is_banned_from(membership)
        and not (room.is_locked and not can_moderate_room(user, room, membership))
        and not (room.kind == Room.Kind.DIRECT and direct_closed(user, room))
    )


def can_create_room(user) -> bool:
    return is_site_moderator(user)


def can_create_cohort_room(user) -> bool:
    return is_staff(user)


def can_invite_to_room(user, room: Room, membership: Membership | None) -> bool:
    return room.kind == Room.Kind.PRIVATE and can_moderate_room(user, room, membership)


def get_room_for_reader_or_404(user, slug: str) -> tuple[Room, Membership | None]:
    room = ROOM_FOR_READER.first(slug) if isinstance(slug, str) else None
    membership = get_membership(user, room) if room is not None else None
    if room is None or not can_read_room(user, room, membership):
        raise Http404("No such room.")
    return room, membership


def get_room_for_viewer_or_404(user, slug: str) -> tuple[Room, Membership | None]:
    room = ROOM_FOR_VIEWER.first(slug) if isinstance(slug, str) else None
    membership = get_membership(user, room) if room is not None else None
    if room is None or not can_see_room(user, room, membership):
        raise Http404("No such room.")
    return room, membership


def mute_remaining(membership: Membership) -> str | None:
    if membership.muted_until and membership.muted_until > timezone.now():
        return membership.muted_until.isoformat()
    return None


def can_block(user, other) -> bool:
    """Members may block other members, but not moderators or staff: a person
    in crisis must always be reachable by the people whose job is to help."""
    return may_chat(user) and other.pk != user.pk and not is_site_moderator(other)


def get_member_to_block_or_404(user, member_id) -> User:
    """Someone this member can already see: listed in the directory, in a room
    with them, or blocked by them (to unblock). Any other id is missing, so the
    block form tells nothing about accounts one could not see anyway."""
    if not may_chat(user) or not str(member_id).isdigit():
        raise Http404("No such member.")
    other = User.objects.filter(pk=member_id, is_active=True).exclude(pk=user.pk).first()
    if other is None:
        raise Http404("No such member.")
    shared_room = Membership.objects.filter(user=other, left_at__isnull=True, room__in=readable_rooms(user)).exists()
    listed = other.in_directory and is_active_member(user) and other.role != User.Role.FAMILY
    if not (listed or shared_room or Block.objects.filter(blocker=user, blocked=other).exists()):
        raise Http404("No such member.")
    return other


def can_use_review_queue(user) -> bool:
    if is_site_moderator(user):
        return True
    return (
        is_active_member(user)
        and Membership.objects.filter(user=user, role=Membership.Role.MODERATOR, left_at__isnull=True).exists()
    )


def moderated_rooms(user):
    """Rooms whose reports, held messages and log this user may see."""
    if is_site_moderator(user):
        return Room.objects.exclude(kind__in=Room.MEMBERS_ONLY)
    if not is_active_member(user):
        return Room.objects.none()
    return Room.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.MODERATOR, memberships__left_at__isnull=True
    ).exclude(kind__in=Room.MEMBERS_ONLY)


def get_member_for_moderator_or_404(user, member_id) -> User:
    """A member whose moderation history this user may open: anyone for a
    site moderator; for a room moderator, only people in a room they moderate.
    Everyone else — and every id that is not such a member — gets 404."""
    member = User.objects.filter(pk=member_id).first() if str(member_id).isdigit() else None
    if member is None or not can_use_review_queue(user):
        raise Http404("No such member.")
    if is_site_moderator(user):
        return member
    if not Membership.objects.filter(user=member, room__in=moderated_rooms(user)).exists():
        raise Http404("No such member.")
    return member


def sanctions_visible_to(user, member=None):
    """Sanctions this user may read: every one for a site moderator; for a
    room moderator, only those given in the rooms they moderate (a site-wide
    warning or suspension is not theirs to see)."""
    qs = Sanction.objects.all() if is_site_moderator(user) else Sanction.objects.filter(room__in=moderated_rooms(user))
    if not can_use_review_queue(user):
        qs = Sanction.objects.none()
    return qs.filter(member=member) if member is not None else qs


def can_view_crisis_dashboard(user) -> bool:
    return is_site_moderator(user)


def can_handle_crisis_alert(user) -> bool:
    """Acknowledge, follow up, label, and join the support conversation."""
    return is_site_moderator(user)


def can_request_moderator(user) -> bool:
    """Any active member, and any family member, may ask for a person, from any page."""
    return may_chat(user)


def can_manage_word_lists(user) -> bool:
    return is_staff(user)


def can_suspend(user) -> bool:
    return is_staff(user)


def can_appoint_room_moderators(user) -> bool:
    return is_staff(user)


def reports_visible_to(user):
    """Reports this user may handle: those in rooms they moderate, plus — for
    site moderators — reports from private mentorship rooms, the only way a
    moderator ever sees a message there."""
    rooms = moderated_rooms(user)
    if is_site_moderator(user):
        return Report.objects.filter(Q(message__room__in=rooms) | Q(message__room__kind__in=Room.MEMBERS_ONLY))
    return Report.objects.filter(message__room__in=rooms)


def readable_rooms(user):
    """The rooms whose messages this user may read, as a queryset — the set
    form of can_read_room (used by search): active, unbanned members, and site
    moderators everywhere but mentorship rooms."""
    if not may_chat(user):
        return Room.objects.none()
    rooms = Room.objects.visible_to(user)
    if is_site_moderator(user):
        member_of = Membership.objects.filter(room=OuterRef("pk"), user=user, left_at__isnull=True)
        return rooms.filter(~Q(kind__in=Room.MEMBERS_ONLY) | Exists(member_of))
    now = timezone.now()
    readable = Membership.objects.filter(
        room=OuterRef("pk"), user=user, left_at__isnull=True, banned_permanently=False
    ).filter(Q(banned_until__isnull=True) | Q(banned_until__lte=now))
    return rooms.filter(Exists(readable))


# --- Direct messages ------------------------------------------------------------------
#
# A direct conversation is a two-person room (Room.Kind.DIRECT, members only)
# that exists because its recipient consented: the first message from someone
# new is a DirectRequest until accepted. Moderators and staff may open one
# at once with a member whose setting allows moderators (their outreach to a
# member who chose "nobody" is the support room opened from a crisis alert).
# Either member may close a conversation by leaving it. Family members, and
# suspended or deactivated accounts, have none (is_active_member).

DIRECT_REQUEST_COOLDOWN = timedelta(days=30)


def pair_key(a, b) -> str:
    """The pair's key on its direct room: the same whoever asks."""
    low, high = sorted((a.pk, b.pk))
    return f"{low}:{high}"


def is_blocked_between(user, other) -> bool:
    """A block in either direction: it hides requests and stops a conversation."""
    return Block.objects.filter(Q(blocker=user, blocked=other) | Q(blocker=other, blocked=user)).exists()


def _open_mentorship_room_shared(user, other):
    """An unlocked mentorship room both are active members of: their mentorship
    is live (the mentorship app locks the room when it ends)."""
    theirs = Membership.objects.filter(user=other, left_at__isnull=True).values("room_id")
    return Membership.objects.filter(
        user=user, left_at__isnull=True, room__kind=Room.Kind.MENTORSHIP, room__is_locked=False, room_id__in=theirs
    )


def is_mentorship_pair(user, other) -> bool:
    return _open_mentorship_room_shared(user, other).exists()


def shares_a_room(user, other) -> bool:
    """Both are active, unbanned members of one group room (a topic, cohort,
    private or staff room; not another two-person conversation)."""
    return other.pk in _sharing_rooms(user, [other.pk])


def can_use_direct_messages(user) -> bool:
    return is_active_member(user)


def can_request_direct(user, target) -> bool:
    """May `user` ask `target` for a conversation (or, a moderator, open one)?

    The target's "who may message me" setting decides: nobody (moderators and
    staff included: their way to a member in crisis is the support room of an
    alert); their mentor or mentee (a live mentorship), and moderators; or
    anyone they share a group room with (mentors and moderators included). A
    block in either direction, or an account that is suspended, deactivated
    or on the families' side, means no."""
    if not is_active_member(user) or target is None or not is_active_member(target) or user.pk == target.pk:
        return False
    if is_blocked_between(user, target):
        return False
    setting = target.direct_messages_from
    if setting == User.DirectMessages.NOBODY:
        return False
    if is_site_moderator(user):
        return True
    if setting == User.DirectMessages.MENTORS:
        return is_mentorship_pair(user, target)
    if setting == User.DirectMessages.SHARED_ROOM:
        return is_mentorship_pair(user, target) or shares_a_room(user, target)
    return False


def opens_directly(user) -> bool:
    """Moderators and staff open a conversation at once (where
    can_request_direct lets them); members ask first."""
    return is_site_moderator(user)


def direct_room_between(user, other) -> Room | None:
    return Room.objects.filter(kind=Room.Kind.DIRECT, pair_key=pair_key(user, other)).first()


def both_in_direct_room(user, room: Room | None) -> bool:
    """Both members are still in the pair's conversation: what one writes to
    the other goes there. Once either has closed it (left), the next first
    message is a request again, whoever writes it."""
    if room is None:
        return False
    active = Membership.objects.filter(room=room, left_at__isnull=True)
    return active.filter(user_id=user.pk).exists() and active.exclude(user_id=user.pk).exists()


def direct_closed(user, room: Room) -> bool:
    """Nobody posts in a direct conversation whose other member is gone (left,
    erased, suspended) or when either has blocked the other. The same answer
    for both sides: it never says who blocked whom."""
    other = (
        Membership.objects.filter(room=room, left_at__isnull=True)
        .exclude(user_id=user.pk)
        .select_related("user")
        .first()
    )
    if other is None or not is_active_member(other.user):
        return True
    return is_blocked_between(user, other.user)


# direct_targets' reads, compiled once per thread for lists padded to a
# power of two (community.prepared): the room page asks them for every author
# on screen, and building them through the ORM was a third of its time.
BLOCKS_WITH = PreparedFamily(
    lambda user_id, *others: Block.objects.filter(
        Q(blocker_id=user_id, blocked_id__in=others) | Q(blocked_id=user_id, blocker_id__in=others)
    ).values_list("blocker_id", "blocked_id"),
    lead=(int,),
    pad=True,
)
OPEN_CONVERSATIONS = PreparedFamily(
    lambda *keys: Room.objects.filter(kind=Room.Kind.DIRECT, pair_key__in=keys, is_locked=False).values_list(
        "pair_key", flat=True
    ),
    item=str,
    pad=True,
)
MENTORSHIP_PARTNERS = PreparedFamily(  # among the ids: in a live mentorship room with the user
    lambda user_id, *others: Membership.objects.filter(
        room_id__in=Membership.objects.filter(
            user_id=user_id, left_at__isnull=True, room__kind=Room.Kind.MENTORSHIP, room__is_locked=False
        ).values("room_id"),
        user_id__in=others,
        left_at__isnull=True,
    ).values_list("user_id", flat=True),
    lead=(int,),
    pad=True,
)


def _unbanned_now():
    # The database's clock, not timezone.now() as the other ban checks: a
    # compiled statement takes no datetime parameter, and the two clocks are
    # the same machine's or NTP-synchronised (SQLite: the same process).
    return Q(banned_permanently=False) & (Q(banned_until__isnull=True) | Q(banned_until__lte=Now()))


SHARING_GROUP_ROOMS = PreparedFamily(  # among the ids: in a group room with the user, neither banned
    lambda user_id, *others: (
        Membership.objects.filter(
            _unbanned_now(),
            user_id__in=others,
            room_id__in=Membership.objects.filter(
                _unbanned_now(),
                user_id=user_id,
                left_at__isnull=True,
                room__kind__in=[Room.Kind.TOPIC, Room.Kind.COHORT, Room.Kind.PRIVATE, Room.Kind.STAFF],
            ).values("room_id"),
            left_at__isnull=True,
        )
        .values_list("user_id", flat=True)
        .distinct()
    ),
    lead=(int,),
    pad=True,
)


def direct_targets(user, others) -> set[int]:
    """The ids among `others` (members) this user may message now: an open
    conversation with them, or a request they would accept. The set form of
    can_request_direct, in a fixed number of queries (the room page asks it
    for every author on screen)."""
    others = {o.pk: o for o in others if o is not None and o.pk != user.pk and is_active_member(o)}
    if not others or not is_active_member(user):
        return set()
    blocked = {pk for pair in BLOCKS_WITH.all(sorted(others), user.pk) for pk in pair}
    candidates = {pk: o for pk, o in others.items() if pk not in blocked}
    if not candidates:
        return set()
    keys = {pair_key(user, o): pk for pk, o in candidates.items()}
    allowed = {keys[key] for key in OPEN_CONVERSATIONS.all(sorted(keys))}
    if is_site_moderator(user):
        return allowed | {pk for pk, o in candidates.items() if o.direct_messages_from != User.DirectMessages.NOBODY}
    asking = {pk: o for pk, o in candidates.items() if pk not in allowed}
    if any(o.direct_messages_from != User.DirectMessages.NOBODY for o in asking.values()):
        mentors = set(MENTORSHIP_PARTNERS.all(sorted(asking), user.pk))
        allowed |= {pk for pk in mentors if asking[pk].direct_messages_from != User.DirectMessages.NOBODY}
        open_to_rooms = [pk for pk, o in asking.items() if o.direct_messages_from == User.DirectMessages.SHARED_ROOM]
        if open_to_rooms:
            allowed |= _sharing_rooms(user, open_to_rooms)
    return allowed


def _sharing_rooms(user, member_ids) -> set[int]:
    """The ids among `member_ids` who share a group room with `user` (one query)."""
    return set(SHARING_GROUP_ROOMS.all(sorted(member_ids), user.pk))


def push_still_allowed(notification) -> bool:
    """May a queued `dm` or `dm_request` push still go (community.push asks
    as it sends)? Only if what it is about still reaches the recipient now:
    the request still waits for them (visible_direct_requests: no block
    either way, the sender not erased, suspended or deactivated), or they
    are still in the conversation and it is not closed (direct_closed: a
    block either way, the other member gone). Other kinds, and one that
    names no page (not made by the direct-message code): yes."""
    if notification.kind not in (Notification.Kind.DM, Notification.Kind.DM_REQUEST) or not notification.url:
        return True
    recipient = notification.recipient
    path, _, anchor = notification.url.partition("#")
    try:
        match = resolve(path.partition("?")[0])
    except Resolver404:
        return False
    if notification.kind == Notification.Kind.DM_REQUEST:
        waiting = visible_direct_requests(recipient)
        request_id = anchor.removeprefix("request-")
        if request_id.isdigit():
            waiting = waiting.filter(pk=request_id)
        return waiting.exists()
    room = Room.objects.filter(slug=match.kwargs.get("slug", ""), kind__in=Room.MEMBERS_ONLY).first()
    if room is None or _active(get_membership(recipient, room)) is None:
        return False
    return room.kind != Room.Kind.DIRECT or not direct_closed(recipient, room)


def get_direct_request_for_recipient_or_404(user, request_id):
    """A request waiting for this member's answer. Someone else's, a decided
    one, an expired one and one hidden by a block are all missing."""
    request = visible_direct_requests(user).filter(pk=request_id).select_related("sender").first()
    if request is None:
        raise Http404("No such request.")
    return request


def visible_direct_requests(user):
    """Requests waiting for this member: pending, younger than the cool-down,
    from an account that may still use direct messages, with no block between."""
    if not can_use_direct_messages(user):
        return DirectRequest.objects.none()
    blocks = Block.objects.filter(
        Q(blocker=user, blocked=OuterRef("sender")) | Q(blocker=OuterRef("sender"), blocked=user)
    )
    return (
        DirectRequest.objects.filter(
            recipient=user,
            status=DirectRequest.Status.PENDING,
            created_at__gt=timezone.now() - DIRECT_REQUEST_COOLDOWN,
            sender__is_active=True,
            sender__suspended_at__isnull=True,
        )
        .exclude(sender__role=User.Role.FAMILY)
        .filter(~Exists(blocks))
    )


def can_see_report_context(user, report: Report) -> bool:
    """A report from a two-person conversation shows site moderators the
    reported message and the ten before it — the only way they ever read one."""
    return reports_visible_to(user).filter(pk=report.pk).exists()


def socket_may_read(user, room: Room, membership: Membership | None) -> bool:
    """Whether a chat socket of `user` may read `room` (`membership`: the
    user's in it, or None). A moderator held on the MFA set-up page over HTTP
    reads nothing here either."""
    if mfa_setup_missing(user) or not may_chat(user):
        return False
    return can_read_room(user, room, membership)
