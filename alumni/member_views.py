"""A member's own pages that reach into more than one app: the first-run
welcome (profile settings from the members app, the crisis resources, the
safety plan) and the list of people they have blocked (blocks are the chat's;
undoing one posts to the chat's own block form, which calls its action)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from community import actions as community_actions
from community.decorators import account_required
from community.queries import crisis_resources
from groups.models import Block

from .forms import WelcomeForm


@account_required  # family members block in their own rooms too
@require_GET
def blocks(request: HttpRequest) -> HttpResponse:
    rows = list(Block.objects.filter(blocker=request.user).select_related("blocked").order_by("-created_at"))
    return render(request, "community/blocks.html", {"blocks": rows})


@account_required  # family members too: it is their first screen as well
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    """The first screen after accepting an invitation (ACCOUNT_SIGNUP_REDIRECT_URL);
    it stays reachable from the home page for anyone who wants it again."""
    member = request.user
    form = WelcomeForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            community_actions.update_profile(member=member, changes=form.changes())
        except ValidationError as exc:
            member.refresh_from_db()
            form.add_error(None, exc)
        else:
            messages.success(request, "You're all set. Your rooms are below.")
            return redirect("home")
    context = {"form": form, "resources": crisis_resources()[:2]}
    return render(request, "community/welcome.html", context, status=400 if form.errors else 200)
