"""Who may do what with a member's plan, check-ins and milestones: the
member, and — for a check-in summary the member chose to share — their mentor.

There is deliberately no predicate for reading someone else's plan,
check-ins or milestones, and no access helper that takes a member id for
them: every read goes through the `own_*` helpers, which answer for the
requester alone. Moderators and staff are no exception, and staff never see
even a summary (DESIGN.md: staff see the program as aggregates only).

This app never imports mentorship (feature apps stand side by side), so the
mentor relation comes in as an argument: `alumni/recovery_sharing.py` asks
the mentorship app and passes `is_mentor`.
"""

from django.http import Http404

from community.models import User
from community.permissions import is_active_member
from groups import permissions as group_permissions

from .models import Milestone, RecoveryDate, SafetyPlan


def can_edit_safety_plan(user) -> bool:
    """Any active member keeps a plan of their own (suspended or deactivated: no)."""
    return is_active_member(user)


def own_safety_plan(user) -> SafetyPlan | None:
    """The requester's own plan, or None (no plan yet, or not an active member)."""
    if not can_edit_safety_plan(user):
        return None
    return SafetyPlan.objects.filter(member=user).first()


# --- Check-ins -------------------------------------------------------------------


def can_check_in(user) -> bool:
    """Any active member keeps check-ins of their own."""
    return is_active_member(user)


def can_view_checkins(user, member) -> bool:
    """A member's individual check-ins: that member, nobody else, ever."""
    return is_active_member(user) and user.pk == member.pk


def can_share_summary_with(user, viewer, *, is_mentor: bool) -> bool:
    """A member may share their summary with a person who is their mentor
    right now (an active mentorship), is an active member, and is not staff."""
    return (
        is_active_member(user)
        and is_mentor
        and viewer.pk != user.pk
        and is_active_member(viewer)
        and viewer.role != User.Role.STAFF
    )


def can_view_summary(user, member, *, shared: bool, is_mentor: bool) -> bool:
    """A member's check-in summary: the member themself; otherwise a person
    the member shares it with (`shared`) who is still their mentor
    (`is_mentor`: an ended mentorship closes it at once). Staff never, and a
    moderator only as someone's mentor, never as a moderator."""
    if not is_active_member(user):
        return False
    if user.pk == member.pk:
        return True
    if user.role == User.Role.STAFF:
        return False
    return shared and is_mentor


# --- Recovery dates and milestones ---------------------------------------------------


def can_keep_recovery_dates(user) -> bool:
    return is_active_member(user)


def get_own_recovery_date_or_404(user, pk) -> RecoveryDate:
    """The requester's own recovery date; anyone else's is missing (404)."""
    if not can_keep_recovery_dates(user):
        raise Http404("No such date.")
    found = RecoveryDate.objects.filter(pk=pk, member=user).first() if str(pk).isdigit() else None
    if found is None:
        raise Http404("No such date.")
    return found


def get_own_milestone_or_404(user, pk) -> Milestone:
    if not can_keep_recovery_dates(user):
        raise Http404("No such milestone.")
    found = (
        Milestone.objects.select_related("recovery_date").filter(pk=pk, recovery_date__member=user).first()
        if str(pk).isdigit()
        else None
    )
    if found is None:
        raise Http404("No such milestone.")
    return found


def can_share_milestone(user, milestone: Milestone, room, membership) -> bool:
    """Only the milestone's owner, only to a room they are an active member
    of and may post in right now."""
    return (
        is_active_member(user)
        and milestone.recovery_date.member_id == user.pk
        and membership is not None
        and membership.left_at is None
        and group_permissions.can_post(user, room, membership)
    )
