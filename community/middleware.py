"""Request gates that apply to every page."""

import zoneinfo

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from . import permissions


class ActiveMemberMiddleware:
    """A suspended member is signed out on their next request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_suspended:
            logout(request)
        return self.get_response(request)


class RequireMFAMiddleware:
    """With REQUIRE_MFA_FOR_STAFF on, moderators and staff must set up an
    authenticator app before they can use anything but the MFA pages."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/crisis/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_MFA_FOR_STAFF and self._needs_setup(request):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _needs_setup(self, request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not permissions.requires_mfa(user):
            return False
        if request.path.startswith(self.ALLOWED_PREFIXES):
            return False
        return permissions.mfa_setup_missing(user)


class MemberTimeZoneMiddleware:
    """Show every time in the signed-in member's own time zone (stored UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):

        user = getattr(request, "user", None)
        zone = getattr(user, "time_zone", None) if user is not None and user.is_authenticated else None
        if zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
