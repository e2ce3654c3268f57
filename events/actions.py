"""Every change to meetups, occurrences, RSVPs, reminders and calendar feeds.

Views, tasks, management commands and the demo seeder call these; nothing
else saves these models. Each docstring lists the side effects.
"""

import re
import zoneinfo
from collections import OrderedDict
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.actions import notify, record_audit
from community.models import Notification, User
from groups import markup
from groups.actions import add_member_to_room, create_room
from groups.models import Room

from . import permissions, recurrence
from .display import short
from .models import RSVP, CalendarFeed, CalendarPolicy, Event, Occurrence, SentReminder, _feed_token

# Fields a series edit may change; anything else is not the editor's to set.
EVENT_FIELDS = (
    "title",
    "description",
    "host",
    "time_zone",
    "start_date",
    "start_time",
    "duration",
    "format",
    "address",
    "meeting_url",
    "capacity",
    "audience",
    "audience_cohort",
    "audience_room",
    "frequency",
    "weekdays",
    "monthly_nth",
    "monthly_weekday",
    "until",
    "count",
)
# Changes to these fields are worth a notification to people who are going.
NOTIFY_FIELDS = set(EVENT_FIELDS) - {
    "description",
    "host",
    "capacity",
    "audience",
    "audience_cohort",
    "audience_room",
}


# --- Policy ------------------------------------------------------------------------


@transaction.atomic
def set_calendar_policy(*, staff: User, moderators_may_post: bool) -> CalendarPolicy:
    """Let site moderators post meetups, or stop them. Side effect: audit row."""
    if not permissions.can_set_policy(staff):
        raise PermissionDenied
    policy, _ = CalendarPolicy.objects.select_for_update().get_or_create(pk=1)
    policy.moderators_may_post = bool(moderators_may_post)
    policy.updated_at = timezone.now()
    policy.save()
    record_audit(
        actor=staff,
        action="meetups.policy",
        details={"moderators_may_post": policy.moderators_may_post},
    )
    return policy


# --- Validation shared by forms and actions ------------------------------------------


# Line breaks, tabs and other control characters: never in a one-line field.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_event(event: Event, *, now: datetime | None = None) -> None:
    """Raise a ValidationError keyed by field for anything wrong with `event`
    (saved or not). Forms call this to show errors; actions call it again so
    that no caller can save a bad series."""
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not (event.title or "").strip():
        err("title", "Give the meetup a title.")
    for field in ("title", "address", "meeting_url"):
        if _CONTROL.search(getattr(event, field) or ""):
            err(field, "Keep this on one line (no line breaks or tabs).")
    known_zone = event.time_zone in zoneinfo.available_timezones()
    if not known_zone:
        err(
            "time_zone",
            f"{event.time_zone!r} is not a known time zone (for example America/Chicago).",
        )
    if event.duration is None or event.duration <= timedelta(0):
        err("end", "The end must be after the start.")
    elif event.duration > timedelta(days=2):
        err("end", "A meetup can last at most two days.")
    if event.format not in Event.Format.values:
        err("format", "Choose in person, virtual or hybrid.")
    if event.format in (Event.Format.IN_PERSON, Event.Format.HYBRID) and not event.address.strip():
        err("address", "An in-person or hybrid meetup needs an address.")
    if event.format in (Event.Format.VIRTUAL, Event.Format.HYBRID) and not event.meeting_url.strip():
        err("meeting_url", "A virtual or hybrid meetup needs a meeting link.")
    if event.meeting_url and not event.meeting_url.lower().startswith(("http://", "https://")):
        err("meeting_url", "The meeting link must start with http:// or https://.")
    if event.capacity is not None and event.capacity < 1:
        err("capacity", "Capacity must be at least 1, or left empty for no limit.")
    if event.pk and event.capacity is not None:
        now_ = now or timezone.now()
        most = max(
            event.occurrences.filter(starts_at__gt=now_, cancelled_at__isnull=True).values_list(
                "going_count", flat=True
            ),
            default=0,
        )
        if event.capacity < most:
            err(
                "capacity",
                f"{most} members are already going to one of the coming dates; capacity cannot be below {most}.",
            )
    if event.audience == Event.Audience.COHORT and event.audience_cohort_id is None:
        err("audience_cohort", "Choose the cohort this meetup is for.")
    if event.audience == Event.Audience.ROOM and event.audience_room_id is None:
        err("audience_room", "Choose the room whose members this meetup is for.")
    if event.audience not in Event.Audience.values:
        err("audience", "Choose an audience.")
    _validate_rule(event, err, known_zone and not errors.get("end"), now)
    if errors:
        raise ValidationError(errors)


def _validate_rule(event: Event, err, can_evaluate: bool, now) -> None:
    if event.frequency not in Event.Frequency.values:
        err("frequency", "Choose how the meetup repeats.")
        return
    if event.frequency == Event.Frequency.ONCE:
        return
    weekly = event.frequency in (Event.Frequency.WEEKLY, Event.Frequency.BIWEEKLY)
    if weekly and (not event.weekdays or any(d not in range(7) for d in event.weekdays)):
        err("weekdays", "Choose at least one weekday.")
        return
    if event.frequency == Event.Frequency.MONTHLY and (
        event.monthly_nth not in (1, 2, 3, 4, -1) or event.monthly_weekday not in range(7)
    ):
        err("monthly_nth", "Choose which weekday of the month.")
        return
    if event.until is None and event.count is None:
        err("ends", "Choose when the series ends: on a date or after a number of times.")
        return
    if event.count is not None and event.count < 1:
        err("count", "A series happens at least once.")
        return
    if event.until is not None and event.until < event.start_date:
        err("until", "The series cannot end before its first date.")
        return
    if event.start_date is None or event.start_time is None:
        return
    first = recurrence.first_start(event)
    if first is None:
        err("frequency", "This repeat rule produces no dates; check the weekdays and the end.")
        return
    if event.pk and can_evaluate:
        # An edit that leaves no date ahead would silently cancel the series.
        today = timezone.localdate(now or timezone.now(), event.zone)
        until = recurrence.horizon(max(today, event.start_date))
        if not recurrence.local_starts(event, start=today, end=until) and (event.until is None or event.until >= today):
            err("frequency", "This repeat rule produces no coming dates.")


# --- Series ------------------------------------------------------------------------------


def _materialise(event: Event, *, today: date) -> list[Occurrence]:
    """Create the missing occurrence rows from the series' first date up to
    the horizon. Existing rows (with their RSVPs) are left alone."""
    until = recurrence.horizon(max(today, event.start_date))
    existing = set(event.occurrences.values_list("series_date", flat=True))
    created = []
    for local in recurrence.local_starts(event, end=until):
        if local.date() in existing:
            continue
        starts_at, ends_at = event.utc_span(local)
        created.append(Occurrence(event=event, series_date=local.date(), starts_at=starts_at, ends_at=ends_at))
    Occurrence.objects.bulk_create(created)
    event.materialised_until = until
    Event.objects.filter(pk=event.pk).update(materialised_until=until)
    return created


def _render(event: Event) -> None:
    event.description_html = markup.render(event.description) if event.description.strip() else ""


@transaction.atomic
def create_event(*, author: User, create_discussion_room: bool = False, **fields) -> Event:
    """Create a meetup series and its occurrences for the coming six months.

    `fields` are the series fields (see EVENT_FIELDS). Raises ValidationError
    keyed by field for bad input, PermissionDenied if the author may not post.
    Side effects: occurrence rows, optionally a discussion room (the author
    moderates it), audit row.
    """
    if not permissions.can_post_meetups(author):
        raise PermissionDenied
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown meetup fields: {', '.join(sorted(unknown))}")
    event = Event(created_by=author, **fields)
    event.weekdays = sorted(set(event.weekdays or []))
    validate_event(event)
    _render(event)
    event.save()
    if create_discussion_room and event.audience == Event.Audience.MIXED:
        # Alumni and families talk in separate rooms; a mixed meetup's chat
        # would put one side's members in front of the other.
        raise ValidationError({"audience": "A meetup for alumni and families has no discussion room."})
    if create_discussion_room:
        event.discussion_room = _create_discussion_room(author, event)
        event.save(update_fields=["discussion_room"])
    _materialise(event, today=timezone.localdate(timezone.now(), event.zone))
    record_audit(
        actor=author,
        action="meetup.create",
        target=event,
        details={"frequency": event.frequency, "audience": event.audience},
    )
    return event


def _create_discussion_room(author: User, event: Event):

    # A room for everyone may be a topic room; a cohort's or a room's meetup
    # gets a private room that members join when they RSVP, so its name never
    # shows in the directory of people outside the audience.
    kind = {Event.Audience.ALL: Room.Kind.TOPIC, Event.Audience.FAMILIES: Room.Kind.FAMILY}.get(
        event.audience, Room.Kind.PRIVATE
    )
    return create_room(
        creator=author,
        name=f"Meetup: {event.title}"[:80],
        kind=kind,
        description=f"Talk about the meetup “{event.title}” before and after."[:300],
    )


def _add_to_discussion_room(event: Event, member: User) -> None:
    room = event.discussion_room
    if room is None:
        return

    # Going to the meetup is the invitation to its room.
    add_member_to_room(room=room, member=member)


@transaction.atomic
def update_event(*, editor: User, event: Event, **changes) -> Event:
    """Edit a series. Past and started occurrences keep what they were;
    coming ones follow the new rule: matching dates are updated in place
    (RSVPs kept), dates the rule no longer produces are cancelled (or deleted
    when nobody answered), new dates are created. Moved and individually
    cancelled occurrences keep their own times.

    Side effects: SEQUENCE raised on every coming occurrence, waitlisted
    members promoted if capacity grew, one notification per going or
    waitlisted member when something they rely on changed, audit row.
    """
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not permissions.can_see_event(editor, event) or not permissions.can_manage_event(editor, event):
        raise PermissionDenied
    if event.cancelled_at is not None:
        raise ValidationError("This series has been cancelled.")
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown meetup fields: {', '.join(sorted(unknown))}")
    if "weekdays" in changes:
        changes["weekdays"] = sorted(set(changes["weekdays"] or []))
    changed = [f for f, v in changes.items() if getattr(event, f) != v]
    if not changed:
        return event
    if "audience" in changed and event.discussion_room_id is not None:
        sides = {
            Event.Audience.FAMILIES: "families",
            Event.Audience.MIXED: "both",
        }
        if sides.get(event.audience, "alumni") != sides.get(changes["audience"], "alumni"):
            # The discussion room belongs to one side; it cannot follow the meetup across.
            raise ValidationError(
                {"audience": "This meetup has a discussion room, so its audience stays on the same side."}
            )
    for field in changed:
        setattr(event, field, changes[field])
    now = timezone.now()
    validate_event(event, now=now)
    _render(event)
    event.updated_at = now
    event.save()

    today = timezone.localdate(now, event.zone)
    wanted = OrderedDict()
    until = recurrence.horizon(max(today, event.start_date))
    for local in recurrence.local_starts(event, start=today, end=until):
        starts_at, ends_at = event.utc_span(local)
        if starts_at > now:
            wanted[local.date()] = (starts_at, ends_at)
    affected: dict[int, tuple[User, Occurrence, str]] = {}
    coming = list(event.occurrences.select_for_update().filter(starts_at__gt=now).order_by("starts_at"))
    have = {o.series_date for o in event.occurrences.all()}
    for occ in coming:
        occ.event = event
        if occ.cancelled_at is not None:
            continue
        if occ.is_moved or occ.series_date in wanted:
            if not occ.is_moved:
                occ.starts_at, occ.ends_at = wanted[occ.series_date]
            occ.sequence += 1
            occ.updated_at = now
            occ.save(update_fields=["starts_at", "ends_at", "sequence", "updated_at"])
            _promote_waitlisted(occ)
            if set(changed) & NOTIFY_FIELDS:
                _collect_affected(affected, occ, "changed")
        elif occ.rsvps.exists():
            occ.cancelled_at = now
            occ.cancel_reason = "The series' schedule changed."
            occ.sequence += 1
            occ.updated_at = now
            occ.save(update_fields=["cancelled_at", "cancel_reason", "sequence", "updated_at"])
            _collect_affected(affected, occ, "cancelled")
        else:
            occ.delete()
    Occurrence.objects.bulk_create(
        [
            Occurrence(event=event, series_date=d, starts_at=s, ends_at=e)
            for d, (s, e) in wanted.items()
            if d not in have
        ]
    )
    event.materialised_until = until
    event.save(update_fields=["materialised_until"])
    for member, occ, what in affected.values():
        text = (
            f"“{event.title}” was updated. Next: {short(occ.starts_at, member.time_zone)}"
            if what == "changed"
            else f"“{event.title}” on {short(occ.starts_at, member.time_zone)} is cancelled: the schedule changed"
        )
        notify(recipient=member, kind=Notification.Kind.MEETUP, text=text, url=occ.get_absolute_url())
    record_audit(actor=editor, action="meetup.update", target=event, details={"changed": sorted(changed)})
    return event


def _collect_affected(affected: dict, occ: Occurrence, what: str) -> None:
    """One notification per member per edit: the earliest date they are in."""
    for rsvp in occ.rsvps.filter(status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED]).select_related("member"):
        affected.setdefault(rsvp.member_id, (rsvp.member, occ, what))


@transaction.atomic
def cancel_event(*, actor: User, event: Event, reason: str = "") -> Event:
    """Cancel a whole series: every coming occurrence is cancelled.
    Side effects: SEQUENCE raised on those occurrences, one notification per
    going or waitlisted member, audit row."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied
    if event.cancelled_at is not None:
        raise ValidationError("This series is already cancelled.")
    now = timezone.now()
    event.cancelled_at = now
    event.save(update_fields=["cancelled_at"])
    affected: dict = {}
    for occ in event.occurrences.select_for_update().filter(starts_at__gt=now, cancelled_at__isnull=True):
        occ.cancelled_at = now
        occ.cancel_reason = reason[:300]
        occ.sequence += 1
        occ.updated_at = now
        occ.save(update_fields=["cancelled_at", "cancel_reason", "sequence", "updated_at"])
        _collect_affected(affected, occ, "cancelled")
    for member, _occ, _what in affected.values():
        notify(
            recipient=member,
            kind=Notification.Kind.MEETUP,
            text=f"“{event.title}” is cancelled" + (f": {reason}" if reason else "."),
            url=_occ.get_absolute_url(),
        )
    record_audit(actor=actor, action="meetup.cancel", target=event, details={"reason": reason[:300]})
    return event


# --- One occurrence ---------------------------------------------------------------------


def _lock(occurrence: Occurrence) -> Occurrence:
    # Every RSVP change and every change of the occurrence takes this row lock
    # first, so capacity checks and counters never race (SQLite's IMMEDIATE
    # transactions serialise writers the same way).
    return Occurrence.objects.select_for_update(of=("self",)).select_related("event").get(pk=occurrence.pk)


def _notify_people_in(occ: Occurrence, text_for) -> None:
    rsvps = occ.rsvps.filter(status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED]).select_related("member")
    for rsvp in rsvps:
        notify(
            recipient=rsvp.member,
            kind=Notification.Kind.MEETUP,
            text=text_for(rsvp.member),
            url=occ.get_absolute_url(),
        )


@transaction.atomic
def cancel_occurrence(*, actor: User, occurrence: Occurrence, reason: str = "") -> Occurrence:
    """Cancel one date of a series; the rest of the series is untouched.
    Side effects: SEQUENCE raised, going and waitlisted members notified,
    audit row."""
    occ = _lock(occurrence)
    if not permissions.can_manage_event(actor, occ.event):
        raise PermissionDenied
    if occ.is_cancelled:
        raise ValidationError("This meetup is already cancelled.")
    if occ.has_started:
        raise ValidationError("A meetup that has started cannot be cancelled.")
    occ.cancelled_at = timezone.now()
    occ.cancel_reason = reason.strip()[:300]
    occ.sequence += 1
    occ.updated_at = occ.cancelled_at
    occ.save(update_fields=["cancelled_at", "cancel_reason", "sequence", "updated_at"])
    _notify_people_in(
        occ,
        lambda m: (
            f"Cancelled: “{occ.event.title}” on {short(occ.starts_at, m.time_zone)}"
            + (f" — {occ.cancel_reason}" if occ.cancel_reason else "")
        ),
    )
    record_audit(
        actor=actor,
        action="meetup.occurrence.cancel",
        target=occ,
        details={"reason": occ.cancel_reason},
    )
    return occ


@transaction.atomic
def move_occurrence(*, actor: User, occurrence: Occurrence, local_start: datetime, local_end: datetime) -> Occurrence:
    """Move one date of a series to another wall-clock time in the series'
    zone; later series edits leave it where it was moved to.
    Side effects: SEQUENCE raised, going and waitlisted members notified,
    audit row."""
    occ = _lock(occurrence)
    if not permissions.can_manage_event(actor, occ.event):
        raise PermissionDenied
    if occ.is_cancelled:
        raise ValidationError("A cancelled meetup cannot be moved.")
    if occ.has_started:
        raise ValidationError("A meetup that has started cannot be moved.")
    errors = {}
    if local_end <= local_start:
        errors["end"] = "The end must be after the start."
    zone = occ.event.zone
    starts_at = local_start.replace(tzinfo=zone)
    ends_at = local_end.replace(tzinfo=zone)
    if starts_at <= timezone.now():
        errors["start"] = "Choose a time in the future."
    if errors:
        raise ValidationError(errors)
    old = occ.starts_at
    occ.starts_at, occ.ends_at = (
        starts_at.astimezone(zoneinfo.ZoneInfo("UTC")),
        ends_at.astimezone(zoneinfo.ZoneInfo("UTC")),
    )
    occ.is_moved = True
    occ.sequence += 1
    occ.updated_at = timezone.now()
    occ.save(update_fields=["starts_at", "ends_at", "is_moved", "sequence", "updated_at"])
    _notify_people_in(
        occ,
        lambda m: f"Moved: “{occ.event.title}” from {short(old, m.time_zone)} to {short(occ.starts_at, m.time_zone)}",
    )
    record_audit(
        actor=actor,
        action="meetup.occurrence.move",
        target=occ,
        details={"from": old.isoformat(), "to": occ.starts_at.isoformat()},
    )
    return occ


# --- RSVPs ----------------------------------------------------------------------------------


@transaction.atomic
def rsvp(*, member: User, occurrence: Occurrence, status: str) -> RSVP:
    """Answer going or not going for one occurrence.

    Going when the meetup is full puts the member on the waitlist (answering
    going again keeps their place). Not going frees a spot, which goes to the
    first waitlisted member at once. Raises ValidationError when RSVP is
    closed (started, cancelled) or the status is unknown; PermissionDenied
    when the member is not in the meetup's audience.
    Side effects: counters on the occurrence, the discussion room joined,
    a notification to a promoted member.
    """
    occ = _lock(occurrence)
    if not permissions.can_see_event(member, occ.event):
        raise PermissionDenied
    denial = permissions.rsvp_denial(member, occ)
    if denial:
        raise ValidationError(denial)
    if status not in (RSVP.Status.GOING, RSVP.Status.NOT_GOING):
        raise ValidationError("Answer going or not going.")
    now = timezone.now()
    current = RSVP.objects.filter(occurrence=occ, member=member).first()
    previous = current.status if current else None
    if status == RSVP.Status.GOING and previous in (RSVP.Status.GOING, RSVP.Status.WAITLISTED):
        return current
    if status == RSVP.Status.NOT_GOING and previous in (None, RSVP.Status.NOT_GOING):
        if current is None:
            current = RSVP.objects.create(occurrence=occ, member=member, status=status, responded_at=now)
        return current
    if current is None:
        current = RSVP(occurrence=occ, member=member)
    current.responded_at = now
    if status == RSVP.Status.GOING:
        capacity = occ.event.capacity
        if capacity is None or occ.going_count < capacity:
            current.status, current.waitlisted_at = RSVP.Status.GOING, None
            occ.going_count += 1
            _add_to_discussion_room(occ.event, member)
        else:
            current.status, current.waitlisted_at = RSVP.Status.WAITLISTED, now
            occ.waitlist_count += 1
    else:
        current.status, current.waitlisted_at = RSVP.Status.NOT_GOING, None
        if previous == RSVP.Status.GOING:
            occ.going_count -= 1
        else:
            occ.waitlist_count -= 1
    current.save()
    occ.save(update_fields=["going_count", "waitlist_count"])
    if previous == RSVP.Status.GOING:
        _promote_waitlisted(occ)
    return current


def _promote_waitlisted(occ: Occurrence) -> list[RSVP]:
    """Fill free spots from the head of the waitlist. Call with the
    occurrence row locked. Side effect: a notification per promoted member."""
    capacity = occ.event.capacity
    promoted = []
    while occ.waitlist_count > 0 and (capacity is None or occ.going_count < capacity):
        head = (
            occ.rsvps.filter(status=RSVP.Status.WAITLISTED)
            .select_related("member")
            .order_by("waitlisted_at", "id")
            .first()
        )
        if head is None:  # counters drifted; trust the rows
            occ.waitlist_count = 0
            break
        head.status, head.waitlisted_at = RSVP.Status.GOING, None
        head.save(update_fields=["status", "waitlisted_at"])
        occ.going_count += 1
        occ.waitlist_count -= 1
        promoted.append(head)
        _add_to_discussion_room(occ.event, head.member)
        notify(
            recipient=head.member,
            kind=Notification.Kind.MEETUP,
            text=f"A spot opened up: you're going to “{occ.event.title}” on "
            f"{short(occ.starts_at, head.member.time_zone)}",
            url=occ.get_absolute_url(),
        )
    occ.save(update_fields=["going_count", "waitlist_count"])
    return promoted


@transaction.atomic
def mark_attendance(*, actor: User, occurrence: Occurrence, attended_member_ids) -> int:
    """Record who came, among the members who were going: those listed came,
    the others did not. Returns how many were marked present.
    Side effect: audit row."""
    occ = _lock(occurrence)
    if not permissions.can_take_attendance(actor, occ.event):
        raise PermissionDenied
    if not occ.has_started:
        raise ValidationError("Attendance can be taken once the meetup has started.")
    try:
        present = {int(i) for i in attended_member_ids}
    except (TypeError, ValueError):
        raise ValidationError("Attendance lists member ids.") from None
    going = list(occ.rsvps.filter(status=RSVP.Status.GOING))
    unknown = present - {r.member_id for r in going}
    if unknown:
        raise ValidationError("Only members who were going can be marked present.")
    now = timezone.now()
    for r in going:
        r.attended = r.member_id in present
        r.attendance_marked_at = now
    RSVP.objects.bulk_update(going, ["attended", "attendance_marked_at"])
    record_audit(
        actor=actor,
        action="meetup.attendance",
        target=occ,
        details={"present": len(present), "going": len(going)},
    )
    return len(present)


# --- Reminders and the horizon -----------------------------------------------------------


def send_reminder(*, occurrence: Occurrence, member: User, kind: str) -> bool:
    """Send one reminder unless it was sent before. Returns whether it was
    sent. Side effect: a notification (and an email, if the member asked for
    reminder emails)."""
    try:
        with transaction.atomic():
            SentReminder.objects.create(occurrence=occurrence, member=member, kind=kind)
            when = "in 1 hour" if kind == SentReminder.Kind.HOUR else "tomorrow"
            notify(
                recipient=member,
                kind=Notification.Kind.REMINDER,
                text=f"Reminder: “{occurrence.event.title}” starts {when} — "
                f"{short(occurrence.starts_at, member.time_zone)}",
                url=occurrence.get_absolute_url(),
            )
    except IntegrityError:
        # Another worker sent it first: the unique row is the referee.
        return False
    return True


def extend_horizon(*, today: date | None = None) -> int:
    """Create occurrence rows up to six months ahead for every live series.
    Returns how many rows were created."""
    created = 0
    for event in Event.objects.filter(cancelled_at__isnull=True).exclude(frequency=Event.Frequency.ONCE):
        local_today = today or timezone.localdate(timezone.now(), event.zone)
        if event.materialised_until and event.materialised_until >= recurrence.horizon(local_today):
            continue
        with transaction.atomic():
            locked = Event.objects.select_for_update().get(pk=event.pk)
            created += len(_materialise(locked, today=local_today))
    return created


# --- Calendar feeds -------------------------------------------------------------------------


@transaction.atomic
def ensure_calendar_feed(*, member: User) -> CalendarFeed:
    """The member's feed, created on first use."""
    feed, _ = CalendarFeed.objects.get_or_create(member=member)
    return feed


@transaction.atomic
def regenerate_calendar_feed(*, member: User) -> CalendarFeed:
    """Replace the feed token: the old subscription URL stops working at once."""

    feed, created = CalendarFeed.objects.select_for_update().get_or_create(member=member)
    if not created:
        feed.token = _feed_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed
