"""Every "may this user do this" rule for mentors, requests and mentorships.

Views, actions and templates ask these. Access helpers raise Http404 for
both "missing" and "not yours".
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.http import Http404
from django.utils import timezone

from community.models import User
from community.permissions import is_active_member, is_staff

from .models import MatchingSettings, MentorProfile, MentorRequest, Mentorship


def graduation_date(user) -> date | None:
    if user.graduation_date:
        return user.graduation_date
    cohort = user.cohort if user.cohort_id else None
    return cohort.graduation_date if cohort else None


def is_alumnus(user) -> bool:
    """Alumni and alumni moderators take part in mentoring; staff run it."""
    return is_active_member(user) and user.role in (User.Role.ALUMNUS, User.Role.MODERATOR)


def mentor_eligibility(user, settings: MatchingSettings | None = None) -> str:
    """'' if the member may apply to mentor, else the reason they may not."""
    if not is_alumnus(user):
        return "Only alumni can apply to mentor."
    graduated = graduation_date(user)
    months = (settings or MatchingSettings.load()).min_months_since_graduation
    if graduated is None:
        return "We do not have your graduation date yet; please ask staff."
    if graduated > timezone.localdate() - relativedelta(months=months):
        eligible_on = graduated + relativedelta(months=months)
        when = f"{eligible_on:%B} {eligible_on.day}, {eligible_on.year}"
        return f"Mentors graduated at least {months} months ago. You can apply from {when}."
    return ""


def can_apply_as_mentor(user, profile: MentorProfile | None, settings: MatchingSettings | None = None) -> bool:
    """Eligible, and either no application yet or a declined one to redo."""
    if mentor_eligibility(user, settings):
        return False
    return profile is None or profile.status == MentorProfile.Status.DECLINED


def can_pause(user, profile: MentorProfile | None) -> bool:
    return (
        is_active_member(user)
        and profile is not None
        and profile.user_id == user.pk
        and profile.status == MentorProfile.Status.APPROVED
        and profile.paused_at is None
    )


def can_resume(user, profile: MentorProfile | None) -> bool:
    return (
        is_active_member(user)
        and profile is not None
        and profile.user_id == user.pk
        and profile.status == MentorProfile.Status.APPROVED
        and profile.paused_at is not None
    )


def can_manage_mentoring(user) -> bool:
    """Review applications, retire mentors, edit weights, run bulk matching."""
    return is_staff(user)


def can_decide_application(user, profile: MentorProfile) -> bool:
    return can_manage_mentoring(user) and profile.status == MentorProfile.Status.PENDING


def can_retire(user, profile: MentorProfile) -> bool:
    return can_manage_mentoring(user) and profile.status == MentorProfile.Status.APPROVED


def request_denial(user) -> str:
    """'' if the member may ask for a mentor now, else why not."""
    if not is_alumnus(user):
        return "Only alumni can ask for a mentor."
    if MentorRequest.objects.filter(mentee=user, status=MentorRequest.Status.OPEN).exists():
        return "You already have an open request."
    if Mentorship.objects.filter(mentee=user, status=Mentorship.Status.ACTIVE).exists():
        return "You already have a mentor. End that mentorship first to ask again."
    return ""


def can_request_mentor(user) -> bool:
    return request_denial(user) == ""


def can_withdraw_request(user, request: MentorRequest) -> bool:
    return is_active_member(user) and request.mentee_id == user.pk and request.status == MentorRequest.Status.OPEN


def can_choose_mentor(user, request: MentorRequest) -> bool:
    """The mentee may pick a suggestion while no ask is pending (a staff
    draft, which the mentee cannot see, does not count)."""
    return (
        can_withdraw_request(user, request)
        and not request.mentorships.filter(status=Mentorship.Status.PROPOSED).exists()
    )


def is_participant(user, mentorship: Mentorship) -> bool:
    return is_active_member(user) and user.pk in (mentorship.mentor_id, mentorship.mentee_id)


def can_view_mentorship(user, mentorship: Mentorship) -> bool:
    if mentorship.status == Mentorship.Status.DRAFT:
        return can_manage_mentoring(user)
    return is_participant(user, mentorship) or can_manage_mentoring(user)


def can_see_mentee_private(user, mentorship: Mentorship) -> bool:
    """The mentee's focus areas and goals: staff, and the matched mentor of an
    active mentorship. A proposed mentor sees only privacy-safe reasons."""
    if can_manage_mentoring(user):
        return True
    if not is_active_member(user):
        return False
    if user.pk == mentorship.mentee_id:
        return True
    return user.pk == mentorship.mentor_id and mentorship.status == Mentorship.Status.ACTIVE


def can_respond(user, mentorship: Mentorship) -> bool:
    """Accept or decline: a participant who has not accepted a live proposal."""
    return (
        is_participant(user, mentorship)
        and mentorship.status == Mentorship.Status.PROPOSED
        and not mentorship.accepted_by(user)
        and (mentorship.expires_at is None or mentorship.expires_at > timezone.now())
    )


def can_cancel_proposal(user, mentorship: Mentorship) -> bool:
    """A mentee may take back a pending ask they made."""
    return (
        is_participant(user, mentorship)
        and user.pk == mentorship.mentee_id
        and mentorship.status == Mentorship.Status.PROPOSED
        and mentorship.mentee_accepted_at is not None
    )


def can_end(user, mentorship: Mentorship) -> bool:
    return is_participant(user, mentorship) and mentorship.status == Mentorship.Status.ACTIVE


def can_edit_draft(user, mentorship: Mentorship) -> bool:
    return can_manage_mentoring(user) and mentorship.status == Mentorship.Status.DRAFT


# --- access helpers --------------------------------------------------------------


def get_mentorship_or_404(user, pk) -> Mentorship:
    try:
        mentorship = Mentorship.objects.select_related("mentor", "mentee", "request", "room").get(pk=pk)
    except (Mentorship.DoesNotExist, ValueError, TypeError):
        raise Http404("No such mentorship.") from None
    if not can_view_mentorship(user, mentorship):
        raise Http404("No such mentorship.")
    return mentorship


def get_profile_for_staff_or_404(user, pk) -> MentorProfile:
    if not can_manage_mentoring(user):
        raise Http404("No such mentor.")
    try:
        return MentorProfile.objects.select_related("user").get(pk=pk)
    except (MentorProfile.DoesNotExist, ValueError, TypeError):
        raise Http404("No such mentor.") from None


def get_draft_for_staff_or_404(user, pk) -> Mentorship:
    if not can_manage_mentoring(user):
        raise Http404("No such proposal.")
    try:
        return Mentorship.objects.select_related("mentor", "mentee", "request").get(
            pk=pk, status=Mentorship.Status.DRAFT
        )
    except (Mentorship.DoesNotExist, ValueError, TypeError):
        raise Http404("No such proposal.") from None
