"""Weekly check-ins, their reminders and who sees a summary.

No audit rows: a check-in is the member's own private health data and the
audit log is read by staff. The only thing that ever leaves the member is
(a) a crisis alert when they answer that they are in danger now — which says
nothing of their answers — and (b) the summary they choose to share.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from community.actions import notify
from community.models import Notification
from groups import actions as group_actions
from groups.models import CrisisAlert

from .. import dates, permissions, questionnaire
from ..models import CheckIn, CheckInReminder, CheckInSchedule, SummaryShare

CONCERN = "concern"
DANGER = "danger"
# A nudge goes out this long after the reminder, if the week is still open
# and the member has not checked in; never a second one.
NUDGE_AFTER = timedelta(hours=48)


@dataclass
class SaveResult:
    checkin: CheckIn
    created: bool
    risk: str  # "", CONCERN or DANGER
    paged: int | None = None  # moderators paged for DANGER


def assess_risk(checkin: CheckIn, previous: CheckIn | None) -> str:
    """What the check-in's answers call for.

    DANGER: the member answered that they are in danger right now (the crisis
    path: an alert opens at once). CONCERN: they answered that they are not
    safe, or their PHQ-2 is at or above the definition's threshold (3 of 6)
    while their craving rose since their previous check-in. Otherwise "".
    """
    definition = questionnaire.get(checkin.version)
    risk = definition.risk
    safety = checkin.answers.get("safety")
    if safety == risk.get("safety_danger"):
        return DANGER
    if safety == risk.get("safety_not_safe"):
        return CONCERN
    threshold = risk.get("phq2_at_least")
    rising = (
        previous is not None
        and previous.craving is not None
        and checkin.craving is not None
        and checkin.craving > previous.craving
    )
    if threshold is not None and checkin.phq2 is not None and checkin.phq2 >= threshold and rising:
        return CONCERN
    return ""


def previous_checkin(member, week) -> CheckIn | None:
    return CheckIn.objects.filter(member=member, week_start__lt=week).order_by("-week_start").first()


def save_checkin(*, member, data, now: datetime | None = None) -> SaveResult:
    """Store the member's check-in for their current week (Monday to Sunday
    in their time zone), or replace this week's answers if they already
    checked in. Answers are checked against the current questionnaire
    definition and stored with its version.

    Raises PermissionDenied for anyone but an active member and
    ValidationError({question: message}) for bad answers; nothing changes then.

    Side effects: the CheckIn row is created or updated. When the answers say
    the member is in danger now, a crisis alert opens through the chat's
    crisis path (`open_crisis_alert` as an urgent request: on-duty moderators
    are paged after commit); it carries no answer, only that the member needs
    a person now. A concern alerts nobody: the member is offered the choice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if not permissions.can_check_in(member):
            raise PermissionDenied("Only members keep check-ins.")
        definition = questionnaire.current()
        answers = definition.clean(data)
        week = dates.current_week(member, now)
        fields = {
            "version": definition.version,
            "answers": answers,
            "phq2": definition.score(answers, "phq2"),
            "gad2": definition.score(answers, "gad2"),
            "craving": answers.get("craving"),
            "updated_at": now,
        }
        # update_or_create locks this week's row; two first saves at once meet
        # the unique constraint and the second becomes an update.
        try:
            with transaction.atomic():
                checkin, created = CheckIn.objects.update_or_create(
                    member=member, week_start=week, defaults=fields, create_defaults={**fields, "created_at": now}
                )
        except IntegrityError:
            checkin, created = CheckIn.objects.update_or_create(member=member, week_start=week, defaults=fields)
        result = SaveResult(checkin, created, assess_risk(checkin, previous_checkin(member, week)))
        if result.risk == DANGER:
            # The console says where it came from: a check-in answer, not a button.
            alert = group_actions.request_moderator(member=member, room=None, source=CrisisAlert.Source.CHECKIN)
            result.paged = alert.paged
    return result


def delete_checkin(*, member, checkin: CheckIn) -> None:
    """The member deletes one of their own check-ins. No other side effect."""
    with transaction.atomic():
        if not permissions.can_view_checkins(member, checkin.member):
            raise PermissionDenied
        checkin.delete()


# --- Reminders ------------------------------------------------------------------


def set_checkin_schedule(*, member, weekday, at, enabled: bool) -> CheckInSchedule:
    """The member's reminder day and local time (read in their time zone at
    send time), or reminders off. Raises ValidationError for a bad day."""
    with transaction.atomic():
        if not permissions.can_check_in(member):
            raise PermissionDenied
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValidationError({"weekday": "Choose a day of the week."})
        if at is None:
            raise ValidationError({"time": "Choose a time of day."})
        schedule, _ = CheckInSchedule.objects.update_or_create(
            member=member,
            defaults={"weekday": weekday, "time": at, "enabled": bool(enabled), "updated_at": timezone.now()},
        )
    return schedule


def send_due_checkin_reminders(*, now: datetime | None = None) -> int:
    """Send each member whose reminder time has come this week, in their own
    time zone, one check-in reminder — and one nudge NUDGE_AFTER later if the
    week is still theirs to check in and they have not. Never more: a
    CheckInReminder row per member, week and kind (unique) is written with
    the notification, in one transaction, so a job run twice sends once.
    Members who already checked in this week get nothing.

    Side effects: `checkin` notifications (live, and by e-mail if the member
    asked for that kind). Returns how many went out.
    """
    now = now or timezone.now()
    sent = 0
    schedules = CheckInSchedule.objects.filter(
        enabled=True, member__is_active=True, member__suspended_at__isnull=True
    ).select_related("member")
    for schedule in schedules:
        member = schedule.member
        zone = dates.zone_of(member)
        week = dates.week_start(now.astimezone(zone).date())
        due = dates.reminder_due_at(weekday=schedule.weekday, at=schedule.time, week=week, zone=zone)
        if now < due:
            continue
        kind = CheckInReminder.Kind.REMINDER
        if now >= due + NUDGE_AFTER:
            kind = CheckInReminder.Kind.NUDGE
        sent += _remind(member, week, kind, now)
    return sent


def _remind(member, week, kind, now) -> int:
    with transaction.atomic():
        if CheckIn.objects.filter(member=member, week_start=week).exists():
            return 0
        earlier = {row.kind: row.sent_at for row in CheckInReminder.objects.filter(member=member, week_start=week)}
        if kind == CheckInReminder.Kind.NUDGE:
            # A nudge follows a reminder that went out at least a day before
            # (a scheduler that was down for days sends the reminder first).
            reminded = earlier.get(CheckInReminder.Kind.REMINDER)
            if reminded is None:
                kind = CheckInReminder.Kind.REMINDER
            elif now - reminded < timedelta(hours=24):
                return 0
        if kind in earlier:
            return 0
        try:
            with transaction.atomic():
                CheckInReminder.objects.create(member=member, week_start=week, kind=kind, sent_at=now)
        except IntegrityError:
            return 0
        text = (
            "Time for your weekly check-in: under a minute, just for you."
            if kind == CheckInReminder.Kind.REMINDER
            else "Your check-in for this week is still open, whenever you're ready."
        )
        notify(recipient=member, kind=Notification.Kind.CHECKIN, text=text, url=reverse("recovery:checkin"))
    return 1


# --- Sharing a summary ----------------------------------------------------------------


def share_summary(*, member, viewer, is_mentor: bool) -> SummaryShare:
    """The member shares their check-in summary with `viewer`, who must be
    their mentor now (`is_mentor`, decided by the caller that knows
    mentorships). Sharing twice changes nothing.

    Side effects: a SummaryShare row. No notification: the mentor finds it on
    the mentorship page."""
    with transaction.atomic():
        if not permissions.can_share_summary_with(member, viewer, is_mentor=is_mentor):
            raise PermissionDenied("You can share your summary with your mentor.")
        share, created = SummaryShare.objects.get_or_create(member=member, viewer=viewer)
        if not created:
            # Sharing again starts from now: a share counts only within the
            # mentorship it was given in (alumni/recovery_sharing.py).
            share.created_at = timezone.now()
            share.save(update_fields=["created_at"])
    return share


def revoke_summary(*, member, viewer_id: int) -> bool:
    """Stop sharing with that person (a mentor, or someone who no longer is),
    from their next request on. Returns whether there was a share.
    Side effects: the SummaryShare row is deleted."""
    with transaction.atomic():
        deleted, _ = SummaryShare.objects.filter(member=member, viewer_id=viewer_id).delete()
    return deleted > 0
