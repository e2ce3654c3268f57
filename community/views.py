import asyncio
import uuid

from allauth.account.adapter import get_adapter
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import actions, permissions, schedule
from .adapters import SESSION_KEY
from .decorators import account_required
from .forms import ProfileForm
from .models import FocusArea, Invitation, User
from .queries import crisis_resources


def crisis_page(request: HttpRequest) -> HttpResponse:
    # Public on purpose: someone locked out of their account may need it most.
    return render(request, "community/crisis.html", {"resources": crisis_resources()})


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.filter(token=token).first()
    if invitation is None or not invitation.is_usable:
        return render(request, "community/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        messages.info(request, "You are already signed in. Sign out first to accept an invitation for another account.")
        return redirect("home")
    request.session[SESSION_KEY] = invitation.pk
    # The link reached this address, so allauth may treat it as verified.
    get_adapter(request).stash_verified_email(request, invitation.email)
    # No ?email= in the URL: addresses do not belong in browser history or
    # access logs. The sign-up form reads the address from the invitation.
    return redirect("account_signup")


@account_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = list(request.user.notifications.all()[:100])
    return render(request, "community/notifications.html", {"notifications": notifications})


@account_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("id")
    try:
        parsed = [int(i) for i in ids] if ids else None
    except ValueError:
        return HttpResponse("Notification ids are numbers.", status=400)
    actions.mark_notifications_read(member=request.user, ids=parsed)
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    return redirect("notifications")


@account_required
@require_POST
def notification_mark_one_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = permissions.get_notification_for_recipient_or_404(request.user, notification_id)
    actions.mark_notifications_read(member=request.user, ids=[notification.pk])
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    return redirect("notifications")


# --- Profile and directory ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    member = request.user
    if not permissions.is_active_account(member):
        raise Http404
    if request.method == "POST":
        form = ProfileForm(request.POST, member=member)
        if form.is_valid():
            try:
                actions.update_profile(
                    member=member, changes=form.changes(), focus_areas=form.cleaned_data.get("focus_areas")
                )
            except ValidationError as exc:
                # Reload: update_profile set attributes before the database said no.
                member.refresh_from_db()
                form.add_error(None, exc)
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("profile")
    else:
        form = ProfileForm(member=member)
    return render(request, "community/profile_edit.html", {"form": form, "member": member})


def _directory_members():
    return (
        User.objects.filter(is_active=True, in_directory=True, suspended_at__isnull=True)
        .exclude(role=User.Role.FAMILY)
        .select_related("cohort")
        # What a card shows, and nothing else (no address or password hash
        # leaves the database for this page).
        .only("display_name", "pronouns", "bio", "cohort__name")
        .prefetch_related(Prefetch("focus_areas", queryset=FocusArea.objects.order_by("name")))
        .order_by("display_name", "pk")
    )


@login_required
@require_GET
def member_directory(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_directory(request.user):
        raise Http404
    page = Paginator(_directory_members(), 30).get_page(request.GET.get("page"))
    return render(request, "community/directory.html", {"page": page, "members": page.object_list})


@login_required
@require_GET
def member_profile(request: HttpRequest, member_id: int) -> HttpResponse:
    member = permissions.get_member_profile_or_404(request.user, member_id)
    context = {
        "member": member,
        "focus_areas": list(member.focus_areas.all()),
        "show_email": permissions.can_see_email(request.user, member),
        "is_me": member.pk == request.user.pk,
    }
    return render(request, "community/member_profile.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, cache, the periodic-job scheduler's heartbeat (crisis
    escalation runs there) and a channel-layer round trip; 503 if any fails."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        key = f"healthz:{uuid.uuid4()}"
        cache.set(key, "1", 10)
        checks["cache"] = "ok" if cache.get(key) == "1" else "error: value not read back"
        cache.delete(key)
    except Exception as exc:
        checks["cache"] = f"error: {type(exc).__name__}"
    if settings.SCHEDULER_HEALTH_CHECK:
        checks["scheduler"] = _scheduler_check()
    try:
        checks["channel_layer"] = async_to_sync(_channel_round_trip)()
    except Exception as exc:
        checks["channel_layer"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _scheduler_check() -> str:
    try:
        age = schedule.heartbeat_age()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    if age is None:
        return "error: no heartbeat yet"
    if age > schedule.STALE_AFTER:
        return f"error: last heartbeat {int(age.total_seconds())} s ago"
    return "ok"


async def _channel_round_trip() -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=3)
    return "ok" if message.get("type") == "healthz.ping" else "error: wrong reply"
