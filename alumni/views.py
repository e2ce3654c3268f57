"""Pages that compose several apps: the home page, and the staff form that
moves a member to another cohort (which changes their rooms)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from community import permissions
from community.decorators import permission_required
from community.forms import MemberCohortForm
from community.models import User
from community.staff_views import _member_page, _object_or_404
from groups.queries import my_rooms

from . import family, onboarding
from . import home as home_sections


@never_cache  # it shows recovery days and check-in prompts: never from a shared computer's cache
def home(request: HttpRequest) -> HttpResponse:
    if permissions.is_family(request.user):
        return render(request, "alumni/family_home.html", family.family_home(request.user))
    if not permissions.is_active_member(request.user):
        return render(request, "community/landing.html")
    rooms = my_rooms(request.user)
    context = {"rooms": rooms, "sections": home_sections.sections(request.user)}
    return render(request, "community/home.html", context)


@permission_required(permissions.can_manage_cohorts)
@require_POST
def member_set_cohort(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _object_or_404(User, member_id)
    form = MemberCohortForm(request.POST)
    if form.is_valid():
        onboarding.set_member_cohort(
            staff=request.user,
            member=member,
            cohort=form.cleaned_data["cohort"],
            graduation_date=form.cleaned_data["graduation_date"],
        )
        messages.success(request, f"Cohort of {member.display_name} saved.")
        return redirect("staff_member", member_id=member.pk)
    return _member_page(request, member, cohort_form=form, status=400)
