"""Export and erasure of a member's meetup data (called by alumni.privacy)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from community.privacy import Erasure
from community.privacy import iso as _iso

from . import actions
from .models import RSVP, CalendarFeed, Event, Occurrence, SentReminder


def export(member) -> dict:
    """RSVPs, reminders sent, whether a calendar feed exists, meetups hosted or created."""
    rsvps = RSVP.objects.filter(member=member).select_related("occurrence__event").order_by("occurrence__starts_at")
    reminders = SentReminder.objects.filter(member=member).select_related("occurrence__event").order_by("sent_at")
    feed = CalendarFeed.objects.filter(member=member).first()
    hosted = Event.objects.filter(Q(host=member) | Q(created_by=member)).order_by("start_date", "pk")
    return {
        "rsvps": [
            {
                "meetup": r.occurrence.event.title,
                "starts_at": _iso(r.occurrence.starts_at),
                "status": r.status,
                "waitlisted_at": _iso(r.waitlisted_at),
                "responded_at": _iso(r.responded_at),
                "attended": r.attended,
            }
            for r in rsvps
        ],
        "meetup_reminders": [
            {"meetup": r.occurrence.event.title, "kind": r.kind, "sent_at": _iso(r.sent_at)} for r in reminders
        ],
        # The token is a credential; the export only says the feed exists.
        "calendar_feed": {"created_at": _iso(feed.created_at)} if feed else None,
        "meetups_you_host_or_created": [
            {"title": e.title, "start_date": _iso(e.start_date), "host": e.host_id == member.pk} for e in hosted
        ],
    }


def erase(erasure: Erasure) -> set[tuple[str, str]]:
    """RSVPs (a freed spot goes to the next on the waitlist), reminders, the feed."""
    member = erasure.member
    now = timezone.now()
    holding = RSVP.objects.filter(member=member, status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED])
    for rsvp in holding.select_related("occurrence"):
        occurrence = rsvp.occurrence
        if occurrence.ends_at > now:
            try:
                # The ordinary path: frees the spot and promotes the waitlist.
                with transaction.atomic():
                    actions.rsvp(member=member, occurrence=occurrence, status=RSVP.Status.NOT_GOING)
                continue
            except (ValidationError, PermissionDenied):
                pass  # RSVP closed (started, cancelled) or audience changed: counters by hand
        counter = "going_count" if rsvp.status == RSVP.Status.GOING else "waitlist_count"
        Occurrence.objects.filter(pk=occurrence.pk, **{f"{counter}__gt": 0}).update(**{counter: F(counter) - 1})
    RSVP.objects.filter(member=member).delete()
    SentReminder.objects.filter(member=member).delete()
    CalendarFeed.objects.filter(member=member).delete()
    return set()
