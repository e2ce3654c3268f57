"""Every "may this user do this" rule of the meetup calendar.

Views, actions, tasks and templates ask these. Access helpers raise Http404
for "missing" and "not for you" alike, so a cohort's or a room's meetups never
reveal themselves to anyone outside that audience.
"""

from django.http import Http404
from django.utils import timezone

from community.permissions import is_active_account, is_active_member, is_family, is_site_moderator, is_staff

from .models import RSVP, CalendarPolicy, Event, Occurrence


def can_post_meetups(user, policy: CalendarPolicy | None = None) -> bool:
    """Staff always; site moderators while staff allow it."""
    if is_staff(user):
        return True
    if not is_site_moderator(user):
        return False
    policy = policy or CalendarPolicy.current()
    return policy.moderators_may_post


def can_set_policy(user) -> bool:
    return is_staff(user)


def can_see_event(user, event: Event) -> bool:
    if is_family(user):
        return event.audience in Event.FAMILY_AUDIENCES
    if not is_active_member(user):
        return False
    if is_site_moderator(user):
        return True
    if event.audience in (Event.Audience.ALL, Event.Audience.MIXED):
        return True
    if event.audience == Event.Audience.FAMILIES:
        return False
    if event.audience == Event.Audience.COHORT:
        return user.cohort_id is not None and user.cohort_id == event.audience_cohort_id
    return Event.objects.filter(pk=event.pk).visible_to(user).exists()


def can_manage_event(user, event: Event, policy: CalendarPolicy | None = None) -> bool:
    """Edit, move, cancel: staff, or the moderator who posted it while
    moderators may post."""
    if is_staff(user):
        return True
    return (
        event.created_by_id is not None
        and event.created_by_id == getattr(user, "pk", None)
        and can_post_meetups(user, policy)
    )


def can_take_attendance(user, event: Event) -> bool:
    """The attendee list and attendance marks: managers and the host."""
    return is_active_member(user) and (can_manage_event(user, event) or event.host_id == user.pk)


def can_export_emails(user) -> bool:
    """Attendee exports carry email addresses only for staff."""
    return is_staff(user)


def can_see_meeting_link(user, occurrence: Occurrence, rsvp: RSVP | None) -> bool:
    """The virtual link: members who are going, the host and staff — never
    the waitlist, never someone who only looks at the calendar, and never on
    a cancelled date."""
    if not can_see_event(user, occurrence.event) or not occurrence.event.has_link:
        return False
    # A cancelled date has nothing to join, for anyone.
    if occurrence.is_cancelled:
        return False
    if is_staff(user) or occurrence.event.host_id == user.pk:
        return True
    if occurrence.event.created_by_id == user.pk and can_manage_event(user, occurrence.event):
        return True
    return rsvp is not None and rsvp.member_id == user.pk and rsvp.status == RSVP.Status.GOING


def rsvp_denial(user, occurrence: Occurrence) -> str | None:
    """Why this member cannot RSVP now, or None if they can."""
    if not is_active_account(user):
        return "Only members can RSVP."
    if not can_see_event(user, occurrence.event):
        return "This meetup is not open to you."
    if occurrence.is_cancelled:
        return "This meetup has been cancelled."
    if occurrence.starts_at <= timezone.now():
        return "RSVP closed when this meetup started."
    return None


def can_rsvp(user, occurrence: Occurrence) -> bool:
    return rsvp_denial(user, occurrence) is None


def get_event_for_viewer_or_404(user, event_id) -> Event:
    event = Event.objects.visible_to(user).filter(pk=_int(event_id)).first()
    if event is None:
        raise Http404("No such meetup.")
    return event


def get_event_for_manager_or_404(user, event_id) -> Event:
    event = get_event_for_viewer_or_404(user, event_id)
    if not can_manage_event(user, event):
        raise Http404("No such meetup.")
    return event


def get_occurrence_for_viewer_or_404(user, occurrence_id) -> Occurrence:
    occurrence = (
        Occurrence.objects.visible_to(user)
        .for_lists()
        .select_related("event__discussion_room")
        .filter(pk=_int(occurrence_id))
        .first()
    )
    if occurrence is None:
        raise Http404("No such meetup.")
    return occurrence


def get_occurrence_for_manager_or_404(user, occurrence_id) -> Occurrence:
    occurrence = get_occurrence_for_viewer_or_404(user, occurrence_id)
    if not can_manage_event(user, occurrence.event):
        raise Http404("No such meetup.")
    return occurrence


def get_occurrence_for_attendance_or_404(user, occurrence_id) -> Occurrence:
    occurrence = get_occurrence_for_viewer_or_404(user, occurrence_id)
    if not can_take_attendance(user, occurrence.event):
        raise Http404("No such meetup.")
    return occurrence


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such meetup.") from None
