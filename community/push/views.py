"""The installable app (manifest, service worker, offline page) and the push
settings: thin views, access through permissions.py, writes through actions.py."""

import hashlib
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.decorators import permission_required
from community.queries import crisis_resources
from community.ratelimit import by_user, limit_posts

from . import actions, permissions
from .delivery import configured
from .forms import EndpointForm, PushSettingsForm, SubscriptionForm
from .models import PushSettings, PushSubscription

THEME_COLOR = "#1d5c8f"  # --accent in static/css/theme.css
BACKGROUND_COLOR = "#f7f7f4"  # --bg
MAX_BODY_BYTES = 4096
# Each browser subscribes once; a page that re-sends its subscription on load
# stays far below this.
push_limit = limit_posts("push", (30, 3600, by_user))


# Signed in (else to sign-in), an active account of any role (family
# members too: their own notifications), and allowed to use push (else 403).
push_user_required = permission_required(permissions.can_use_push, hide=False, families=True)


def _error(detail: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": detail}, status=status)


def _json_body(request: HttpRequest):
    if len(request.body) > MAX_BODY_BYTES:
        return None
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None


def _first_error(form) -> str:
    for field, errors in form.errors.items():
        name = "keys." + field if field in ("p256dh", "auth") else field
        message = errors[0]
        return message if message.startswith(("keys.", "This push")) else f"{name}: {message}"
    return "Invalid subscription."


# --- The installable app -----------------------------------------------------------


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> HttpResponse:
    name = settings.SITE_NAME
    data = {
        "id": "/",
        "name": name,
        "short_name": name if len(name) <= 12 else "Alumni",
        "description": "A private peer-support community for program alumni.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return HttpResponse(json.dumps(data, indent=2), content_type="application/manifest+json")


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """At the site's root so that its scope is the whole site. Never cached:
    browsers compare it byte for byte to find a new version, and its version
    follows the offline page's contents (a change to the crisis resources
    re-caches the page)."""
    precache = [
        "/offline/",
        static("css/theme.css"),
        static("css/site.css"),
        static("icons/icon-192.png"),
    ]
    offline = _offline_html(request)
    version = hashlib.sha256((offline + "\n".join(precache)).encode()).hexdigest()[:16]
    script = render_to_string("push/sw.js", {"version": version, "precache": json.dumps(precache)})
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    return response


def _offline_html(request: HttpRequest) -> str:
    # Rendered without the request's user: the page is cached in the browser
    # and shown to whoever is holding the device.
    return render_to_string("push/offline.html", {"resources": crisis_resources(), "site_name": settings.SITE_NAME})


@require_GET
@never_cache
def offline(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_offline_html(request))


# --- Push settings and subscriptions -------------------------------------------------


@push_user_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    member = request.user
    allowed = permissions.categories_for(member)
    choice = PushSettings.objects.filter(member=member).first()
    if request.method == "POST":
        form = PushSettingsForm(request.POST, allowed=allowed)
        if form.is_valid():
            try:
                actions.save_push_settings(
                    member=member, categories=form.cleaned_data["categories"], previews=form.cleaned_data["previews"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Your notification settings are saved.")
                return redirect("push:settings")
    else:
        initial = (
            {"categories": choice.categories, "previews": choice.previews}
            if choice
            else {"categories": actions.default_categories(member), "previews": False}
        )
        form = PushSettingsForm(initial=initial, allowed=allowed)
    devices = PushSubscription.objects.filter(member=member).count()
    return render(
        request,
        "push/settings.html",
        {
            "form": form,
            "configured": configured(),
            "public_key": settings.VAPID_PUBLIC_KEY,
            "devices": devices,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@push_user_required
@push_limit
def subscribe(request: HttpRequest) -> HttpResponse:
    if not configured():
        return _error("Push notifications are not set up on this server.", status=409)
    data = _json_body(request)
    if not isinstance(data, dict):
        return _error("Send the subscription as a JSON object (PushSubscription.toJSON()).")
    form = SubscriptionForm.from_json(data)
    if not form.is_valid():
        return _error(_first_error(form))
    try:
        subscription = actions.subscribe(
            member=request.user, session_key=request.session.session_key or "", **form.cleaned_data
        )
    except ValidationError as exc:
        return _error(" ".join(exc.messages))
    return JsonResponse({"ok": True, "id": subscription.pk}, status=201)


@require_POST
@push_user_required
@push_limit
def unsubscribe(request: HttpRequest) -> HttpResponse:
    data = _json_body(request)
    form = EndpointForm(data if isinstance(data, dict) else {})
    if not form.is_valid():
        return _error('Send {"endpoint": …} as a JSON object.')
    subscription = permissions.get_subscription_for_member_or_404(request.user, form.cleaned_data["endpoint"])
    actions.unsubscribe(member=request.user, subscription=subscription)
    return JsonResponse({"ok": True})
