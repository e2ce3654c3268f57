"""The member's own pages: the safety plan and its relapse-prevention
section, the fragment the chat's support card fetches, the weekly check-in,
My progress, and recovery dates with their milestones. Every page answers
for the requester alone (there is no URL with anyone's id in it) and is
never cached: it is private health data, and a shared computer's back button
must not show it. (The mentor's view of a shared summary is composed in
alumni/recovery_sharing.py, which knows mentorships.)"""

from datetime import time

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.actions import update_profile
from community.decorators import member_required
from community.models import Notification

from . import actions, dates, permissions, queries, questionnaire
from .forms import (
    BeginAgainForm,
    RecoveryDateForm,
    RelapsePlanForm,
    SafetyPlanForm,
    ScheduleForm,
    ShareMilestoneForm,
)
from .models import CheckIn, CheckInSchedule


@never_cache
@member_required
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    safety_plan = permissions.own_safety_plan(request.user)
    if safety_plan is not None and safety_plan.is_empty:
        safety_plan = None
    return render(request, "recovery/plan.html", {"plan": safety_plan})


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest) -> HttpResponse:
    safety_plan = permissions.own_safety_plan(request.user)
    if request.method == "POST":
        form = SafetyPlanForm(request.POST)
        if form.is_valid():
            try:
                actions.save_safety_plan(member=request.user, data=form.plan_data())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "Your safety plan is saved. Only you can see it.")
                return redirect("recovery:plan")
        return render(request, "recovery/edit.html", {"form": form, "plan": safety_plan}, status=400)
    form = SafetyPlanForm(initial=SafetyPlanForm.initial_for(safety_plan))
    return render(request, "recovery/edit.html", {"form": form, "plan": safety_plan})


@never_cache
@member_required
@require_POST
def plan_delete(request: HttpRequest) -> HttpResponse:
    if actions.delete_safety_plan(member=request.user):
        messages.success(request, "Your safety plan is deleted.")
    return redirect("recovery:plan")


@never_cache
@member_required
@require_GET
def plan_card(request: HttpRequest) -> HttpResponse:
    """An HTML fragment (no page around it) for the chat's support card: the
    requester's reasons for living and people first, then their coping
    strategies; without a plan, a line inviting them to make one."""
    safety_plan = permissions.own_safety_plan(request.user)
    if safety_plan is not None and safety_plan.is_empty:
        safety_plan = None
    # Rendered without the request: no context processors, so no header
    # queries (the unread badge) for a fragment that has no header.
    return HttpResponse(render_to_string("recovery/card.html", {"plan": safety_plan}))


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def relapse_edit(request: HttpRequest) -> HttpResponse:
    safety_plan = permissions.own_safety_plan(request.user)
    if request.method == "POST":
        form = RelapsePlanForm(request.POST)
        if form.is_valid():
            try:
                actions.save_relapse_plan(member=request.user, data=form.plan_data())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "Your relapse-prevention plan is saved. Only you can see it.")
                return redirect(reverse("recovery:plan") + "#relapse")
        return render(request, "recovery/relapse_edit.html", {"form": form, "plan": safety_plan}, status=400)
    form = RelapsePlanForm(initial=RelapsePlanForm.initial_for(safety_plan))
    return render(request, "recovery/relapse_edit.html", {"form": form, "plan": safety_plan})


# --- Weekly check-in --------------------------------------------------------------------


def _questions(definition, values: dict, errors: dict) -> list[dict]:
    """The questionnaire for the template: each question with its options,
    what is chosen, and its error."""
    out, seen = [], set()
    for q in definition.questions:
        value = values.get(q.key)
        chosen = [str(v) for v in value] if isinstance(value, list) else ([] if value is None else [str(value)])
        intro = definition.groups.get(q.group, "") if q.group and q.group not in seen else ""
        seen.add(q.group)
        options = q.options()
        out.append(
            {
                "q": q,
                "options": options,
                "layout": _layout(q, options),
                "chosen": chosen,
                "value": value or "",
                "error": errors.get(q.key),
                "intro": intro,
            }
        )
    return out


def _layout(q, options) -> str:
    """How the answers sit on a phone: numbers in a row of small squares,
    five short answers in one row, longer lists two to a row."""
    if q.kind == "scale" or all(label.isdigit() for _, label in options):
        return "ci-scale"
    if len(options) == 5:
        return "ci-five"
    if len(options) > 5:
        return "ci-long"
    return ""


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    """This week's check-in: a new one, or this week's to change."""
    member = request.user
    definition = questionnaire.current()
    week = dates.current_week(member)
    existing = CheckIn.objects.filter(member=member, week_start=week).first()
    if request.method == "POST":
        try:
            result = actions.save_checkin(member=member, data=request.POST)
        except ValidationError as exc:
            errors = {k: v[0] for k, v in exc.message_dict.items()}
            values = {
                q.key: request.POST.getlist(q.key) if q.kind == "multi" else request.POST.get(q.key)
                for q in definition.questions
            }
            context = {
                "definition": definition,
                "questions": _questions(definition, values, errors),
                "errors": [
                    {"key": k, "legend": definition.question(k).legend, "message": m} for k, m in errors.items()
                ],
                "existing": existing,
                "week": week,
            }
            return render(request, "recovery/checkin.html", context, status=400)
        if result.risk == actions.DANGER:
            messages.warning(request, _danger_text(result.paged))
        return redirect("recovery:checkin_done")
    values = dict(existing.answers) if existing and existing.version == definition.version else {}
    context = {
        "definition": definition,
        "questions": _questions(definition, values, {}),
        "errors": [],
        "existing": existing,
        "week": week,
    }
    return render(request, "recovery/checkin.html", context)


def _danger_text(paged) -> str:
    who = "The moderator on duty has" if paged == 1 else "Moderators have"
    return (
        f"{who} been asked to reach out to you now. You'll be told here when someone has seen it. "
        "If you are in danger right now, call or text 988, or your local emergency number."
    )


@never_cache
@member_required
@require_GET
def checkin_done(request: HttpRequest) -> HttpResponse:
    """After a check-in: thanks, and — when the answers call for it — the
    concern card with the member's own plan and a one-tap request for a
    moderator (the member's choice: nothing was sent yet)."""
    member = request.user
    week = dates.current_week(member)
    this_week = CheckIn.objects.filter(member=member, week_start=week).first()
    if this_week is None:
        return redirect("recovery:checkin")
    risk = actions.assess_risk(this_week, actions.previous_checkin(member, week))
    plan = permissions.own_safety_plan(member) if risk else None
    if plan is not None and plan.is_empty:
        plan = None
    schedule = CheckInSchedule.objects.filter(member=member).first()
    return render(
        request,
        "recovery/checkin_done.html",
        {"checkin": this_week, "risk": risk, "plan": plan, "schedule": schedule, "crisis_card": bool(risk)},
    )


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def reminder(request: HttpRequest) -> HttpResponse:
    """The member's check-in reminder: day and time, in their own time zone."""
    member = request.user
    schedule = CheckInSchedule.objects.filter(member=member).first()
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                actions.set_checkin_schedule(
                    member=member,
                    weekday=form.cleaned_data["weekday"],
                    at=form.cleaned_data["time"],
                    enabled=form.cleaned_data["enabled"],
                )
                kinds = [k for k in (member.email_notification_kinds or []) if k != Notification.Kind.CHECKIN]
                if form.cleaned_data["by_email"]:
                    kinds.append(Notification.Kind.CHECKIN)
                if kinds != list(member.email_notification_kinds or []):
                    # The same preference as the profile's e-mail choices, kept in one place.
                    update_profile(member=member, changes={"email_notification_kinds": kinds})
            if form.cleaned_data["enabled"]:
                messages.success(request, "Your check-in reminder is set.")
            else:
                messages.success(request, "Check-in reminders are off.")
            return redirect("recovery:progress")
        return render(request, "recovery/reminder.html", {"form": form, "schedule": schedule}, status=400)
    initial = (
        {"enabled": schedule.enabled, "weekday": schedule.weekday, "time": schedule.time}
        if schedule
        else {"enabled": True, "weekday": 6, "time": time(18, 0)}
    )
    initial["by_email"] = Notification.Kind.CHECKIN in (member.email_notification_kinds or [])
    return render(request, "recovery/reminder.html", {"form": ScheduleForm(initial=initial), "schedule": schedule})


@never_cache
@member_required
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    """My progress: trend charts of the member's own answers with the same
    numbers as a table, and the weeks they checked in (gaps, never misses)."""
    member = request.user
    data = queries.progress(member, str(request.GET.get("range", queries.DEFAULT_RANGE)))
    return render(
        request,
        "recovery/progress.html",
        {**data, "ranges": [(key, label) for key, (label, _) in queries.RANGES.items()]},
    )


@never_cache
@member_required
@require_GET
def week(request: HttpRequest, week: str) -> HttpResponse:
    """One of the member's own check-ins, answer by answer."""
    try:
        found = CheckIn.objects.filter(member=request.user, week_start=week).first()
    except ValidationError:
        found = None
    if found is None:
        raise Http404("No check-in that week.")
    return render(request, "recovery/week.html", {"checkin": found, "answers": queries.answers_for_display(found)})


@never_cache
@member_required
@require_POST
def week_delete(request: HttpRequest, week: str) -> HttpResponse:
    try:
        found = CheckIn.objects.filter(member=request.user, week_start=week).first()
    except ValidationError:
        found = None
    if found is None:
        raise Http404("No check-in that week.")
    actions.delete_checkin(member=request.user, checkin=found)
    messages.success(request, "That check-in is deleted.")
    return redirect("recovery:progress")


# --- Recovery dates and milestones -----------------------------------------------------


@never_cache
@member_required
@require_GET
def milestones(request: HttpRequest) -> HttpResponse:
    return _milestones_page(request, RecoveryDateForm(), status=200)


def _milestones_page(request, form, *, status: int, begin_forms=None) -> HttpResponse:
    recovery_dates = queries.own_recovery_dates(request.user)
    for d in recovery_dates:
        d.begin_form = (begin_forms or {}).get(d.pk) or BeginAgainForm(auto_id=f"begin_{d.pk}_%s")
    return render(request, "recovery/milestones.html", {"dates": recovery_dates, "form": form}, status=status)


@never_cache
@member_required
@require_POST
def milestone_date_add(request: HttpRequest) -> HttpResponse:
    form = RecoveryDateForm(request.POST)
    if form.is_valid():
        try:
            actions.add_recovery_date(
                member=request.user, label=form.cleaned_data["label"], start_date=form.cleaned_data["start_date"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your date is saved. Only you can see it.")
            return redirect("recovery:milestones")
    return _milestones_page(request, form, status=400)


@never_cache
@member_required
@require_POST
def milestone_begin_again(request: HttpRequest, pk: int) -> HttpResponse:
    recovery_date = permissions.get_own_recovery_date_or_404(request.user, pk)
    form = BeginAgainForm(request.POST, auto_id=f"begin_{recovery_date.pk}_%s")
    if form.is_valid():
        try:
            actions.begin_again(
                member=request.user, recovery_date=recovery_date, start_date=form.cleaned_data["start_date"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "A new beginning. Your history stays yours, and today counts.")
            return redirect("recovery:milestones")
    return _milestones_page(request, RecoveryDateForm(), status=400, begin_forms={recovery_date.pk: form})


@never_cache
@member_required
@require_POST
def milestone_date_delete(request: HttpRequest, pk: int) -> HttpResponse:
    recovery_date = permissions.get_own_recovery_date_or_404(request.user, pk)
    actions.delete_recovery_date(member=request.user, recovery_date=recovery_date)
    messages.success(request, "That date and its history are deleted.")
    return redirect("recovery:milestones")


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def milestone_share(request: HttpRequest, pk: int) -> HttpResponse:
    """Share one milestone to a room the member belongs to, on their say-so."""
    milestone = permissions.get_own_milestone_or_404(request.user, pk)
    rooms = list(actions.shareable_rooms(request.user))
    form = ShareMilestoneForm(request.POST or None, rooms=rooms)
    if request.method == "POST" and form.is_valid():
        room = form.rooms[form.cleaned_data["room"]]
        try:
            actions.share_milestone(member=request.user, milestone=milestone, room=room, note=form.cleaned_data["note"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied:
            form.add_error("room", "You can't post in that room right now.")
        else:
            messages.success(request, f"Shared to {room.name}.")
            return redirect(room.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    preview = actions.celebration_text(milestone)
    return render(
        request,
        "recovery/milestone_share.html",
        {"form": form, "milestone": milestone, "preview": preview},
        status=status,
    )


def _add_errors(form: SafetyPlanForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)
