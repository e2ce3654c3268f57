"""The families' pages: a family member's home and the family resources;
an alumnus's "My family" page; staff's requests and resources."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.decorators import account_required, permission_required
from community.models import User
from community.ratelimit import by_user, limit_posts

from . import family, permissions
from .forms import FamilyRequestForm, FamilyResourceForm
from .models import FamilyRequest, FamilyResource


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@permission_required(permissions.can_read_family_resources, families=True)
@require_GET
def resources(request: HttpRequest) -> HttpResponse:
    return render(request, "alumni/family_resources.html", {"resources": list(FamilyResource.objects.all())})


# --- An alumnus's family -------------------------------------------------------------


def _my_family_page(request, form=None, status=200):
    context = family.my_family(request.user) | {"form": form or FamilyRequestForm()}
    return render(request, "alumni/my_family.html", context, status=status)


@permission_required(permissions.can_ask_for_family, hide=False)
@require_GET
def my_family(request: HttpRequest) -> HttpResponse:
    return _my_family_page(request)


@permission_required(permissions.can_ask_for_family, hide=False)
@require_POST
@limit_posts("family-request", (10, 3600, by_user))
def ask(request: HttpRequest) -> HttpResponse:
    form = FamilyRequestForm(request.POST)
    if form.is_valid():
        try:
            family.ask_for_family_member(alumnus=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, "Your request went to staff. You'll get a notification when they answer.")
            return redirect("my_family")
    return _my_family_page(request, form, status=400)


@permission_required(permissions.can_ask_for_family, hide=False)
@require_POST
def withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    row = permissions.get_own_request_or_404(request.user, request_id)
    try:
        family.withdraw_request(alumnus=request.user, request=row)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Request withdrawn.")
    return redirect("my_family")


@permission_required(permissions.can_ask_for_family, hide=False)
@require_POST
def sharing(request: HttpRequest, link_id: int) -> HttpResponse:
    link = permissions.get_own_link_or_404(request.user, link_id)
    share = request.POST.get("share")
    if share not in ("0", "1"):
        return HttpResponse("Say share=1 to share your milestones or share=0 to stop.", status=400)
    family.set_milestone_sharing(alumnus=request.user, link=link, share=share == "1")
    name = link.family_member.display_name
    messages.success(
        request, f"{name} now sees your milestones." if share == "1" else f"{name} no longer sees your milestones."
    )
    return redirect("my_family")


@account_required
@require_POST
def end_link(request: HttpRequest, link_id: int) -> HttpResponse:
    """Either side ends a link: the alumnus on My family, the family member
    on their home page."""
    link = permissions.get_own_link_or_404(request.user, link_id)
    family.end_link(member=request.user, link=link)
    messages.success(request, "The link is ended. Nothing is shared through it any more.")
    return redirect("home" if request.user.pk == link.family_member_id else "my_family")


# --- Staff ------------------------------------------------------------------------------


def _staff_page(request, form=None, status=200):
    pending = list(
        FamilyRequest.objects.filter(status=FamilyRequest.Status.PENDING)
        .select_related("alumnus")
        .order_by("created_at")
    )
    taken = {
        e.lower() for e in User.objects.filter(email__in=[r.email for r in pending]).values_list("email", flat=True)
    }
    for request_row in pending:
        request_row.has_account = request_row.email in taken
    context = {
        "pending": pending,
        "answered": list(
            FamilyRequest.objects.exclude(status=FamilyRequest.Status.PENDING)
            .select_related("alumnus", "decided_by")
            .order_by("-decided_at")[:20]
        ),
        "resources": list(FamilyResource.objects.all()),
        "form": form or FamilyResourceForm(),
    }
    return render(request, "staff/family.html", context, status=status)


@permission_required(permissions.can_review_family_requests)
@require_GET
def staff_family(request: HttpRequest) -> HttpResponse:
    return _staff_page(request)


@permission_required(permissions.can_review_family_requests)
@require_POST
def staff_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    row = permissions.get_request_for_staff_or_404(request.user, request_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        return HttpResponse("Choose approve or decline.", status=400)
    try:
        family.decide_request(staff=request.user, request=row, approve=decision == "approve")
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Invitation sent." if decision == "approve" else "Request declined.")
    return redirect("staff_family")


@permission_required(permissions.can_edit_family_resources)
@require_http_methods(["POST"])
def staff_resource_save(request: HttpRequest, resource_id: int | None = None) -> HttpResponse:
    resource = None
    if resource_id is not None:
        resource = FamilyResource.objects.filter(pk=resource_id).first()
        if resource is None:
            raise Http404("No such resource.")
        if request.POST.get("delete") == "1":
            family.delete_resource(staff=request.user, resource=resource)
            messages.success(request, "Resource removed.")
            return redirect("staff_family")
    form = FamilyResourceForm(request.POST)
    if form.is_valid():
        try:
            family.save_resource(staff=request.user, resource=resource, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Resource saved.")
            return redirect("staff_family")
    return _staff_page(request, form, status=400)
