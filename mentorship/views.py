"""Thin views: access helper → form → action → redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.decorators import member_required, permission_required
from community.models import User

from . import actions, permissions, queries
from .forms import (
    GRID_PARTS,
    GUIDELINES,
    DecisionForm,
    EndForm,
    MentorApplicationForm,
    MentorRequestForm,
    ReassignForm,
    RetireForm,
    SettingsForm,
    availability_rows,
)
from .matching import describe_slots
from .models import MatchingSettings, MentorProfile, MentorRequest, Mentorship


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _own_profile(user) -> MentorProfile | None:
    return MentorProfile.objects.filter(user=user).prefetch_related("focus_areas").first()


# --- member pages --------------------------------------------------------------------


@member_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    settings = MatchingSettings.load()
    profile = _own_profile(user)
    open_request = queries.open_request(user)
    pending = queries.pending_ask(open_request)
    suggestions = []
    if open_request is not None and pending is None:
        suggestions = queries.suggestions_for(open_request, settings=settings)
    mentorships = queries.my_mentorships(user)
    for m in mentorships:
        m.my_role = m.role_of(user)
        m.partner = m.other(user)
        m.waiting_on_me = permissions.can_respond(user, m)
    return render(
        request,
        "mentorship/index.html",
        {
            "settings": settings,
            "profile": profile,
            "eligibility": permissions.mentor_eligibility(user, settings),
            "can_apply": permissions.can_apply_as_mentor(user, profile, settings),
            "can_pause": permissions.can_pause(user, profile),
            "can_resume": permissions.can_resume(user, profile),
            "open_request": open_request,
            "pending": pending,
            "suggestions": suggestions,
            "request_denial": permissions.request_denial(user) if open_request is None else "",
            "mentorships": mentorships,
            "is_staff": permissions.can_manage_mentoring(user),
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    user = request.user
    settings = MatchingSettings.load()
    profile = _own_profile(user)
    reason = permissions.mentor_eligibility(user, settings)
    if not reason and not permissions.can_apply_as_mentor(user, profile, settings):
        reason = "You have already applied to mentor."
    status = 200
    if request.method == "POST" and not reason:
        form = MentorApplicationForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            agreed = data.pop("agree")
            try:
                actions.apply_as_mentor(member=user, agreed_to_guidelines=agreed, **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Thank you for applying! Staff will review your application.")
                return redirect("mentorship:index")
        status = 400
    else:
        form = MentorApplicationForm(initial={"time_zone": user.time_zone, "focus_areas": list(user.focus_areas.all())})
    return render(
        request,
        "mentorship/apply.html",
        {
            "form": form,
            "reason": reason,
            "guidelines": GUIDELINES,
            "grid": availability_rows(form["availability"]),
            "grid_parts": GRID_PARTS,
        },
        status=status,
    )


@member_required
@require_POST
def pause(request: HttpRequest) -> HttpResponse:
    try:
        actions.pause_mentoring(mentor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, "You are paused. You will get no new mentees until you resume.")
    return redirect("mentorship:index")


@member_required
@require_POST
def resume(request: HttpRequest) -> HttpResponse:
    try:
        actions.resume_mentoring(mentor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, "Welcome back. Mentees can be matched with you again.")
    return redirect("mentorship:index")


@member_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    reason = permissions.request_denial(user)
    status = 200
    if request.method == "POST" and not reason:
        form = MentorRequestForm(request.POST)
        if form.is_valid():
            try:
                actions.request_mentor(mentee=user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Your request is open. Here are the mentors we suggest.")
                return redirect("mentorship:index")
        status = 400
    else:
        form = MentorRequestForm(initial={"time_zone": user.time_zone, "focus_areas": list(user.focus_areas.all())})
    return render(
        request,
        "mentorship/request.html",
        {
            "form": form,
            "reason": reason,
            "grid": availability_rows(form["availability"]),
            "grid_parts": GRID_PARTS,
        },
        status=status,
    )


def _own_open_request(user) -> MentorRequest:
    request = queries.open_request(user)
    if request is None:
        raise Http404("No open request.")
    return request


@member_required
@require_POST
def request_withdraw(request: HttpRequest) -> HttpResponse:
    open_request = _own_open_request(request.user)
    try:
        actions.withdraw_request(mentee=request.user, request=open_request)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, "Your request is withdrawn. You can ask again any time.")
    return redirect("mentorship:index")


@member_required
@require_POST
def choose(request: HttpRequest) -> HttpResponse:
    open_request = _own_open_request(request.user)
    raw = request.POST.get("mentor", "")
    mentor = User.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if mentor is None:
        messages.error(request, "Please pick one of your suggested mentors.")
        return redirect("mentorship:index")
    try:
        mentorship = actions.choose_mentor(mentee=request.user, request=open_request, mentor=mentor)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("mentorship:index")
    messages.success(
        request, f"We asked {mentor.display_name}. They have {MatchingSettings.load().response_days} days to answer."
    )
    return redirect(mentorship.get_absolute_url())


@member_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    mentorship = permissions.get_mentorship_or_404(user, pk)
    role = mentorship.role_of(user)
    audience = role or "staff"
    explanation = mentorship.explanation.get(audience, [])
    mentor_profile = MentorProfile.objects.filter(user_id=mentorship.mentor_id).prefetch_related("focus_areas").first()
    mentee_private = None
    if permissions.can_see_mentee_private(user, mentorship) and role != "mentee":
        req = mentorship.request
        mentee_private = {
            "focus_areas": list(req.focus_areas.all()),
            "goals": req.goals,
            "availability": describe_slots(req.availability),
            "languages": req.language_names,
            "meeting": req.meeting_labels,
        }
    return render(
        request,
        "mentorship/detail.html",
        {
            "m": mentorship,
            "role": role,
            "partner": mentorship.other(user) if role else None,
            "explanation": explanation,
            "mentor_profile": mentor_profile,
            "mentor_availability": describe_slots(mentor_profile.availability) if mentor_profile else "",
            "mentee_private": mentee_private,
            "can_respond": permissions.can_respond(user, mentorship),
            "can_cancel": permissions.can_cancel_proposal(user, mentorship),
            "can_end": permissions.can_end(user, mentorship),
            "end_form": EndForm(),
            "is_staff": permissions.can_manage_mentoring(user),
            "feedback": list(mentorship.feedback.select_related("author"))
            if permissions.can_manage_mentoring(user)
            else [],
        },
    )


def _mentorship_post(action_name: str, success: str):
    @member_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        mentorship = permissions.get_mentorship_or_404(request.user, pk)
        if not permissions.is_participant(request.user, mentorship):
            raise Http404("No such mentorship.")
        try:
            if action_name == "accept":
                mentorship = actions.accept_proposal(member=request.user, mentorship=mentorship)
            elif action_name == "decline":
                actions.decline_proposal(member=request.user, mentorship=mentorship)
            else:
                actions.cancel_ask(mentee=request.user, mentorship=mentorship)
        except ValidationError as exc:
            _error(request, exc)
            return redirect(mentorship.get_absolute_url())
        messages.success(request, success)
        if mentorship.status == Mentorship.Status.ACTIVE and mentorship.room_id:
            return redirect(mentorship.room.get_absolute_url())
        return redirect("mentorship:index" if action_name != "accept" else mentorship.get_absolute_url())

    view.__name__ = action_name
    return view


accept = _mentorship_post("accept", "Thank you for accepting.")
decline = _mentorship_post("decline", "Declined. Thank you for letting us know.")
cancel = _mentorship_post("cancel", "Your ask is withdrawn; your request is still open.")


@member_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = permissions.get_mentorship_or_404(request.user, pk)
    if not permissions.is_participant(request.user, mentorship):
        raise Http404("No such mentorship.")
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(mentorship.get_absolute_url())
    try:
        actions.end_mentorship(member=request.user, mentorship=mentorship, feedback=form.cleaned_data["feedback"])
    except ValidationError as exc:
        _error(request, exc)
        return redirect(mentorship.get_absolute_url())
    messages.success(request, "The mentorship has ended. Thank you for the time you gave it.")
    return redirect("mentorship:index")


# --- staff pages -----------------------------------------------------------------------


def _staff_context(settings_form=None) -> dict:
    live = Q(user__mentorships_as_mentor__status__in=Mentorship.LIVE_STATUSES)
    profiles = list(
        MentorProfile.objects.exclude(status=MentorProfile.Status.DECLINED)
        .annotate(load=Count("user__mentorships_as_mentor", filter=live))
        .select_related("user__cohort")
        .prefetch_related("focus_areas")
        .order_by("status", "user__display_name")
    )
    for p in profiles:
        p.availability_text = describe_slots(p.availability)
        p.graduated = permissions.graduation_date(p.user)
    drafts = list(
        Mentorship.objects.filter(status=Mentorship.Status.DRAFT)
        .select_related("mentor", "mentee", "request")
        .order_by("-score", "id")
    )
    requests = list(
        MentorRequest.objects.filter(status=MentorRequest.Status.OPEN)
        .select_related("mentee")
        .prefetch_related(
            "focus_areas",
            Prefetch(
                "mentorships",
                queryset=Mentorship.objects.filter(
                    status__in=[Mentorship.Status.PROPOSED, Mentorship.Status.DRAFT]
                ).select_related("mentor"),
                to_attr="pending",
            ),
        )
        .order_by("created_at")
    )
    matchable = [p for p in profiles if p.is_matchable]
    return {
        "applications": [p for p in profiles if p.status == MentorProfile.Status.PENDING],
        "mentors": [p for p in profiles if p.status != MentorProfile.Status.PENDING],
        "matchable": matchable,
        "drafts": drafts,
        "requests": requests,
        "settings_form": settings_form or SettingsForm(instance=MatchingSettings.load()),
        "decision_form": DecisionForm(),
        "live": list(
            Mentorship.objects.filter(status__in=Mentorship.LIVE_STATUSES)
            .select_related("mentor", "mentee")
            .order_by("status", "-created_at")[:100]
        ),
    }


@permission_required(permissions.can_manage_mentoring)
@require_GET
def staff(request: HttpRequest) -> HttpResponse:
    return render(request, "mentorship/staff.html", _staff_context())


@permission_required(permissions.can_manage_mentoring)
@require_POST
def staff_decide(request: HttpRequest, pk: int) -> HttpResponse:
    profile = permissions.get_profile_for_staff_or_404(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("mentorship:staff")
    try:
        if form.cleaned_data["decision"] == "approve":
            actions.approve_mentor(staff=request.user, profile=profile, note=form.cleaned_data["note"])
        else:
            actions.decline_mentor(staff=request.user, profile=profile, note=form.cleaned_data["note"])
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"Application from {profile.user.display_name}: {form.cleaned_data['decision']}d.")
    return redirect("mentorship:staff")


@permission_required(permissions.can_manage_mentoring)
@require_POST
def staff_retire(request: HttpRequest, pk: int) -> HttpResponse:
    profile = permissions.get_profile_for_staff_or_404(request.user, pk)
    form = RetireForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        actions.retire_mentor(staff=request.user, profile=profile, note=note)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"{profile.user.display_name} is retired as a mentor.")
    return redirect("mentorship:staff")


@permission_required(permissions.can_manage_mentoring)
@require_POST
def staff_settings(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST, instance=MatchingSettings.load())
    if form.is_valid():
        changes = {f: form.cleaned_data[f] for f in SettingsForm.Meta.fields}
        try:
            actions.update_matching_settings(staff=request.user, changes=changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Matching settings saved.")
            return redirect("mentorship:staff")
    return render(request, "mentorship/staff.html", _staff_context(settings_form=form), status=400)


@permission_required(permissions.can_manage_mentoring)
@require_POST
def staff_match(request: HttpRequest) -> HttpResponse:
    drafts = actions.run_bulk_matching(staff=request.user)
    messages.success(request, f"{len(drafts)} draft proposal(s) ready to review. Nobody has been told yet.")
    return redirect("mentorship:staff")


@permission_required(permissions.can_manage_mentoring)
@require_POST
def staff_draft(request: HttpRequest, pk: int) -> HttpResponse:
    draft = permissions.get_draft_for_staff_or_404(request.user, pk)
    try:
        if request.POST.get("op") == "discard":
            actions.discard_draft(staff=request.user, draft=draft)
            messages.success(request, "Draft discarded.")
        else:
            form = ReassignForm(request.POST, mentors=[p.user for p in queries.mentor_pool()])
            if not form.is_valid():
                messages.error(request, "Pick an available mentor.")
                return redirect("mentorship:staff")
            actions.reassign_draft(staff=request.user, draft=draft, mentor=form.cleaned_data["mentor"])
            messages.success(request, "Draft updated.")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("mentorship:staff")


@permission_required(permissions.can_manage_mentoring)
@require_POST
def staff_publish(request: HttpRequest) -> HttpResponse:
    try:
        published = actions.publish_drafts(staff=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"Published {len(published)} proposal(s); both sides have been notified.")
    return redirect("mentorship:staff")
