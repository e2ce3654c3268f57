"""Every change to members, invitations, notifications and the audit log.

Views, consumers, tasks, admin and management commands call these; nothing
else saves these models. Each docstring lists the side effects.
"""

from collections.abc import Iterable

from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import permissions
from .models import (
    AuditLog,
    Cohort,
    CrisisResource,
    FocusArea,
    FormerDisplayName,
    Invitation,
    Notification,
    User,
    _invitation_expiry,
    _invitation_token,
)
from .push.tasks import queue_push
from .realtime import (
    broadcast_on_commit,
    close_session_sockets,
    force_disconnect_on_commit,
    frame_event,
    notification_group,
)
from .tasks import send_invitation_email, send_notification_email


def actor_label(user: User | None) -> str:
    """A pseudonymous label for audit rows: survives erasure of the account."""
    if user is None:
        return "system"
    return f"member#{user.pk} ({user.display_name})"


def record_audit(*, actor: User | None, action: str, target=None, details: dict | None = None) -> AuditLog:
    """Append one row to the audit log. Call inside the action's transaction."""
    target_type = target_id = target_label = ""
    if target is not None:
        target_type = target._meta.model_name
        target_id = str(target.pk)
        target_label = str(target)[:200]
    return AuditLog.objects.create(
        actor=actor,
        actor_label=actor_label(actor),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        details=details or {},
    )


# --- Notifications -------------------------------------------------------------


def _store_notification(*, recipient: User, kind: str, text: str, url: str) -> Notification:
    notification = Notification.objects.create(recipient=recipient, kind=kind, text=text[:300], url=url)
    broadcast_on_commit(
        notification_group(recipient.pk),
        frame_event({"type": "notification", "notification": notification.as_event()}),
    )
    urgent = kind in (Notification.Kind.CRISIS_ALERT, Notification.Kind.MODERATOR_REQUEST)
    if urgent or kind in (recipient.email_notification_kinds or []):
        transaction.on_commit(lambda: send_notification_email.enqueue(notification.pk))
    return notification


def notify(*, recipient: User, kind: str, text: str, url: str = "", preview: str = "") -> Notification:
    """Store a notification for one member.

    `preview` is the message's own words, if any: never stored with the
    notification, pushed only to members who turned message previews on.

    Side effects: after commit, pushes it to the member's notification sockets;
    if the member asked for this kind by email, queues an email task; if they
    turned Web Push on for its kind, queues a push (community/push).
    """
    return notify_many(recipients=[recipient], kind=kind, text=text, url=url, preview=preview)[0]


def notify_many(
    *, recipients: Iterable[User], kind: str, text: str, url: str = "", preview: str = ""
) -> list[Notification]:
    """notify() for several members; the push check is one query for all."""
    notifications = [_store_notification(recipient=r, kind=kind, text=text, url=url) for r in recipients]
    # robust: a push that cannot be queued must not fail an action that has
    # already committed (the notification is stored and on its sockets).
    transaction.on_commit(lambda: queue_push(notifications, preview=preview), robust=True)
    return notifications


def mark_notifications_read(*, member: User, ids: list[int] | None = None) -> int:
    """Mark the member's notifications read (all of them when ids is None)."""
    qs = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


# --- Invitations -----------------------------------------------------------------


def _send_invitation_email(invitation: Invitation) -> None:

    transaction.on_commit(lambda: send_invitation_email.enqueue(invitation.pk))


@transaction.atomic
def invite_member(
    *, staff: User, email: str, cohort: Cohort | None = None, role: str = User.Role.ALUMNUS
) -> Invitation:
    """Create an invitation and email its link.

    Raises ValidationError if the address already belongs to a member or
    already has an open invitation. Side effects: audit row, email task.
    """
    if not permissions.can_invite(staff):
        raise PermissionDenied
    email = email.strip().lower()
    if role not in User.Role.values:
        raise ValidationError("Unknown role.")
    if role == User.Role.FAMILY and cohort is not None:
        raise ValidationError("A family member belongs to no cohort: leave the cohort empty.")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("This address already belongs to a member.")
    # An expired invitation would otherwise block a new one forever.
    Invitation.objects.pending().filter(email__iexact=email, expires_at__lte=timezone.now()).update(
        revoked_at=timezone.now()
    )
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(email=email, cohort=cohort, role=role, invited_by=staff)
    except IntegrityError:
        raise ValidationError("This address already has an open invitation; resend it instead.") from None
    invitation.last_sent_at = timezone.now()
    invitation.send_count = 1
    invitation.save(update_fields=["last_sent_at", "send_count"])
    record_audit(
        actor=staff,
        action="invitation.create",
        target=invitation,
        details={"cohort": cohort.slug if cohort else None, "role": role},
    )
    _send_invitation_email(invitation)
    return invitation


@transaction.atomic
def invite_many(*, staff: User, rows: list[tuple[str, Cohort | None]]) -> list[Invitation]:
    """Create invitations for already-validated CSV rows, all or none."""
    if not permissions.can_invite(staff):
        raise PermissionDenied
    invitations = [invite_member(staff=staff, email=email, cohort=cohort) for email, cohort in rows]
    record_audit(actor=staff, action="invitation.bulk", details={"count": len(invitations)})
    return invitations


@transaction.atomic
def resend_invitation(*, staff: User, invitation: Invitation) -> Invitation:
    """Email the link again with a fresh 14-day window and a new token
    (the old link stops working). Side effects: audit row, email task."""
    if not permissions.can_invite(staff):
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("Only an open invitation can be resent.")

    invitation.token = _invitation_token()
    invitation.expires_at = _invitation_expiry()
    invitation.last_sent_at = timezone.now()
    invitation.send_count += 1
    invitation.save(update_fields=["token", "expires_at", "last_sent_at", "send_count"])
    record_audit(actor=staff, action="invitation.resend", target=invitation)
    _send_invitation_email(invitation)
    return invitation


@transaction.atomic
def revoke_invitation(*, staff: User, invitation: Invitation) -> Invitation:
    if not permissions.can_invite(staff):
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("Only an open invitation can be revoked.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record_audit(actor=staff, action="invitation.revoke", target=invitation)
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User, display_name: str) -> User:
    """Turn a freshly signed-up account into a member of the invitation's cohort.

    The row lock makes the link single-use even if it is submitted twice at
    once. The email counts as verified: the link only reached its owner.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError("This invitation link is no longer valid.")
    if invitation.email.lower() != user.email.lower():
        raise ValidationError("This invitation was sent to a different address.")
    user.display_name = display_name
    user.cohort = invitation.cohort
    user.graduation_date = invitation.cohort.graduation_date if invitation.cohort else None
    user.role = invitation.role
    user.is_staff = invitation.role == User.Role.STAFF
    user.save(update_fields=["display_name", "cohort", "graduation_date", "role", "is_staff"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


# --- Members ---------------------------------------------------------------------


@transaction.atomic
def update_profile(*, member: User, changes: dict, focus_areas=None) -> User:
    """Save the member's own profile fields (already validated by the form).

    Side effect: a changed display name is kept as a FormerDisplayName, so
    that erasure finds it in what others received while it was in use."""
    allowed = {
        "display_name",
        "pronouns",
        "bio",
        "time_zone",
        "in_directory",
        "direct_messages_from",
        "email_notification_kinds",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"These fields are not yours to change: {', '.join(sorted(unknown))}")
    if member.role == User.Role.FAMILY and (changes.get("in_directory") or focus_areas):
        raise ValidationError("Family members are not listed in the alumni directory.")
    old_name = User.objects.filter(pk=member.pk).values_list("display_name", flat=True).first()
    if "display_name" in changes and old_name and changes["display_name"] != old_name:
        FormerDisplayName.objects.create(member=member, name=old_name)
    for field, value in changes.items():
        setattr(member, field, value)
    member.full_clean(exclude=["password"])
    try:
        # The savepoint keeps the outer transaction usable when two members
        # race for the same display name and the unique index says no.
        with transaction.atomic():
            member.save(update_fields=list(changes))
    except IntegrityError:
        raise ValidationError({"display_name": "That display name is taken. Try another one."}) from None
    if focus_areas is not None:
        member.focus_areas.set(focus_areas)
    return member


@transaction.atomic
def set_role(*, staff: User, member: User, role: str) -> User:
    """Change a member's role. Side effects: audit row; the member's sockets
    reconnect so that room access is recomputed."""
    if not permissions.can_change_role(staff, member):
        raise PermissionDenied
    if role not in User.Role.values:
        raise ValidationError("Unknown role.")
    old = member.role
    if old == role:
        return member
    if User.Role.FAMILY in (old, role):
        # The two sides hold different things (alumni rooms and data, or a
        # family member's view); moving between them is a new invitation.
        raise ValidationError("A family member's account cannot change sides; invite the person again instead.")
    member.role = role
    member.is_staff = role == User.Role.STAFF
    member.save(update_fields=["role", "is_staff"])
    record_audit(actor=staff, action="member.role", target=member, details={"from": old, "to": role})
    force_disconnect_on_commit(member.pk, code=4000)
    return member


@transaction.atomic
def set_member_cohort(*, staff: User, member: User, cohort: Cohort | None, graduation_date=None) -> User:
    """Move a member to another cohort. Side effects: audit row; every socket
    of the member reconnects (access to cohort rooms is recomputed)."""
    if not permissions.can_manage_cohorts(staff):
        raise PermissionDenied
    if member.role == User.Role.FAMILY and cohort is not None:
        raise ValidationError("A family member belongs to no cohort.")
    old = member.cohort.slug if member.cohort else None
    member.cohort = cohort
    member.graduation_date = graduation_date or (cohort.graduation_date if cohort else None)
    member.save(update_fields=["cohort", "graduation_date"])
    record_audit(
        actor=staff, action="member.cohort", target=member, details={"from": old, "to": cohort.slug if cohort else None}
    )
    # Cohort rooms follow the cohort: every socket reconnects, so the old
    # cohort room's sockets are refused and the new one's open.
    force_disconnect_on_commit(member.pk, code=4000)
    return member


@transaction.atomic
def save_crisis_resources(*, staff: User, resources: list[dict]) -> list[CrisisResource]:
    """Replace the crisis resource list (staff). Side effect: audit row."""
    if not permissions.can_edit_crisis_resources(staff):
        raise PermissionDenied
    CrisisResource.objects.all().delete()
    fields = ("name", "detail", "phone", "sms", "url")
    saved = [
        CrisisResource.objects.create(position=i, **{k: r.get(k, "") for k in fields})
        for i, r in enumerate(resources)
        if r.get("name")
    ]
    record_audit(actor=staff, action="crisis_resources.update", details={"count": len(saved)})
    return saved


# --- Cohorts and focus areas (staff) ----------------------------------------------------

_COHORT_FIELDS = ("name", "slug", "program_track", "graduation_date")


@transaction.atomic
def create_cohort(*, staff: User, name: str, slug: str, program_track: str = "", graduation_date=None) -> Cohort:
    """Add a cohort. Raises ValidationError on a duplicate name or short name.
    Side effect: audit row."""
    if not permissions.can_manage_cohorts(staff):
        raise PermissionDenied
    cohort = Cohort(
        name=name.strip(),
        slug=slug.strip().lower(),
        program_track=program_track.strip(),
        graduation_date=graduation_date,
    )
    cohort.full_clean()
    cohort.save()
    record_audit(actor=staff, action="cohort.create", target=cohort, details={"slug": cohort.slug})
    return cohort


@transaction.atomic
def update_cohort(*, staff: User, cohort: Cohort, changes: dict) -> Cohort:
    """Rename a cohort or change its track or graduation date. Members keep
    their own graduation date (staff set it per member). Side effect: audit row."""
    if not permissions.can_manage_cohorts(staff):
        raise PermissionDenied
    unknown = set(changes) - set(_COHORT_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown cohort fields: {', '.join(sorted(unknown))}")
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    before = {f: str(getattr(cohort, f) or "") for f in changes}
    for field, value in changes.items():
        setattr(cohort, field, value)
    cohort.full_clean()
    cohort.save(update_fields=list(changes))
    after = {f: str(getattr(cohort, f) or "") for f in changes}
    diff = {f: {"from": before[f], "to": after[f]} for f in changes if before[f] != after[f]}
    if diff:
        record_audit(actor=staff, action="cohort.update", target=cohort, details=diff)
    return cohort


@transaction.atomic
def create_focus_area(*, staff: User, name: str, slug: str) -> FocusArea:
    """Add a focus area members can pick. Side effect: audit row."""
    if not permissions.can_manage_focus_areas(staff):
        raise PermissionDenied
    area = FocusArea(name=name.strip(), slug=slug.strip().lower())
    area.full_clean()
    area.save()
    record_audit(actor=staff, action="focus_area.create", target=area, details={"slug": area.slug})
    return area


@transaction.atomic
def rename_focus_area(*, staff: User, area: FocusArea, name: str) -> FocusArea:
    """Rename a focus area (its short name stays). Side effect: audit row."""
    if not permissions.can_manage_focus_areas(staff):
        raise PermissionDenied
    area = FocusArea.objects.select_for_update().get(pk=area.pk)
    old = area.name
    area.name = name.strip()
    area.full_clean()
    area.save(update_fields=["name"])
    if old != area.name:
        record_audit(actor=staff, action="focus_area.rename", target=area, details={"from": old, "to": area.name})
    return area


@transaction.atomic
def delete_focus_area(*, staff: User, area: FocusArea) -> None:
    """Remove a focus area; members who had picked it simply no longer show it.
    Side effect: audit row (written first, while the row still exists)."""
    if not permissions.can_manage_focus_areas(staff):
        raise PermissionDenied
    area = FocusArea.objects.select_for_update().get(pk=area.pk)
    record_audit(
        actor=staff,
        action="focus_area.delete",
        target=area,
        details={"slug": area.slug, "members": area.members.count()},
    )
    area.delete()


# --- Sessions (allauth usersessions) -------------------------------------------------


def _end_user_sessions(sessions) -> int:
    """End allauth user sessions and, after commit, close their sockets.

    The Django session row goes first, so a socket that reconnects in the
    gap finds no signed-in user."""
    keys = []
    for session in sessions:
        keys.append(session.session_key)
        session.end()
    transaction.on_commit(lambda: [close_session_sockets(key) for key in keys])
    return len(keys)


@transaction.atomic
def end_member_session(*, member: User, session_id: int, current_session_key: str | None) -> None:
    """Sign one of the member's other browsers out.

    Raises PermissionDenied for a session that is not the member's (or does
    not exist: the same answer) and ValidationError for the current one
    (signing out is for that). Side effect: that session's sockets close."""

    session = UserSession.objects.filter(user=member, pk=session_id).first()
    if session is None:
        raise PermissionDenied
    if session.session_key == current_session_key:
        raise ValidationError("That is this browser. Use Sign out instead.")
    _end_user_sessions([session])


@transaction.atomic
def end_other_sessions(*, member: User, current_session_key: str | None) -> int:
    """Sign out every browser of the member but this one. Returns how many.
    Side effect: their sockets close."""

    others = UserSession.objects.filter(user=member).exclude(session_key=current_session_key or "")
    return _end_user_sessions(list(others))
