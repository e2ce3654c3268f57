"""Staff tools: invitations, members' roles and cohorts, cohorts, focus areas,
the audit log and crisis resources. Thin: access check → form → action.

Anyone without the permission gets the same 404 as for a page that does not
exist: staff tools are not advertised to members.
"""

import zoneinfo
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import actions, permissions
from .decorators import permission_required
from .forms import (
    AuditFilterForm,
    CohortForm,
    CrisisResourceFormSet,
    FocusAreaForm,
    InviteCsvForm,
    InviteForm,
    MemberCohortForm,
    RoleForm,
    check_invitation_rows,
)
from .models import AuditLog, Cohort, CrisisResource, FocusArea, Invitation, User
from .queries import crisis_resources
from .ratelimit import invitation_emails, invitation_limit, refund_invitation_emails

CSV_SALT = "community.invitations.csv"
CSV_MAX_AGE = 60 * 60  # a preview is good for an hour


def _object_or_404(model, pk, **filters):
    try:
        return model.objects.get(pk=pk, **filters)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404("No such page.") from None


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _over_email_budget(request, count: int) -> HttpResponse | None:
    """Count `count` invitation e-mails against the staff member's budget; a
    429 page saying so (nothing sent) when it is spent."""
    wait = invitation_emails(request.user, count)
    if not wait:
        return None
    hour, day = settings.INVITATION_EMAILS_PER_HOUR, settings.INVITATION_EMAILS_PER_DAY
    messages.error(
        request,
        f"Nothing was sent: that would be {count} invitation e-mail{'s' if count != 1 else ''}, and one person may "
        f"send at most {hour} an hour and {day} a day. Try again later, or send a smaller file.",
    )
    response = _invitations_page(request, status=429)
    response["Retry-After"] = str(max(1, int(wait)))
    return response


# --- Landing ---------------------------------------------------------------------


@permission_required(permissions.can_use_staff_area)
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    tools = [
        (
            "Invitations",
            reverse("staff_invitations"),
            "Invite graduates one at a time or from a CSV file; resend or revoke links.",
            permissions.can_invite(user),
        ),
        (
            "Members and roles",
            reverse("staff_members"),
            "Change a member's role (alumnus, moderator, staff) or cohort.",
            permissions.can_manage_roles(user),
        ),
        ("Cohorts", reverse("staff_cohorts"), "Add and rename cohorts.", permissions.can_manage_cohorts(user)),
        (
            "Focus areas",
            reverse("staff_focus_areas"),
            "The topics members can pick on their profile.",
            permissions.can_manage_focus_areas(user),
        ),
        (
            "Crisis resources",
            reverse("staff_crisis_resources"),
            "The crisis lines shown on every page and in chat.",
            permissions.can_edit_crisis_resources(user),
        ),
        (
            "Families",
            reverse("staff_family"),
            "Alumni's requests to invite a family member, and the family resources page.",
            permissions.is_staff(user),
        ),
        (
            "Audit log",
            reverse("staff_audit_log"),
            "Every moderator and staff action, filterable.",
            permissions.can_view_audit_log(user),
        ),
        (
            "Crisis dashboard",
            reverse("moderation:crisis"),
            "Open crisis alerts: acknowledge, follow up, and go on or off duty.",
            permissions.is_site_moderator(user),
        ),
        (
            "Review queue",
            reverse("moderation:queue"),
            "Reports and messages held for review.",
            permissions.is_site_moderator(user),
        ),
        (
            "Watched words and crisis phrases",
            reverse("moderation:words"),
            "Words that are blocked, held or flagged, and extra phrases for the crisis detector.",
            permissions.is_staff(user),
        ),
        (
            "Rooms",
            reverse("groups:directory"),
            "Moderate the chat rooms: you can moderate every room.",
            permissions.is_site_moderator(user),
        ),
        (
            "Crisis resources page",
            reverse("crisis"),
            "What members see when they need help now.",
            permissions.is_site_moderator(user) and not permissions.can_edit_crisis_resources(user),
        ),
    ]
    visible = [{"name": n, "url": u, "text": t} for n, u, t, allowed in tools if allowed]
    return render(request, "staff/home.html", {"tools": visible})


# --- Invitations -------------------------------------------------------------------

INVITATION_FILTERS = {
    "pending": lambda qs: qs.usable(),
    "expired": lambda qs: qs.pending().filter(expires_at__lte=timezone.now()),
    "accepted": lambda qs: qs.filter(accepted_at__isnull=False),
    "revoked": lambda qs: qs.filter(revoked_at__isnull=False, accepted_at__isnull=True),
    "all": lambda qs: qs,
}


def _invitations_page(request, *, invite_form=None, csv_form=None, status=200):
    status_filter = request.GET.get("status", "pending")
    if status_filter not in INVITATION_FILTERS:
        status_filter = "pending"
    qs = INVITATION_FILTERS[status_filter](Invitation.objects.select_related("cohort", "invited_by"))
    page = Paginator(qs.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    context = {
        "invite_form": invite_form or InviteForm(),
        "csv_form": csv_form or InviteCsvForm(),
        "page": page,
        "invitations": page.object_list,
        "status_filter": status_filter,
        "status_choices": list(INVITATION_FILTERS),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "staff/invitations.html", context, status=status)


@permission_required(permissions.can_view_invitations)
@require_GET
def invitation_list(request: HttpRequest) -> HttpResponse:
    return _invitations_page(request)


@permission_required(permissions.can_invite)
@require_POST
@invitation_limit
def invitation_create(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        if refused := _over_email_budget(request, 1):
            return refused
        try:
            invitation = actions.invite_member(
                staff=request.user,
                email=form.cleaned_data["email"],
                cohort=form.cleaned_data["cohort"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            refund_invitation_emails(request.user, 1)
            form.add_error("email", exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("staff_invitations")
    return _invitations_page(request, invite_form=form, status=400)


@permission_required(permissions.can_invite)
@require_POST
def invitation_csv_preview(request: HttpRequest) -> HttpResponse:
    form = InviteCsvForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invitations_page(request, csv_form=form, status=400)
    preview = check_invitation_rows(form.rows, form.shape_errors)
    return _render_preview(request, preview)


def _render_preview(request, preview, *, status=200, stale=False):
    # The valid rows travel in a signed field rather than the session so that
    # two previews in two tabs do not overwrite each other; confirm checks the
    # signature, who signed, the age, and validates every row again.
    payload = signing.dumps(
        {"by": request.user.pk, "rows": [[r.line, r.email, r.cohort.slug if r.cohort else ""] for r in preview.valid]},
        salt=CSV_SALT,
        compress=True,
    )
    context = {"preview": preview, "payload": payload, "stale": stale}
    return render(request, "staff/invitations_preview.html", context, status=status)


@permission_required(permissions.can_invite)
@require_POST
@invitation_limit
def invitation_csv_confirm(request: HttpRequest) -> HttpResponse:
    try:
        data = signing.loads(request.POST.get("payload", ""), salt=CSV_SALT, max_age=CSV_MAX_AGE)
    except signing.SignatureExpired:
        messages.error(request, "That preview is more than an hour old. Upload the file again; nothing was sent.")
        return redirect("staff_invitations")
    except signing.BadSignature:
        messages.error(request, "That preview could not be read. Upload the file again; nothing was sent.")
        return redirect("staff_invitations")
    if data.get("by") != request.user.pk:
        messages.error(request, "That preview belongs to someone else. Upload the file again; nothing was sent.")
        return redirect("staff_invitations")
    rows = [(int(line), email, cohort) for line, email, cohort in data.get("rows", [])]
    preview = check_invitation_rows(rows)
    if not preview.ok:
        # Something changed since the preview (a member joined, a cohort was
        # renamed…): show the new problems and send nothing.
        return _render_preview(request, preview, status=409, stale=True)
    if refused := _over_email_budget(request, len(preview.valid)):
        return refused
    try:
        invitations = actions.invite_many(staff=request.user, rows=[(r.email, r.cohort) for r in preview.valid])
    except ValidationError as exc:
        refund_invitation_emails(request.user, len(preview.valid))
        messages.error(request, f"Nothing was sent: {_error_text(exc)} Upload the file again.")
        return redirect("staff_invitations")
    messages.success(request, f"{len(invitations)} invitation{'s' if len(invitations) != 1 else ''} sent.")
    return redirect("staff_invitations")


@permission_required(permissions.can_invite)
@require_POST
@invitation_limit
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _object_or_404(Invitation, invitation_id)
    if refused := _over_email_budget(request, 1):
        return refused
    try:
        actions.resend_invitation(staff=request.user, invitation=invitation)
    except ValidationError as exc:
        refund_invitation_emails(request.user, 1)
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Invitation sent again to {invitation.email}. The old link no longer works.")
    return redirect("staff_invitations")


@permission_required(permissions.can_invite)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _object_or_404(Invitation, invitation_id)
    try:
        actions.revoke_invitation(staff=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Invitation for {invitation.email} revoked.")
    return redirect("staff_invitations")


# --- Members: roles and cohorts ---------------------------------------------------------


@permission_required(permissions.can_manage_roles)
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    members = User.objects.select_related("cohort").order_by("display_name", "pk")
    if query:
        members = members.filter(Q(display_name__icontains=query) | Q(email__icontains=query))
    if role in User.Role.values:
        members = members.filter(role=role)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "members": page.object_list,
        "q": query,
        "role": role,
        "roles": User.Role.choices,
        "query": params.urlencode(),
    }
    return render(request, "staff/members.html", context)


def _member_page(request, member, *, role_form=None, cohort_form=None, status=200):
    context = {
        "member": member,
        "role_form": role_form or RoleForm(initial={"role": member.role}),
        "cohort_form": cohort_form
        or MemberCohortForm(initial={"cohort": member.cohort_id, "graduation_date": member.graduation_date}),
        "can_change_role": permissions.can_change_role(request.user, member),
    }
    return render(request, "staff/member_detail.html", context, status=status)


@permission_required(permissions.can_manage_roles)
@require_GET
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    return _member_page(request, _object_or_404(User, member_id))


@permission_required(permissions.can_manage_roles)
@require_POST
def member_set_role(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _object_or_404(User, member_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            actions.set_role(staff=request.user, member=member, role=form.cleaned_data["role"])
        except PermissionDenied:
            form.add_error(None, "You cannot change your own role; ask another staff member.")
        except ValidationError as exc:
            form.add_error("role", exc)
        else:
            messages.success(request, f"{member.display_name} is now {member.get_role_display().lower()}.")
            return redirect("staff_member", member_id=member.pk)
    member.refresh_from_db()
    return _member_page(request, member, role_form=form, status=400)


# --- Cohorts and focus areas ----------------------------------------------------------------


@permission_required(permissions.can_manage_cohorts)
@require_http_methods(["GET", "POST"])
def cohort_list(request: HttpRequest) -> HttpResponse:
    form = CohortForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                cohort = actions.create_cohort(staff=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Cohort “{cohort.name}” added.")
                return redirect("staff_cohorts")
        status = 400
    cohorts = Cohort.objects.order_by("-graduation_date", "name")
    return render(request, "staff/cohorts.html", {"form": form, "cohorts": cohorts}, status=status)


@permission_required(permissions.can_manage_cohorts)
@require_http_methods(["GET", "POST"])
def cohort_edit(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _object_or_404(Cohort, cohort_id)
    status = 200
    if request.method == "POST":
        # A ModelForm on a copy: validation must not touch the object we
        # show if the input turns out to be bad.
        form = CohortForm(request.POST, instance=Cohort.objects.get(pk=cohort.pk))
        if form.is_valid():
            try:
                actions.update_cohort(
                    staff=request.user, cohort=cohort, changes={f: form.cleaned_data[f] for f in form.changed_data}
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Cohort saved.")
                return redirect("staff_cohorts")
        status = 400
    else:
        form = CohortForm(instance=cohort)
    return render(request, "staff/cohort_edit.html", {"form": form, "cohort": cohort}, status=status)


@permission_required(permissions.can_manage_focus_areas)
@require_http_methods(["GET", "POST"])
def focus_area_list(request: HttpRequest) -> HttpResponse:
    form = FocusAreaForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                area = actions.create_focus_area(staff=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Focus area “{area.name}” added.")
                return redirect("staff_focus_areas")
        status = 400
    areas = FocusArea.objects.order_by("name")
    return render(request, "staff/focus_areas.html", {"form": form, "areas": areas}, status=status)


@permission_required(permissions.can_manage_focus_areas)
@require_POST
def focus_area_rename(request: HttpRequest, area_id: int) -> HttpResponse:
    area = _object_or_404(FocusArea, area_id)
    name = request.POST.get("name", "").strip()
    if not name:
        messages.error(request, "A focus area needs a name. Nothing was changed.")
        return redirect("staff_focus_areas")
    try:
        actions.rename_focus_area(staff=request.user, area=area, name=name)
    except ValidationError as exc:
        messages.error(request, f"Not renamed: {_error_text(exc)}")
    else:
        messages.success(request, "Focus area renamed.")
    return redirect("staff_focus_areas")


@permission_required(permissions.can_manage_focus_areas)
@require_POST
def focus_area_delete(request: HttpRequest, area_id: int) -> HttpResponse:
    area = _object_or_404(FocusArea, area_id)
    actions.delete_focus_area(staff=request.user, area=area)
    messages.success(request, f"Focus area “{area.name}” removed.")
    return redirect("staff_focus_areas")


# --- Audit log ------------------------------------------------------------------------------


def _day_bounds(day, tz_name: str):
    tz = zoneinfo.ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


@permission_required(permissions.can_view_audit_log)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    rows = AuditLog.objects.all()
    filtered = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            rows = rows.filter(action=data["action"])
        if data["actor"]:
            rows = rows.filter(actor_label__icontains=data["actor"])
        # Dates are days in the viewer's own time zone.
        if data["since"]:
            rows = rows.filter(created_at__gte=_day_bounds(data["since"], request.user.time_zone)[0])
        if data["until"]:
            rows = rows.filter(created_at__lt=_day_bounds(data["until"], request.user.time_zone)[1])
        filtered = any(data.values())
    elif form.is_bound:
        rows = rows.none()
    page = Paginator(rows.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "entries": page.object_list,
        "filtered": filtered,
        "query": query.urlencode(),
        "time_zone": request.user.time_zone,
    }
    # Times on the page in the viewer's own zone, like the date filters.
    with timezone.override(zoneinfo.ZoneInfo(request.user.time_zone)):
        return render(request, "staff/audit_log.html", context)


# --- Crisis resources -------------------------------------------------------------------------


@permission_required(permissions.can_edit_crisis_resources)
@require_http_methods(["GET", "POST"])
def crisis_resources_edit(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        formset = CrisisResourceFormSet(request.POST, prefix="r")
        if formset.is_valid():
            # ordered_forms leaves out deleted and untouched blank forms and
            # sorts by the ORDER field (blank last).
            kept = [f for f in formset.ordered_forms if f.cleaned_data.get("name")]
            resources = [
                {k: f.cleaned_data.get(k, "") for k in ("name", "detail", "phone", "sms", "url")} for f in kept
            ]
            if not resources:
                formset._non_form_errors = formset.error_class(
                    ["Keep at least one crisis resource: members in crisis must always find help."]
                )
            else:
                actions.save_crisis_resources(staff=request.user, resources=resources)
                messages.success(request, "Crisis resources saved.")
                return redirect("staff_crisis_resources")
        status = 400
    else:
        saved = CrisisResource.objects.filter(is_active=True).order_by("position", "pk")
        initial = [r.as_dict() for r in saved] if saved else crisis_resources()
        for i, item in enumerate(initial, start=1):
            item["ORDER"] = i
        formset = CrisisResourceFormSet(initial=initial, prefix="r")
    return render(request, "staff/crisis_resources.html", {"formset": formset}, status=status)
