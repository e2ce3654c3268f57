"""The crisis loop: moderator duty, crisis alerts, acknowledgement, follow-up,
escalation, and a member's request to talk to a moderator."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from community.actions import notify_many, record_audit
from community.models import Notification, User
from community.permissions import is_site_moderator

from .. import permissions
from ..models import (
    CrisisAlert,
    Message,
    ModeratorDuty,
    Room,
)
from .common import site_moderators

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
    and by email) to on-duty moderators. Escalation needs nothing scheduled:
    the periodic sweep (`groups.tasks.escalate_crisis_alerts`, every minute)
    escalates any alert still open past CRISIS_ESCALATE_MINUTES.
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
