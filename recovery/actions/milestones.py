"""Recovery dates, their milestones, and sharing one with a room.

Private by default: nothing here writes to the audit log or tells anyone
but the member, except a celebration the member posts to a room themself.
"""

import uuid
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from community.actions import notify
from community.models import Notification
from groups import actions as group_actions
from groups import permissions as group_permissions
from groups.errors import DENIAL_DETAIL, ChatError

from .. import dates, permissions
from ..models import LABEL_LIMIT, Milestone, RecoveryDate

NOTE_LIMIT = 280


def _clean_label(label) -> str:
    if not isinstance(label, str) or not label.strip():
        raise ValidationError({"label": "Give this date a name, for example “Alcohol-free”."})
    label = " ".join(label.split())
    if len(label) > LABEL_LIMIT:
        raise ValidationError({"label": f"Keep the name to {LABEL_LIMIT} characters."})
    return label


def _clean_start(member, start, now) -> date:
    if not isinstance(start, date):
        raise ValidationError({"start_date": "Enter a date."})
    if start > dates.local_today(member, now):
        raise ValidationError({"start_date": "Choose today or a day before."})
    if start.year < 1900:
        raise ValidationError({"start_date": "Enter a date after 1900."})
    return start


def _record_past(recovery_date: RecoveryDate, today: date, now: datetime) -> None:
    """Milestones the date already passed when it was entered are recorded
    as reached (and shown) but not announced: a date entered as three years
    ago gets no burst of nine congratulations."""
    Milestone.objects.bulk_create(
        [
            Milestone(recovery_date=recovery_date, key=key, reached_on=day, notified_at=now)
            for key, day in dates.milestones_between(recovery_date.start_date, today)
        ]
    )


def add_recovery_date(*, member, label, start_date, now: datetime | None = None) -> RecoveryDate:
    """A new date the member counts from. Raises ValidationError for a blank
    or long label, or a date in the future (in the member's zone).

    Side effects: a RecoveryDate row, and Milestone rows (already notified)
    for milestones the date had passed before today."""
    now = now or timezone.now()
    with transaction.atomic():
        if not permissions.can_keep_recovery_dates(member):
            raise PermissionDenied
        label = _clean_label(label)
        start_date = _clean_start(member, start_date, now)
        recovery_date = RecoveryDate.objects.create(member=member, label=label, start_date=start_date, created_at=now)
        _record_past(recovery_date, dates.local_today(member, now), now)
    return recovery_date


def begin_again(*, member, recovery_date: RecoveryDate, start_date, now: datetime | None = None) -> RecoveryDate:
    """A new beginning: the date counts from `start_date` from now on. The
    old date stays in the member's private history, ended on the day
    before the new start; nothing is deleted and nobody is told.

    Side effects: the old RecoveryDate gets `ended_on`; a new one with the
    same label points back to it (`previous`)."""
    now = now or timezone.now()
    with transaction.atomic():
        if recovery_date.member_id != member.pk or not permissions.can_keep_recovery_dates(member):
            raise PermissionDenied
        current = RecoveryDate.objects.select_for_update().get(pk=recovery_date.pk)
        if not current.is_current:
            raise ValidationError("This date already has a newer beginning.")
        start_date = _clean_start(member, start_date, now)
        if start_date <= current.start_date:
            raise ValidationError({"start_date": "Choose a day after the date you are replacing."})
        current.ended_on = start_date
        current.save(update_fields=["ended_on"])
        fresh = RecoveryDate.objects.create(
            member=member, label=current.label, start_date=start_date, previous=current, created_at=now
        )
        _record_past(fresh, dates.local_today(member, now), now)
    return fresh


def delete_recovery_date(*, member, recovery_date: RecoveryDate) -> None:
    """The member removes a date and its whole history (every earlier beginning).
    Side effects: those RecoveryDate rows and their milestones are deleted."""
    with transaction.atomic():
        if recovery_date.member_id != member.pk:
            raise PermissionDenied
        chain, node = [], recovery_date
        while node is not None:
            chain.append(node.pk)
            node = node.previous
        RecoveryDate.objects.filter(pk__in=chain, member=member).delete()


def congratulate_milestones(*, now: datetime | None = None) -> int:
    """The periodic job: every current recovery date whose next milestone has
    come (on the member's local calendar) gets its Milestone row — once, the
    unique constraint sees to that — and the member a private congratulation.
    When a job was down and several milestones passed, the latest one is
    announced and the others recorded quietly.

    Side effects: Milestone rows; `milestone` notifications. Returns how many
    members were congratulated."""
    now = now or timezone.now()
    sent = 0
    current = RecoveryDate.objects.filter(
        ended_on__isnull=True, member__is_active=True, member__suspended_at__isnull=True
    ).select_related("member")
    known = {}
    for recovery_date_id, key in Milestone.objects.filter(recovery_date__in=current).values_list(
        "recovery_date_id", "key"
    ):
        known.setdefault(recovery_date_id, set()).add(key)
    for recovery_date in current:
        today = dates.local_today(recovery_date.member, now)
        new = [
            (key, day)
            for key, day in dates.milestones_between(recovery_date.start_date, today)
            if key not in known.get(recovery_date.pk, set())
        ]
        if new:
            sent += _congratulate(recovery_date, new, now)
    return sent


def _congratulate(recovery_date: RecoveryDate, new: list[tuple[str, date]], now: datetime) -> int:
    with transaction.atomic():
        created = []
        for key, day in new:
            try:
                with transaction.atomic():
                    created.append(
                        Milestone.objects.create(recovery_date=recovery_date, key=key, reached_on=day, notified_at=now)
                    )
            except IntegrityError:
                continue  # another run recorded it first and told the member
        if not created:
            return 0
        latest = created[-1]
        notify(
            recipient=recovery_date.member,
            kind=Notification.Kind.MILESTONE,
            text=f"{latest.title}: {recovery_date.label}. That's worth celebrating — this one is yours.",
            url=reverse("recovery:milestones"),
        )
    return 1


def celebration_text(milestone: Milestone, note: str = "") -> str:
    body = f"🎉 Celebrating {milestone.title} — {milestone.recovery_date.label}!"
    return f"{body}\n{note}" if note else body


def share_milestone(*, member, milestone: Milestone, room, note: str = "") -> object:
    """The member posts a celebration of one of their milestones to a room
    they belong to, as their own chat message (others can react to it).
    Only ever on the member's request; never automatic.

    Raises PermissionDenied when the milestone is not theirs or the room is
    not one of theirs; ValidationError for a long note, and with the chat's
    own words when they may not post there right now (locked, muted, the
    guidelines not yet accepted, rate limits). Side effects: those of groups' `post_message` (the message, its
    broadcast) and the milestone's `shared_at`. Returns the message."""
    if not isinstance(note, str) or len(note.strip()) > NOTE_LIMIT:
        raise ValidationError({"note": f"Keep the note to {NOTE_LIMIT} characters."})
    membership = group_permissions.get_membership(member, room)
    if not permissions.can_share_milestone(member, milestone, room, membership):
        denial = group_permissions.post_denial(member, room, membership)
        if milestone.recovery_date.member_id == member.pk and membership is not None and denial in DENIAL_DETAIL:
            # Their own room, closed to them right now: say why, in the chat's words.
            raise ValidationError({"room": DENIAL_DETAIL[denial]})
        raise PermissionDenied("You can share a milestone to a room you belong to and can post in.")
    try:
        result = group_actions.post_message(
            author=member, room=room, body=celebration_text(milestone, note.strip()), client_id=str(uuid.uuid4())
        )
    except ChatError as exc:
        raise ValidationError(exc.detail) from exc
    Milestone.objects.filter(pk=milestone.pk).update(shared_at=timezone.now())
    return result.message


def shareable_rooms(member):
    """Rooms the member belongs to and may post in now, for the share form."""
    rooms = (
        group_permissions.readable_rooms(member)
        .filter(memberships__user=member, memberships__left_at__isnull=True)
        .order_by("name")
    )
    return rooms
