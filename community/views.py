import asyncio
import uuid

from allauth.account.adapter import get_adapter
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import actions, permissions
from .adapters import SESSION_KEY
from .models import Invitation
from .queries import crisis_resources


def home(request: HttpRequest) -> HttpResponse:
    if not permissions.is_active_member(request.user):
        return render(request, "community/landing.html")
    from groups.queries import directory_rooms

    rooms = [r for r in directory_rooms(request.user) if r.my_membership_id]
    context = {"rooms": rooms, "sections": home_sections(request.user)}
    return render(request, "community/home.html", context)


def home_sections(user) -> list[dict]:
    """What the other apps contribute to the home page (next meetups,
    mentorship status). Each app exposes `home_section(user)` in queries.py."""
    sections = []
    for module in ("events.queries", "mentorship.queries"):
        try:
            mod = __import__(module, fromlist=["home_section"])
        except ImportError:
            continue
        section = getattr(mod, "home_section", None)
        if section is not None:
            sections.append(section(user))
    return sections


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
    return redirect(f"/accounts/signup/?email={invitation.email}")


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = list(request.user.notifications.all()[:100])
    return render(request, "community/notifications.html", {"notifications": notifications})


@login_required
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


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, cache and a channel-layer round trip; 503 if any fails."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        key = f"healthz:{uuid.uuid4()}"
        cache.set(key, "1", 10)
        checks["cache"] = "ok" if cache.get(key) == "1" else "error: value not read back"
        cache.delete(key)
    except Exception as exc:  # noqa: BLE001
        checks["cache"] = f"error: {type(exc).__name__}"
    try:
        checks["channel_layer"] = async_to_sync(_channel_round_trip)()
    except Exception as exc:  # noqa: BLE001
        checks["channel_layer"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


async def _channel_round_trip() -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=3)
    return "ok" if message.get("type") == "healthz.ping" else "error: wrong reply"
