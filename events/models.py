"""The meetup calendar: series (Event), their dated rows (Occurrence), RSVPs,
sent reminders and personal calendar feeds.

A series stores *local wall-clock* time plus an IANA zone; each occurrence
stores its own UTC start and end, computed with zoneinfo for that date, so a
7 pm meetup stays at 7 pm local across daylight-saving changes. Occurrences are
rows (materialised for a bounded horizon, see `recurrence.py`) so that RSVPs,
cancellations and moves attach to something real.
"""

import secrets
import uuid
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from community import permissions
from community.models import Cohort, validate_time_zone
from groups.models import Membership


class CalendarPolicy(models.Model):
    """Site-wide calendar settings that staff control (a single row, pk=1)."""

    moderators_may_post = models.BooleanField(
        "site moderators may post meetups",
        default=False,
        help_text="When off, only staff create and edit meetups.",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "Calendar policy"

    @classmethod
    def current(cls) -> "CalendarPolicy":
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class EventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Series this member may see: everyone's, their cohort's, and those
        of rooms they are an active, unbanned member of. Staff and site
        moderators see every series. Family members see only family and
        mixed meetups."""

        if permissions.is_family(user):
            return self.filter(audience__in=Event.FAMILY_AUDIENCES)
        if not permissions.is_active_member(user):
            return self.none()
        if permissions.is_site_moderator(user):
            return self
        return self.filter(
            Q(audience__in=[Event.Audience.ALL, Event.Audience.MIXED])
            | Q(
                audience=Event.Audience.COHORT,
                audience_cohort_id=user.cohort_id,
                audience_cohort__isnull=False,
            )
            | Q(audience=Event.Audience.ROOM, audience_room__in=_active_room_ids(user))
        )


def _active_room_ids(user):

    return (
        Membership.objects.filter(user=user, left_at__isnull=True, banned_permanently=False)
        .filter(Q(banned_until__isnull=True) | Q(banned_until__lte=timezone.now()))
        .values("room_id")
    )


class Event(models.Model):
    """A meetup series (a one-off meetup is a series of one)."""

    class Format(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIRTUAL = "virtual", "Virtual"
        HYBRID = "hybrid", "Hybrid (in person and virtual)"

    class Audience(models.TextChoices):
        ALL = "all", "All alumni"
        COHORT = "cohort", "One cohort"
        ROOM = "room", "Members of one room"
        FAMILIES = "families", "Families only"
        MIXED = "mixed", "Alumni and families"

    # Audiences a family member sees; every other audience is alumni only.
    FAMILY_AUDIENCES = (Audience.FAMILIES, Audience.MIXED)

    class Frequency(models.TextChoices):
        ONCE = "once", "Does not repeat"
        WEEKLY = "weekly", "Weekly"
        BIWEEKLY = "biweekly", "Every 2 weeks"
        MONTHLY = "monthly", "Monthly on the nth weekday"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=4000, blank=True)
    description_html = models.TextField(blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_events",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="created_events",
    )
    # Wall-clock time of the first occurrence in `time_zone`; never UTC.
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    start_date = models.DateField()
    start_time = models.TimeField()
    duration = models.DurationField()
    format = models.CharField(max_length=12, choices=Format.choices)
    address = models.CharField(max_length=300, blank=True)
    meeting_url = models.URLField(max_length=500, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.ALL)
    audience_cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    audience_room = models.ForeignKey("groups.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    discussion_room = models.ForeignKey(
        "groups.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.ONCE)
    # Python weekday numbers (Monday is 0), for weekly and biweekly series.
    weekdays = models.JSONField(default=list, blank=True)
    # Monthly series: the nth (1-4, or -1 for the last) `monthly_weekday`.
    monthly_nth = models.SmallIntegerField(null=True, blank=True)
    monthly_weekday = models.SmallIntegerField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    # Occurrences exist as rows up to here (see recurrence.materialise).
    materialised_until = models.DateField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(duration__gt=timedelta(0)), name="event_positive_duration"),
            models.CheckConstraint(
                condition=~Q(audience="cohort") | Q(audience_cohort__isnull=False),
                name="event_cohort_audience",
            ),
            models.CheckConstraint(
                condition=~Q(audience="room") | Q(audience_room__isnull=False),
                name="event_room_audience",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_recurring(self) -> bool:
        return self.frequency != self.Frequency.ONCE

    @property
    def has_link(self) -> bool:
        return self.format in (self.Format.VIRTUAL, self.Format.HYBRID) and bool(self.meeting_url)

    @property
    def has_place(self) -> bool:
        return self.format in (self.Format.IN_PERSON, self.Format.HYBRID) and bool(self.address)

    def local_start(self) -> datetime:
        """The first occurrence's start as a naive wall-clock datetime."""
        return datetime.combine(self.start_date, self.start_time)

    def utc_span(self, local_start: datetime) -> tuple[datetime, datetime]:
        """UTC start and end for a wall-clock start in this series' zone.

        The end is the wall-clock start plus the duration, converted on its
        own: a 2-hour meetup that straddles a DST change still ends at the
        wall-clock time the members were told.
        """
        zone = self.zone
        start = local_start.replace(tzinfo=zone).astimezone(zoneinfo.ZoneInfo("UTC"))
        end = (local_start + self.duration).replace(tzinfo=zone).astimezone(zoneinfo.ZoneInfo("UTC"))
        return start, end


class OccurrenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(event__in=Event.objects.visible_to(user))

    def upcoming(self, now=None):
        return self.filter(ends_at__gt=now or timezone.now())

    def for_lists(self):
        """Everything a list row shows, in the same query."""
        return self.select_related("event", "event__host", "event__audience_cohort", "event__audience_room")


class Occurrence(models.Model):
    """One dated meetup of a series: what members RSVP to."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The date the series' rule produced this row for, in the event's zone:
    # the row's identity inside its series, kept when it is moved.
    series_date = models.DateField()
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    # A moved occurrence keeps its own times when the series is edited.
    is_moved = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    # iCalendar SEQUENCE: raised on every change members should re-import.
    sequence = models.PositiveIntegerField(default=0)
    # Kept in step with the RSVP rows under the occurrence's row lock.
    going_count = models.PositiveIntegerField(default=0)
    waitlist_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "series_date"], name="one_occurrence_per_series_date"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="occurrence_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.event.title} on {self.local_starts_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("events:occurrence", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None or self.event.cancelled_at is not None

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.event.zone)

    @property
    def local_ends_at(self) -> datetime:
        return self.ends_at.astimezone(self.event.zone)

    @property
    def spots_left(self) -> int | None:
        if self.event.capacity is None:
            return None
        return max(self.event.capacity - self.going_count, 0)


class RSVP(models.Model):
    class Status(models.TextChoices):
        GOING = "going", "Going"
        WAITLISTED = "waitlisted", "On the waitlist"
        NOT_GOING = "not_going", "Not going"

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    status = models.CharField(max_length=12, choices=Status.choices)
    # Waitlist order: first come, first promoted.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(default=timezone.now)
    attended = models.BooleanField(null=True, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "member"], name="one_rsvp_per_member"),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(waitlisted_at__isnull=False),
                name="waitlist_has_time",
            ),
        ]
        indexes = [models.Index(fields=["occurrence", "status"], name="rsvp_occurrence_status_idx")]

    def __str__(self) -> str:
        return f"{self.member} {self.status} {self.occurrence_id}"


class SentReminder(models.Model):
    """One reminder of one kind to one member for one occurrence, ever."""

    class Kind(models.TextChoices):
        DAY = "24h", "24 hours before"
        HOUR = "1h", "1 hour before"

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "member", "kind"], name="one_reminder_each"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder for {self.member_id} / {self.occurrence_id}"


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A member's personal subscription URL. The token is the only credential
    a calendar app can send, so it is long, random and regenerable."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.member}"

    def get_absolute_url(self) -> str:
        return reverse("events:feed", args=[self.token])
