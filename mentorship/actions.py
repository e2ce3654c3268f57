"""Every change to mentor profiles, mentor requests and mentorships.

Views, tasks, management commands and the demo seeder call these; nothing
else saves these models. Each action runs in one transaction, checks
permission, validates (raising ValidationError with a message a member can
read, having changed nothing), writes, records an audit row for staff
actions, and notifies after writing. Docstrings list the side effects.
"""

from collections import Counter
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.actions import notify, record_audit
from community.models import FocusArea, Notification, User
from groups.actions import close_mentorship_room, create_mentorship_room

from . import matching, permissions, queries
from .models import (
    CheckInPrompt,
    EndFeedback,
    MatchingSettings,
    MentorProfile,
    MentorRequest,
    Mentorship,
    PairBlock,
)

MATCH = Notification.Kind.MATCH
GENERAL = Notification.Kind.GENERAL
HUB_URL = "/mentors/"


def _unique(values) -> list:
    return list(dict.fromkeys(values or []))


def _slots(values) -> list[str]:
    return sorted(_unique(values), key=lambda s: matching.SLOT_INDEX.get(s, 99))


def _modes(values) -> list[str]:
    """Known modes in their canonical order; unknown ones kept so validation names them."""
    values = _unique(values)
    return [m for m in matching.MEETING_MODES if m in values] + [v for v in values if v not in matching.MEETING_MODES]


def _focus(focus_areas) -> list[FocusArea]:
    areas = list(focus_areas or [])
    if not areas:
        raise ValidationError("Choose at least one focus area.")
    return areas


def _clean(instance, exclude=()) -> None:
    if not instance.languages:
        raise ValidationError("Choose at least one language from the list.")
    if not instance.meeting_preferences:
        raise ValidationError("Choose at least one way to meet.")
    instance.full_clean(exclude=list(exclude), validate_constraints=False)


def _date(value) -> str:
    local = timezone.localtime(value)
    return f"{local:%A}, {local:%B} {local.day}"


# --- Mentor applications -----------------------------------------------------------


@transaction.atomic
def apply_as_mentor(
    *,
    member: User,
    focus_areas,
    languages,
    availability,
    time_zone: str,
    meeting_preferences,
    capacity: int,
    bio: str,
    agreed_to_guidelines: bool,
    recovery_pathway: str = "",
    gender: str = "",
) -> MentorProfile:
    """Submit (or, after a decline, resubmit) a mentor application.

    Raises ValidationError when the member is not eligible (graduated less
    than the staff-set number of months ago), has applied already, did not
    agree to the mentor guidelines, or a field is invalid.
    Side effects: every staff member gets a notification.
    """
    settings = MatchingSettings.load()
    reason = permissions.mentor_eligibility(member, settings)
    if reason:
        raise ValidationError(reason)
    profile = MentorProfile.objects.select_for_update().filter(user=member).first()
    if not permissions.can_apply_as_mentor(member, profile, settings):
        raise ValidationError("You have already applied to mentor.")
    if not agreed_to_guidelines:
        raise ValidationError("Please read and agree to the mentor guidelines.")
    areas = _focus(focus_areas)
    profile = profile or MentorProfile(user=member)
    profile.status = MentorProfile.Status.PENDING
    profile.recovery_pathway = recovery_pathway or ""
    profile.languages = _unique(languages)
    profile.availability = _slots(availability)
    profile.time_zone = time_zone
    profile.meeting_preferences = _modes(meeting_preferences)
    profile.capacity = capacity
    profile.bio = (bio or "").strip()
    profile.gender = gender or ""
    profile.agreed_guidelines_at = timezone.now()
    profile.applied_at = timezone.now()
    profile.decided_at = profile.decided_by = None
    profile.decision_note = ""
    _clean(profile, exclude=["user", "decided_by"])
    profile.save()
    profile.focus_areas.set(areas)
    for staff in User.objects.filter(role=User.Role.STAFF, is_active=True, suspended_at__isnull=True):
        notify(
            recipient=staff, kind=GENERAL, text=f"{member.display_name} applied to be a mentor.", url=HUB_URL + "staff/"
        )
    return profile


def _decide(staff: User, profile: MentorProfile, status: str, note: str, action: str) -> MentorProfile:
    profile = MentorProfile.objects.select_for_update(of=("self",)).select_related("user").get(pk=profile.pk)
    if not permissions.can_decide_application(staff, profile):
        if not permissions.can_manage_mentoring(staff):
            raise PermissionDenied
        raise ValidationError("This application has already been decided.")
    profile.status = status
    profile.decided_at = timezone.now()
    profile.decided_by = staff
    profile.decision_note = (note or "").strip()
    profile.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    record_audit(actor=staff, action=action, target=profile, details={"note": profile.decision_note})
    return profile


@transaction.atomic
def approve_mentor(*, staff: User, profile: MentorProfile, note: str = "") -> MentorProfile:
    """Approve a pending application: the mentor becomes matchable.
    Side effects: audit row; the mentor is notified (with the note)."""
    profile = _decide(staff, profile, MentorProfile.Status.APPROVED, note, "mentor.approve")
    text = "Your mentor application was approved. Thank you!"
    notify(recipient=profile.user, kind=GENERAL, text=f"{text} {profile.decision_note}".strip(), url=HUB_URL)
    return profile


@transaction.atomic
def decline_mentor(*, staff: User, profile: MentorProfile, note: str) -> MentorProfile:
    """Decline a pending application; the note (required) tells the member why.
    Side effects: audit row; the member is notified with the note."""
    if not (note or "").strip():
        raise ValidationError("Please add a note for the applicant when declining.")
    profile = _decide(staff, profile, MentorProfile.Status.DECLINED, note, "mentor.decline")
    notify(
        recipient=profile.user,
        kind=GENERAL,
        text=f"About your mentor application: {profile.decision_note}",
        url=HUB_URL,
    )
    return profile


@transaction.atomic
def pause_mentoring(*, mentor: User) -> MentorProfile:
    """Stop new suggestions and proposals; current mentorships carry on."""
    profile = MentorProfile.objects.select_for_update().filter(user=mentor).first()
    if not permissions.can_pause(mentor, profile):
        raise ValidationError("Only an approved mentor who is not paused can pause.")
    profile.paused_at = timezone.now()
    profile.save(update_fields=["paused_at"])
    return profile


@transaction.atomic
def resume_mentoring(*, mentor: User) -> MentorProfile:
    profile = MentorProfile.objects.select_for_update().filter(user=mentor).first()
    if not permissions.can_resume(mentor, profile):
        raise ValidationError("Only a paused mentor can resume.")
    profile.paused_at = None
    profile.save(update_fields=["paused_at"])
    return profile


@transaction.atomic
def retire_mentor(*, staff: User, profile: MentorProfile, note: str = "") -> MentorProfile:
    """Retire an approved mentor: no new matches. Their pending proposals and
    drafts are withdrawn (each mentee is told and keeps their open request);
    active mentorships carry on until either side ends them.
    Side effects: audit row; notifications to the mentor and affected mentees."""
    profile = MentorProfile.objects.select_for_update(of=("self",)).select_related("user").get(pk=profile.pk)
    if not permissions.can_retire(staff, profile):
        if not permissions.can_manage_mentoring(staff):
            raise PermissionDenied
        raise ValidationError("Only an approved mentor can be retired.")
    profile.status = MentorProfile.Status.RETIRED
    profile.retired_at = timezone.now()
    profile.decision_note = (note or "").strip()
    profile.save(update_fields=["status", "retired_at", "decision_note"])
    pending = Mentorship.objects.select_for_update().filter(
        mentor=profile.user, status__in=[Mentorship.Status.PROPOSED, Mentorship.Status.DRAFT]
    )
    for mentorship in pending.select_related("mentee"):
        was_proposed = mentorship.status == Mentorship.Status.PROPOSED
        mentorship.status = Mentorship.Status.WITHDRAWN
        mentorship.save(update_fields=["status"])
        if was_proposed:
            notify(
                recipient=mentorship.mentee,
                kind=MATCH,
                text="A proposed mentor is no longer available. Your request is still open.",
                url=HUB_URL,
            )
    record_audit(actor=staff, action="mentor.retire", target=profile, details={"note": profile.decision_note})
    notify(
        recipient=profile.user,
        kind=GENERAL,
        text="You have been retired as a mentor. Thank you for everything you gave.",
        url=HUB_URL,
    )
    return profile


@transaction.atomic
def update_matching_settings(*, staff: User, changes: dict) -> MatchingSettings:
    """Change the eligibility months, response days or scoring weights.
    Side effect: audit row with old and new values."""
    if not permissions.can_manage_mentoring(staff):
        raise PermissionDenied
    allowed = {
        "min_months_since_graduation",
        "response_days",
        "weight_focus",
        "weight_availability",
        "weight_time_zone",
        "weight_meeting",
        "weight_track",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"Unknown settings: {', '.join(sorted(unknown))}")
    settings = MatchingSettings.objects.select_for_update().get(pk=MatchingSettings.load().pk)
    before = {k: getattr(settings, k) for k in changes}
    for key, value in changes.items():
        setattr(settings, key, value)
    settings.full_clean()
    if settings.weights().total <= 0:
        raise ValidationError("At least one weight must be above zero.")
    settings.updated_at = timezone.now()
    settings.save()
    record_audit(
        actor=staff, action="mentorship.settings", target=settings, details={"from": before, "to": dict(changes)}
    )
    return settings


@transaction.atomic
def block_pair(*, staff: User, mentor: User, mentee: User) -> PairBlock:
    """Never match these two. Side effect: audit row."""
    if not permissions.can_manage_mentoring(staff):
        raise PermissionDenied
    block, _ = PairBlock.objects.get_or_create(mentor=mentor, mentee=mentee, defaults={"created_by": staff})
    record_audit(
        actor=staff, action="mentorship.block_pair", target=block, details={"mentor": mentor.pk, "mentee": mentee.pk}
    )
    return block


# --- Mentor requests -----------------------------------------------------------------


@transaction.atomic
def request_mentor(
    *,
    mentee: User,
    focus_areas,
    goals: str,
    languages,
    availability,
    time_zone: str,
    meeting_preferences,
    gender: str = "",
    prefer_same_gender: bool = False,
) -> MentorRequest:
    """Open a mentor request (one open request at a time).

    Raises ValidationError if the member already has an open request or an
    active mentor, or a field is invalid. No side effects beyond the row:
    suggestions are computed when the mentee looks at them.
    """
    reason = permissions.request_denial(mentee)
    if reason:
        raise ValidationError(reason)
    if prefer_same_gender and not gender:
        raise ValidationError("To ask for a mentor of the same gender, please tell us your gender.")
    areas = _focus(focus_areas)
    request = MentorRequest(
        mentee=mentee,
        goals=(goals or "").strip(),
        languages=_unique(languages),
        availability=_slots(availability),
        time_zone=time_zone,
        meeting_preferences=_modes(meeting_preferences),
        gender=gender or "",
        prefer_same_gender=bool(prefer_same_gender),
    )
    _clean(request, exclude=["mentee"])
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise ValidationError("You already have an open request.") from None
    request.focus_areas.set(areas)
    return request


@transaction.atomic
def withdraw_request(*, mentee: User, request: MentorRequest) -> MentorRequest:
    """Withdraw an open request. A pending ask to a mentor (or a staff draft)
    is withdrawn with it. Side effect: a mentor who was asked is told."""
    request = MentorRequest.objects.select_for_update().get(pk=request.pk)
    if not permissions.can_withdraw_request(mentee, request):
        raise ValidationError("This request is not open.")
    request.status = MentorRequest.Status.WITHDRAWN
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at"])
    for mentorship in (
        request.mentorships.select_for_update()
        .filter(status__in=[Mentorship.Status.PROPOSED, Mentorship.Status.DRAFT])
        .select_related("mentor")
    ):
        was_proposed = mentorship.status == Mentorship.Status.PROPOSED
        mentorship.status = Mentorship.Status.WITHDRAWN
        mentorship.save(update_fields=["status"])
        if was_proposed:
            notify(
                recipient=mentorship.mentor,
                kind=MATCH,
                text=f"{mentee.display_name} withdrew their mentor request. No action needed.",
                url=HUB_URL,
            )
    return request


def _propose(mentorship: Mentorship, settings: MatchingSettings) -> None:
    now = timezone.now()
    mentorship.status = Mentorship.Status.PROPOSED
    mentorship.proposed_at = now
    mentorship.expires_at = now + timedelta(days=settings.response_days)


@transaction.atomic
def choose_mentor(*, mentee: User, request: MentorRequest, mentor: User) -> Mentorship:
    """Ask one of the mentee's current top suggestions to be their mentor.

    Raises ValidationError if the request is not open, an ask is already
    pending, or the mentor is not among the current suggestions (the mentor
    paused, filled up, or the pair is excluded).
    Side effects: a proposal the mentor must accept within `response_days`;
    the mentor is notified; a staff draft for this request, if any, is
    dropped (the mentee's own choice wins).
    """
    request = MentorRequest.objects.select_for_update(of=("self",)).select_related("mentee__cohort").get(pk=request.pk)
    if not permissions.can_withdraw_request(mentee, request):
        raise ValidationError("This request is not open.")
    if not permissions.can_choose_mentor(mentee, request):
        raise ValidationError("You have already asked a mentor; wait for their answer or cancel it first.")
    # Serialises concurrent asks to the same mentor, so capacity holds.
    MentorProfile.objects.select_for_update().filter(user=mentor).first()
    settings = MatchingSettings.load()
    chosen = next(
        (s for s in queries.suggestions_for(request, settings=settings) if s.profile.user_id == mentor.pk), None
    )
    if chosen is None:
        raise ValidationError("That mentor is not available to you right now. Please pick from your suggestions.")
    request.mentorships.filter(status=Mentorship.Status.DRAFT).delete()
    mentorship = Mentorship(
        mentor=mentor,
        mentee=mentee,
        request=request,
        source=Mentorship.Source.SELF_SERVE,
        score=chosen.scored.score,
        explanation=chosen.scored.as_dict(),
        mentee_accepted_at=timezone.now(),
    )
    _propose(mentorship, settings)
    try:
        with transaction.atomic():
            mentorship.save()
    except IntegrityError:
        raise ValidationError("You have already asked this mentor.") from None
    by = _date(mentorship.expires_at)
    notify(
        recipient=mentor,
        kind=MATCH,
        text=f"{mentee.display_name} would like you as their mentor. Please reply by {by}.",
        url=mentorship.get_absolute_url(),
    )
    return mentorship


def _lock_mentorship(mentorship: Mentorship) -> Mentorship:
    return (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentor", "mentee", "request")
        .get(pk=mentorship.pk)
    )


def _offer_next(request: MentorRequest, lead: str) -> None:
    """Tell the mentee their ask did not work out, naming the next suggestion."""
    request = MentorRequest.objects.select_related("mentee__cohort").get(pk=request.pk)
    if request.status != MentorRequest.Status.OPEN:
        return
    nxt = queries.suggestions_for(request, limit=1)
    tail = (
        f" Your next suggestion is {nxt[0].mentor.display_name}." if nxt else " Staff will look for a mentor for you."
    )
    notify(recipient=request.mentee, kind=MATCH, text=lead + tail, url=HUB_URL)


@transaction.atomic
def accept_proposal(*, member: User, mentorship: Mentorship) -> Mentorship:
    """Accept a proposal as mentor or mentee. When both sides have accepted
    the mentorship becomes active.

    Side effects on activation: the request is marked matched, a private
    two-person chat room is created, and both sides are notified. Otherwise
    the other side is told this one accepted.
    """
    mentorship = _lock_mentorship(mentorship)
    if not permissions.can_respond(member, mentorship):
        raise ValidationError("This proposal is no longer waiting for your answer.")
    now = timezone.now()
    role = mentorship.role_of(member)
    if role == "mentor":
        mentorship.mentor_accepted_at = now
    else:
        mentorship.mentee_accepted_at = now
    if mentorship.mentor_accepted_at and mentorship.mentee_accepted_at:
        _activate(mentorship)
    else:
        mentorship.save(update_fields=["mentor_accepted_at", "mentee_accepted_at"])
        notify(
            recipient=mentorship.other(member),
            kind=MATCH,
            text=f"{member.display_name} accepted your proposed mentorship. It starts when you accept too.",
            url=mentorship.get_absolute_url(),
        )
    return mentorship


def _activate(mentorship: Mentorship) -> None:

    mentorship.status = Mentorship.Status.ACTIVE
    mentorship.started_at = timezone.now()
    mentorship.room = create_mentorship_room(mentor=mentorship.mentor, mentee=mentorship.mentee)
    mentorship.save(update_fields=["status", "started_at", "room", "mentor_accepted_at", "mentee_accepted_at"])
    MentorRequest.objects.filter(pk=mentorship.request_id).update(
        status=MentorRequest.Status.MATCHED, closed_at=mentorship.started_at
    )
    url = mentorship.room.get_absolute_url()
    notify(
        recipient=mentorship.mentee,
        kind=MATCH,
        text=f"You and {mentorship.mentor.display_name} are matched! Say hello in your private room.",
        url=url,
    )
    notify(
        recipient=mentorship.mentor,
        kind=MATCH,
        text=f"You are now mentoring {mentorship.mentee.display_name}. Say hello in your private room.",
        url=url,
    )


@transaction.atomic
def decline_proposal(*, member: User, mentorship: Mentorship) -> Mentorship:
    """Decline a proposal (no reason needed). The pair is not suggested again.
    Side effects: the other side is told; the mentee, whose request stays
    open, is offered their next suggestion."""
    mentorship = _lock_mentorship(mentorship)
    if not permissions.can_respond(member, mentorship):
        raise ValidationError("This proposal is no longer waiting for your answer.")
    mentorship.status = Mentorship.Status.DECLINED
    mentorship.save(update_fields=["status"])
    if mentorship.role_of(member) == "mentor":
        _offer_next(mentorship.request, f"{mentorship.mentor.display_name} can't take on a new mentee right now.")
    else:
        notify(
            recipient=mentorship.mentor,
            kind=MATCH,
            text="A proposed mentorship did not go ahead. No action needed.",
            url=HUB_URL,
        )
    return mentorship


@transaction.atomic
def cancel_ask(*, mentee: User, mentorship: Mentorship) -> Mentorship:
    """The mentee takes back a pending ask; the request stays open.
    Side effect: the mentor is told."""
    mentorship = _lock_mentorship(mentorship)
    if not permissions.can_cancel_proposal(mentee, mentorship):
        raise ValidationError("There is no pending ask to cancel.")
    mentorship.status = Mentorship.Status.WITHDRAWN
    mentorship.save(update_fields=["status"])
    notify(
        recipient=mentorship.mentor,
        kind=MATCH,
        text=f"{mentee.display_name} withdrew their ask. No action needed.",
        url=HUB_URL,
    )
    return mentorship


@transaction.atomic
def end_mentorship(*, member: User, mentorship: Mentorship, feedback: str = "") -> Mentorship:
    """End an active mentorship, no fault, from either side.

    Side effects: optional private feedback stored (staff only); the room is
    locked (history stays readable); the other side is notified; the mentee
    may ask for a mentor again.
    """

    feedback = (feedback or "").strip()
    if len(feedback) > 2000:
        raise ValidationError("Feedback can be at most 2,000 characters.")
    mentorship = _lock_mentorship(mentorship)
    if not permissions.can_end(member, mentorship):
        raise ValidationError("Only an active mentorship can be ended.")
    mentorship.status = Mentorship.Status.ENDED
    mentorship.ended_at = timezone.now()
    mentorship.ended_by = member
    mentorship.save(update_fields=["status", "ended_at", "ended_by"])
    if feedback:
        EndFeedback.objects.create(mentorship=mentorship, author=member, body=feedback)
    if mentorship.room_id:
        close_mentorship_room(room=mentorship.room)
    notify(
        recipient=mentorship.other(member),
        kind=MATCH,
        text=f"Your mentorship with {member.display_name} has ended. Thank you for the time you shared.",
        url=HUB_URL,
    )
    return mentorship


@transaction.atomic
def expire_proposal(*, mentorship: Mentorship, now=None) -> bool:
    """Expire one proposal whose answer window has passed. Returns False if
    it was answered meanwhile. Side effects: the mentee is offered their
    next suggestion; for staff proposals the mentor is told too."""
    now = now or timezone.now()
    mentorship = _lock_mentorship(mentorship)
    if mentorship.status != Mentorship.Status.PROPOSED or mentorship.expires_at > now:
        return False
    mentorship.status = Mentorship.Status.EXPIRED
    mentorship.save(update_fields=["status"])
    if mentorship.source == Mentorship.Source.STAFF:
        notify(
            recipient=mentorship.mentor,
            kind=MATCH,
            text="A proposed mentorship expired before both sides accepted.",
            url=HUB_URL,
        )
    lead = (
        "A proposed mentorship expired before both of you accepted."
        if mentorship.source == Mentorship.Source.STAFF
        else "Your mentor ask expired without an answer."
    )
    _offer_next(mentorship.request, lead)
    return True


@transaction.atomic
def send_checkin_prompt(*, mentorship: Mentorship, fortnight: int) -> bool:
    """Prompt the mentor to check in, once per fortnight of the mentorship.
    Returns False if this fortnight's prompt was sent already."""
    try:
        with transaction.atomic():
            CheckInPrompt.objects.create(mentorship=mentorship, fortnight=fortnight)
    except IntegrityError:
        return False
    url = mentorship.room.get_absolute_url() if mentorship.room_id else mentorship.get_absolute_url()
    notify(
        recipient=mentorship.mentor,
        kind=GENERAL,
        text=f"Time for a check-in with {mentorship.mentee.display_name}. "
        "If anything sounds like a crisis, bring in staff right away.",
        url=url,
    )
    return True


# --- Staff bulk matching ------------------------------------------------------------


def _bulk_inputs():
    requests = list(
        MentorRequest.objects.filter(status=MentorRequest.Status.OPEN)
        .exclude(mentorships__status__in=[Mentorship.Status.PROPOSED])
        .select_related("mentee__cohort")
        .prefetch_related("focus_areas")
        .order_by("id")
    )
    pool = queries.mentor_pool()
    excluded = queries.excluded_pairs([r.mentee_id for r in requests])
    return requests, pool, excluded


@transaction.atomic
def run_bulk_matching(*, staff: User) -> list[Mentorship]:
    """Replace all drafts with the optimal assignment of every open request
    (without a pending ask) to mentors with capacity left.

    Drafts are visible to staff only until published. Side effect: audit row.
    """
    if not permissions.can_manage_mentoring(staff):
        raise PermissionDenied
    Mentorship.objects.filter(status=Mentorship.Status.DRAFT).delete()
    settings = MatchingSettings.load()
    requests, pool, excluded = _bulk_inputs()
    mentees = [queries.as_mentee(r) for r in requests]
    mentors = [queries.as_mentor(p) for p in pool]
    weights = settings.weights()
    scores = matching.score_matrix(mentees, mentors, weights, excluded)
    pairs = matching.assign(scores, [m.capacity_left for m in mentors])
    names = queries.labels()
    drafts = []
    for i, j in pairs:
        scored = matching.score_pair(mentees[i], mentors[j], weights, excluded, names)
        drafts.append(
            Mentorship(
                mentor=pool[j].user,
                mentee=requests[i].mentee,
                request=requests[i],
                status=Mentorship.Status.DRAFT,
                source=Mentorship.Source.STAFF,
                score=scored.score,
                explanation=scored.as_dict(),
            )
        )
    Mentorship.objects.bulk_create(drafts)
    record_audit(
        actor=staff,
        action="mentorship.bulk_match",
        details={
            "requests": len(requests),
            "mentors": len(pool),
            "drafts": len(drafts),
            "total_score": round(matching.total_score(scores, pairs), 1),
        },
    )
    return drafts


@transaction.atomic
def reassign_draft(*, staff: User, draft: Mentorship, mentor: User) -> Mentorship:
    """Point a draft at another mentor, who must pass every hard filter and
    have capacity left after the other drafts. Side effect: audit row."""
    if not permissions.can_manage_mentoring(staff):
        raise PermissionDenied
    draft = _lock_mentorship(draft)
    if draft.status != Mentorship.Status.DRAFT:
        raise ValidationError("Only a draft can be changed.")
    profile = next((p for p in queries.mentor_pool() if p.user_id == mentor.pk), None)
    if profile is None:
        raise ValidationError(f"{mentor.display_name} is not an available mentor with capacity left.")
    other_drafts = Mentorship.objects.filter(status=Mentorship.Status.DRAFT, mentor=mentor).exclude(pk=draft.pk).count()
    if other_drafts >= profile.capacity_left:
        raise ValidationError(f"{mentor.display_name} has no capacity left after the other drafts.")
    request = MentorRequest.objects.select_related("mentee__cohort").get(pk=draft.request_id)
    scored = matching.score_pair(
        queries.as_mentee(request),
        queries.as_mentor(profile),
        MatchingSettings.load().weights(),
        queries.excluded_pairs([request.mentee_id]),
        queries.labels(),
    )
    if scored is None:
        reason = matching.forbidden_reason(
            queries.as_mentee(request), queries.as_mentor(profile), queries.excluded_pairs([request.mentee_id])
        )
        raise ValidationError(f"{mentor.display_name} cannot mentor this member: {reason}.")
    old = draft.mentor_id
    draft.mentor = mentor
    draft.score = scored.score
    draft.explanation = scored.as_dict()
    draft.save(update_fields=["mentor", "score", "explanation"])
    record_audit(actor=staff, action="mentorship.draft_reassign", target=draft, details={"from": old, "to": mentor.pk})
    return draft


@transaction.atomic
def discard_draft(*, staff: User, draft: Mentorship) -> None:
    """Drop one draft (never seen by members). Side effect: audit row."""
    if not permissions.can_manage_mentoring(staff):
        raise PermissionDenied
    draft = _lock_mentorship(draft)
    if draft.status != Mentorship.Status.DRAFT:
        raise ValidationError("Only a draft can be discarded.")
    record_audit(
        actor=staff,
        action="mentorship.draft_discard",
        target=draft,
        details={"mentor": draft.mentor_id, "request": draft.request_id},
    )
    draft.delete()


@transaction.atomic
def publish_drafts(*, staff: User) -> list[Mentorship]:
    """Publish every draft as a proposal both sides must accept within
    `response_days`. All or nothing: if any draft is no longer valid
    (request closed, mentor unavailable or over capacity, pair excluded),
    raises ValidationError naming them and publishes none.
    Side effects: audit row; both sides of every proposal are notified."""
    if not permissions.can_manage_mentoring(staff):
        raise PermissionDenied
    drafts = list(
        Mentorship.objects.select_for_update()
        .filter(status=Mentorship.Status.DRAFT)
        .select_related("mentor", "mentee", "request")
        .order_by("id")
    )
    if not drafts:
        raise ValidationError("There are no draft proposals to publish.")
    pool = {p.user_id: p for p in queries.mentor_pool()}
    excluded = queries.excluded_pairs([d.mentee_id for d in drafts])
    per_mentor = Counter(d.mentor_id for d in drafts)
    pending = set(
        Mentorship.objects.filter(
            request__in=[d.request_id for d in drafts], status=Mentorship.Status.PROPOSED
        ).values_list("request_id", flat=True)
    )
    problems = []
    for d in drafts:
        who = f"{d.mentee.display_name} → {d.mentor.display_name}"
        if d.request.status != MentorRequest.Status.OPEN or d.request_id in pending:
            problems.append(f"{who}: the request is no longer open")
        elif d.mentor_id not in pool:
            problems.append(f"{who}: the mentor is not available")
        elif per_mentor[d.mentor_id] > pool[d.mentor_id].capacity_left:
            problems.append(f"{who}: the mentor has too many proposals")
        elif (d.mentee_id, d.mentor_id) in excluded:
            problems.append(f"{who}: this pair was matched, declined or blocked before")
    if problems:
        raise ValidationError("Nothing was published. " + "; ".join(problems) + ".")
    settings = MatchingSettings.load()
    for d in drafts:
        _propose(d, settings)
        d.save(update_fields=["status", "proposed_at", "expires_at"])
        by = _date(d.expires_at)
        notify(
            recipient=d.mentee,
            kind=MATCH,
            text=f"We found a mentor for you: {d.mentor.display_name}. Please reply by {by}.",
            url=d.get_absolute_url(),
        )
        notify(
            recipient=d.mentor,
            kind=MATCH,
            text=f"Staff suggest you mentor {d.mentee.display_name}. Please reply by {by}.",
            url=d.get_absolute_url(),
        )
    record_audit(actor=staff, action="mentorship.publish", details={"proposals": len(drafts)})
    return drafts
