"""The member's own safety plan: the page, the form, and the fragment the
chat's support card fetches. Every page answers for the requester alone
(there is no URL with anyone's id in it) and is never cached: it is private
health data, and a shared computer's back button must not show it."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.decorators import member_required

from . import actions, permissions
from .forms import SafetyPlanForm


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


def _add_errors(form: SafetyPlanForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)
