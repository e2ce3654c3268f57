"""The crisis loop: moderator duty, crisis alerts, acknowledgement, follow-up,
escalation, and a member's request to talk to a moderator."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.actions import notify, notify_many, record_audit
from community.models import Notification, User
from community.permissions import is_site_moderator
from community.realtime import broadcast_on_commit, console_group, frame_event

from .. import permissions
from ..models import (
    CrisisAlert,
    Membership,
    Message,
    ModeratorDuty,
    Room,
)
from .common import site_moderators
from .rooms import _activate_membership, _unique_slug

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


def alert_dict(alert: CrisisAlert) -> dict:
    """The crisis console's view of an alert (the `crisis.alert` frame)."""
    message = alert.latest_message or alert.message
    member = alert.member
    return {
        "id": alert.pk,
        "member": {"id": member.pk, "display_name": member.display_name} if member else None,
        "room": {"name": alert.room.name, "url": alert.room.get_absolute_url()} if alert.room_id else None,
        "source": alert.source,
        "source_label": alert.get_source_display(),
        "urgent": alert.urgent,
        "status": alert.status,
        "created_at": alert.created_at.isoformat(),
        "last_activity_at": alert.last_activity_at.isoformat(),
        "activity_count": alert.activity_count,
        "escalated": alert.escalated_at is not None,
        "excerpt": message.body[:400] if message is not None and message.body else "",
        "message_url": message.get_absolute_url() if message is not None else "",
        "acknowledged_by": alert.acknowledged_by.display_name if alert.acknowledged_by_id else None,
        "seconds_to_acknowledge": int(alert.time_to_acknowledge.total_seconds()) if alert.acknowledged_at else None,
        "support_room": alert.support_room.get_absolute_url() if alert.support_room_id else None,
        "label": alert.label,
    }


def _console(alert: CrisisAlert) -> None:
    """Every moderator's crisis console hears the alert's new state after commit."""
    alert = CrisisAlert.objects.select_related(
        "member", "room", "message__room", "latest_message__room", "acknowledged_by", "support_room"
    ).get(pk=alert.pk)
    open_count = CrisisAlert.objects.filter(status=CrisisAlert.Status.OPEN).count()
    frame = {"type": "crisis.alert", "alert": alert_dict(alert), "open_count": open_count}
    broadcast_on_commit(console_group(), frame_event(frame))


def _page(alert: CrisisAlert, member: User, room: Room | None, *, urgent: bool) -> int:
    """Notify the on-duty moderators (every moderator when nobody is on duty).
    Returns how many people were paged."""
    where = f" in {room.name}" if room else ""
    recipients = on_duty_moderators()
    if urgent:
        kind = Notification.Kind.MODERATOR_REQUEST
        text = f"Urgent: {member.display_name}{where} asked to talk to a moderator now. Please acknowledge."
    else:
        kind = Notification.Kind.CRISIS_ALERT
        text = (
            f"{member.display_name}{where} may be in crisis ({alert.get_source_display().lower()}). "
            "Please acknowledge and check in."
        )
    notify_many(recipients=recipients, kind=kind, text=text, url=f"/moderation/crisis/#alert-{alert.pk}")
    return len(recipients)


@transaction.atomic
def open_crisis_alert(
    *, member: User, room: Room | None, message: Message | None, source: str, urgent: bool = False
) -> CrisisAlert:
    """Open an alert for a member who may be in crisis, or add to their open one.

    One open alert per member (a partial unique constraint): a further crisis
    message moves the open alert to the top of every moderator's console with
    the new message, without paging everyone again. A request to talk to a
    moderator (`urgent`) pages the on-duty moderators even when an alert is
    already open, and raises it to urgent.

    Side effects: `crisis_alert` or `moderator_request` notifications (live
    and by e-mail) to on-duty moderators — every moderator when nobody is on
    duty; a `crisis.alert` frame to every moderator's console. The returned
    alert carries `paged`, how many people were notified. Escalation needs
    nothing scheduled: the periodic sweep (`groups.tasks.escalate_crisis_alerts`,
    every minute) escalates any alert still open past CRISIS_ESCALATE_MINUTES.
    """
    now = timezone.now()
    existing = CrisisAlert.objects.select_for_update().filter(member=member, status=CrisisAlert.Status.OPEN).first()
    if existing is None:
        try:
            with transaction.atomic():
                alert = CrisisAlert.objects.create(
                    member=member,
                    room=room,
                    message=message,
                    latest_message=message,
                    source=source,
                    urgent=urgent,
                    requested_at=now if urgent else None,
                    last_activity_at=now,
                    detector_tier=message.crisis_level if message is not None else "",
                )
        except IntegrityError:
            # A second crisis message committed its alert first: add to that one.
            existing = CrisisAlert.objects.select_for_update().get(member=member, status=CrisisAlert.Status.OPEN)
        else:
            alert.paged = _page(alert, member, room, urgent=urgent)
            _console(alert)
            return alert
    alert = existing
    alert.last_activity_at = now
    alert.activity_count += 1
    fields = ["last_activity_at", "activity_count"]
    if message is not None:
        alert.latest_message = message
        fields.append("latest_message")
    if room is not None and alert.room_id is None:
        alert.room = room
        fields.append("room")
    alert.paged = 0
    if urgent:
        # The person asking for a human right now is the most urgent case: page again.
        alert.urgent = True
        alert.requested_at = now
        fields += ["urgent", "requested_at"]
        alert.paged = _page(alert, member, room or alert.room, urgent=True)
    alert.save(update_fields=fields)
    _console(alert)
    return alert


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
    _console(alert)
    return True


@transaction.atomic
def acknowledge_alert(*, moderator: User, alert: CrisisAlert) -> CrisisAlert:
    """ "I'm reaching out": the moderator takes the alert and a private support
    conversation opens between them and the member.

    Side effects: the alert is acknowledged (time to acknowledge recorded); a
    two-person support room (kind `support`, members only: the member and
    this moderator as its moderator) listed first among the member's rooms; a
    `support` notification tells the member who has seen it and links the
    conversation; audit rows for the acknowledgement and the room; every
    console hears the new state.
    """
    if not permissions.can_handle_crisis_alert(moderator):
        raise PermissionDenied
    alert = CrisisAlert.objects.select_for_update(of=("self",)).select_related("member").get(pk=alert.pk)
    if alert.status != CrisisAlert.Status.OPEN:
        raise ValidationError(f"Already acknowledged by {alert.acknowledged_by or 'a moderator'}.")
    alert.status = CrisisAlert.Status.ACKNOWLEDGED
    alert.acknowledged_by = moderator
    alert.acknowledged_at = timezone.now()
    fields = ["status", "acknowledged_by", "acknowledged_at"]
    member = alert.member
    if member is not None and member.pk != moderator.pk:
        alert.support_room = _open_support_room(moderator=moderator, member=member, alert=alert)
        fields.append("support_room")
    alert.save(update_fields=fields)
    record_audit(actor=moderator, action="crisis_alert.acknowledge", target=alert)
    if alert.support_room is not None:
        what = {
            CrisisAlert.Source.REQUEST: "your request",
            CrisisAlert.Source.CHECKIN: "your check-in",
        }.get(alert.source, "your message")
        notify(
            recipient=member,
            kind=Notification.Kind.SUPPORT,
            text=f"{moderator.display_name} has seen {what} and opened a private conversation with you.",
            url=alert.support_room.get_absolute_url(),
        )
    _console(alert)
    return alert


def _open_support_room(*, moderator: User, member: User, alert: CrisisAlert) -> Room:
    """The member's open support room with this moderator, or a new one."""
    existing = (
        Room.objects.filter(kind=Room.Kind.SUPPORT, memberships__user=member, memberships__left_at__isnull=True)
        .filter(pk__in=Membership.objects.filter(user=moderator, left_at__isnull=True).values("room_id"))
        .first()
    )
    if existing is not None:
        return existing
    room = Room.objects.create(
        slug=_unique_slug(f"support-{alert.pk}"),
        name=f"Private support with {moderator.display_name}",
        kind=Room.Kind.SUPPORT,
        description=f"A private conversation between {member.display_name} and the moderators helping them.",
    )
    _activate_membership(member, room)
    _activate_membership(moderator, room, role=Membership.Role.MODERATOR)
    record_audit(actor=moderator, action="support_room.open", target=room, details={"alert": alert.pk})
    return room


@transaction.atomic
def join_support_conversation(*, moderator: User, alert: CrisisAlert) -> Room:
    """Another moderator joins an alert's support conversation.
    Side effects: membership as the room's moderator; audit row."""
    if not permissions.can_handle_crisis_alert(moderator):
        raise PermissionDenied
    alert = CrisisAlert.objects.select_related("support_room").get(pk=alert.pk)
    room = alert.support_room
    if room is None:
        raise ValidationError("This alert has no support conversation yet: acknowledge it first.")
    _activate_membership(moderator, room, role=Membership.Role.MODERATOR)
    record_audit(actor=moderator, action="support_room.join", target=room, details={"alert": alert.pk})
    return room


@transaction.atomic
def label_alert(*, moderator: User, alert: CrisisAlert, label: str) -> CrisisAlert:
    """The handling moderator's judgement (real crisis, concern, false alarm),
    kept with the text it judged so `manage.py train_detector --with-labels`
    learns from it. Side effects: audit row; consoles hear the new state."""
    if not permissions.can_handle_crisis_alert(moderator):
        raise PermissionDenied
    if label not in CrisisAlert.Label.values:
        raise ValidationError("Choose real crisis, concern or false alarm.")
    alert = (
        CrisisAlert.objects.select_for_update(of=("self",)).select_related("message", "latest_message").get(pk=alert.pk)
    )
    message = alert.latest_message or alert.message
    alert.label = label
    alert.labelled_by = moderator
    alert.labelled_at = timezone.now()
    alert.labelled_text = message.body if message is not None else ""
    alert.save(update_fields=["label", "labelled_by", "labelled_at", "labelled_text"])
    record_audit(actor=moderator, action="crisis_alert.label", target=alert, details={"label": label})
    _console(alert)
    return alert


def detector_precision() -> dict:
    """How often the detector's crisis alerts were real, by moderators' labels."""
    labelled = CrisisAlert.objects.filter(source=CrisisAlert.Source.MESSAGE, detector_tier="crisis").exclude(label="")
    total = labelled.count()
    real = labelled.filter(label=CrisisAlert.Label.CRISIS).count()
    return {"labelled": total, "real": real, "precision": (real / total) if total else None}


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
def request_moderator(*, member: User, room: Room | None, source: str = CrisisAlert.Source.REQUEST) -> CrisisAlert:
    """ "Talk to a moderator now" (room page, crisis page, the support card): a
    person, not a link. Opens an urgent alert — or raises the member's open
    alert to urgent — and pages the on-duty moderators either way; see
    `open_crisis_alert` for the side effects. `source` says where the request
    came from on the console: the button (REQUEST) or a weekly check-in whose
    answer says "I'm in danger now" (CHECKIN)."""
    if source not in (CrisisAlert.Source.REQUEST, CrisisAlert.Source.CHECKIN):
        raise ValueError(f"request_moderator: unknown source {source!r}")
    if not permissions.can_request_moderator(member):
        raise PermissionDenied
    if room is not None and not permissions.can_read_room(member, room, permissions.get_membership(member, room)):
        room = None
    return open_crisis_alert(member=member, room=room, message=None, source=source, urgent=True)


def requested_text(paged: int) -> str:
    """What the member is told, truthfully, once the request went out."""
    if paged == 1:
        who = "The moderator on duty has"
    elif paged:
        who = f"{paged} moderators have"
    else:
        who = "The moderators have"
    return (
        f"{who} been paged and asked to reach out to you now. When someone has seen it, you'll be told here "
        "and a private conversation will open. If you are in danger right now, call or text 988."
    )
