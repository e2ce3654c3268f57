"""Every URL pattern and every WebSocket route, tried anonymously and as the
outsider (an active member of another cohort, in no room): each is refused
unless it is on a reviewed list below.

The routes come from the resolvers, not from a list kept by hand, so a new
view fails here until someone reviews it onto a list or protects it. The
path parameters point at real objects that belong to others (the spring
cohort's room, Alice's notification, Bob's mentorship...).
"""

import pytest
from django.test import Client

from tests.groups.conftest import ORIGIN
from tests.security.doors import describe, fill, refused
from tests.security.routes import http_routes, socket_routes

# Reviewed: anyone on the internet may open these. Each says why.
PUBLIC = {
    "home": "the landing page: a sign-in link and the crisis line, nothing about members",
    "crisis": "crisis resources must reach someone who cannot sign in",
    "healthz": "load balancer health check: database/cache/channel status words only",
    "push:service_worker": "the service worker's script: the same for everyone, names no one",
    "push:manifest": "the installable app's manifest: the site's name, colours and icons",
    "push:offline": "the offline page the service worker keeps: crisis lines, names no one",
    "invitation_accept": "the invitation link itself; an unknown or used token is a 404",
    "events:feed": "calendar apps cannot sign in; the 43-character secret token is the credential",
    "admin:login": "the admin's own sign-in form (rate limited)",
    "admin:logout": "signing out of the admin; anonymous visitors end on its sign-in",
    "account_login": "sign in (rate limited by allauth)",
    "account_logout": "signing out; anonymous visitors are sent home",
    "account_signup": "sign-up form; the adapter refuses anyone without an invitation in the session",
    "account_inactive": "allauth's 'account inactive' notice, static text",
    "account_email_verification_sent": "allauth's 'check your e-mail' notice, static text",
    "account_confirm_email": "the e-mail confirmation link; a bad key shows an error",
    "account_reset_password": "ask for a reset link; never says whether the address exists",
    "account_reset_password_done": "static 'check your e-mail' text",
    "account_reset_password_from_key": "the reset link; a bad key shows an error",
    "account_reset_password_from_key_done": "static 'password changed' text",
    "usersessions_redirect": "sends /accounts/sessions/ on to /account/sessions/, which requires sign-in",
    "usersessions_list": "allauth's sessions page, shadowed by usersessions_redirect on the same path",
}

# Reviewed: any active member may open these, the outsider included; none
# takes an id of something that belongs to someone else.
MEMBER_WIDE = {
    "notifications": "your own notifications",
    "notifications_mark_read": "marks your own notifications read",
    "push:settings": "what you want pushed to your own devices",
    "push:subscribe": "turns push on for your own browser (at a known push service only)",
    "push:unsubscribe": "turns push off for your own browser; another member's is a 404",
    "profile": "your own profile",
    "welcome": "your own first-run page and settings",
    "blocks": "the members you blocked yourself",
    "member_directory": "members who chose to be listed, by display name",
    "groups:directory": "rooms you may see",
    "groups:search": "searches rooms you may read",
    "groups:block": "block someone you can see: in a room with you or in the directory (not moderators)",
    "events:agenda": "meetups open to you",
    "events:month_current": "meetups open to you",
    "events:month": "meetups open to you",
    "events:mine": "your RSVPs",
    "events:feed_settings": "your own calendar link",
    "events:feed_regenerate": "replaces your own calendar link",
    "family_resources": "the family education pages staff write: nothing about any member",
    "my_family": "your own family requests and links",
    "family_ask": "asks staff to invite your own family member (a form error without data)",
    "mentorship:index": "your own mentorship status",
    "mentorship:apply": "apply to be a mentor",
    "mentorship:pause": "pause your own mentoring",
    "mentorship:resume": "resume your own mentoring",
    "mentorship:request": "ask for a mentor",
    "account_reauthenticate": "confirm your own password",
    "account_email": "your own addresses",
    "account_change_password": "your own password",
    "account_set_password": "your own password",
    "account_confirm_login_code": "your own sign-in",
    "mfa_index": "your own two-factor settings",
    "mfa_authenticate": "your own sign-in",
    "mfa_reauthenticate": "your own two-factor check",
    "mfa_activate_totp": "your own authenticator app",
    "mfa_generate_recovery_codes": "your own recovery codes",
    "account_data": "your own data, explained",
    "account_data_download": "your own data export",
    "account_delete": "deleting your own account (explained)",
    "account_delete_confirm": "deleting your own account (needs your password)",
    "account_sessions": "your own signed-in browsers",
    "account_sessions_end_others": "signs out your own other browsers",
    "moderation:request": "asks a moderator to reach out to you",
    "direct:inbox": "your own conversations",
    "direct:requests": "message requests sent to you and by you",
    "recovery:plan": "your own safety plan",
    "recovery:plan_edit": "edits your own safety plan",
    "recovery:plan_delete": "deletes your own safety plan",
    "recovery:plan_card": "your own safety plan, for the chat's support card",
    "recovery:relapse_edit": "edits your own relapse-prevention plan",
    "recovery:checkin": "your own check-in for this week",
    "recovery:checkin_done": "after your own check-in (or back to the form)",
    "recovery:reminder": "your own check-in reminder",
    "recovery:progress": "your own check-ins, as trends",
    "recovery:milestones": "your own recovery dates",
    "recovery:date_add": "adds a recovery date of your own",
    "checkin_sharing": "who you share your own check-in summary with (your mentors)",
}

PUBLIC_SOCKETS: set[str] = set()
MEMBER_WIDE_SOCKETS = {"ws/notifications/": "your own notifications, one per signed-in member"}

ROUTES = http_routes()


def test_reviewed_lists_name_real_routes():
    names = {route.name for route in ROUTES}
    assert set(PUBLIC) - names == set()
    assert set(MEMBER_WIDE) - names == set()
    assert set(MEMBER_WIDE_SOCKETS) - {route.name for route in socket_routes()} == set()


def test_the_walk_covers_every_app():
    prefixes = {route.pattern.split("/")[0] for route in ROUTES}
    assert {"staff", "rooms", "moderation", "meetups", "mentors", "accounts", "admin"} <= prefixes
    assert len(ROUTES) > 150  # the admin alone has over a hundred


def _walk(world, user, allowed):
    failures = []
    for route in ROUTES:
        path = fill(route, world)
        for method in ("get", "post"):
            client = Client()  # a fresh client: a POST to logout must not sign the next request out
            if user is not None:
                client.force_login(user)
            response = getattr(client, method)(path)
            if route.name not in allowed and not refused(response):
                failures.append(f"{method.upper()} {path} ({route.name}): {describe(response)}")
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {path} ({route.name}): server error")
    return failures


def test_every_url_refuses_anonymous_visitors_unless_public(world):
    failures = _walk(world, None, PUBLIC)
    assert failures == [], "\n".join(failures)


def test_every_url_refuses_the_outsider_unless_member_wide(world):
    failures = _walk(world, world.outsider, PUBLIC | MEMBER_WIDE)
    assert failures == [], "\n".join(failures)


# Reviewed: what a family member may open besides PUBLIC. Everything else —
# every alumni room, member, mentor, recovery and staff page — refuses them.
FAMILY_WIDE = {
    "notifications": "your own notifications",
    "notifications_mark_read": "marks your own notifications read",
    "profile": "your own profile (no directory, no focus areas)",
    "welcome": "your own first-run page",
    "account_data": "your own data",
    "account_data_download": "your own data",
    "account_delete": "deleting your own account",
    "account_delete_confirm": "deleting your own account (needs the password)",
    "account_sessions": "your own sessions",
    "account_sessions_end_others": "your own sessions",
    "groups:directory": "Families & friends rooms only",
    "groups:search": "searches the Families & friends rooms she is in",
    "blocks": "the people she blocked herself",
    "events:agenda": "family and mixed meetups only",
    "events:month_current": "family and mixed meetups only",
    "events:month": "family and mixed meetups only",
    "events:mine": "your own RSVPs",
    "events:feed_settings": "your own calendar link",
    "events:feed_regenerate": "replaces your own calendar link",
    "moderation:request": "asks for a moderator: anyone may ask for a person",
    "family_resources": "the family education pages",
    "family_link_end": "ends a link she is a side of (Fran and Alice's)",
    "push:settings": "your own push settings",
    "push:subscribe": "this device's push subscription",
    "push:unsubscribe": "this device's push subscription",
    # allauth's own-account pages (e-mail, password, two-factor), as for every member.
    **{name: reason for name, reason in MEMBER_WIDE.items() if name.startswith(("account_", "mfa_"))},
}


def test_every_url_refuses_the_family_member_unless_family_wide(world):
    failures = _walk(world, world.family, PUBLIC | FAMILY_WIDE)
    assert failures == [], "\n".join(failures)


def test_public_pages_name_no_member(world):
    """What an anonymous visitor can open shows no member's name or address."""
    secrets = [
        world.alumnus.email,
        world.alumnus2.email,
        world.moderator.display_name,
        world.staff.email,
        "Spring cohort",
        world.message.body,
    ]
    leaks = []
    for route in ROUTES:
        if route.name in PUBLIC:
            body = Client().get(fill(route, world)).content.decode(errors="replace")
            leaks += [f"{route.name}: {s}" for s in secrets if s in body]
    assert leaks == []


def test_calendar_feed_needs_its_secret(world):
    response = Client().get(f"/meetups/feed/{world.feed.token[:-1]}x.ics")
    assert response.status_code == 404


def test_invitation_link_needs_its_token(world):
    response = Client().get("/invite/not-a-real-token/")
    assert response.status_code == 404


# --- sockets -------------------------------------------------------------------------


def _socket_path(route, world):
    return fill(route, world)


async def _attempt(user, path, origin=ORIGIN):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from alumni.asgi import application
    from tests.groups.conftest import session_cookie

    headers = [origin] if origin else []
    if user is not None:
        headers.append((b"cookie", (await sync_to_async(session_cookie)(user)).encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=3)
    if connected:
        # Accepted and closed at once also counts as refused.
        output = await communicator.receive_output(timeout=1) if not await communicator.receive_nothing(0.2) else None
        await communicator.disconnect()
        if output is not None and output["type"] == "websocket.close":
            return False
    return connected


SOCKETS = socket_routes()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["anonymous", "outsider"])
async def test_every_socket_route_refuses_unless_reviewed(who, world):
    user = None if who == "anonymous" else world.outsider
    allowed = PUBLIC_SOCKETS | (set(MEMBER_WIDE_SOCKETS) if user else set())
    opened = {}
    for route in SOCKETS:
        opened[route.name] = await _attempt(user, "/" + _socket_path(route, world).lstrip("/"))
    assert {name for name, ok in opened.items() if ok and name not in allowed} == set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "origin", [(b"origin", b"https://evil.example"), (b"origin", b"null"), None], ids=["foreign", "null", "missing"]
)
async def test_every_socket_route_refuses_a_foreign_or_missing_origin(origin, world):
    results = {}
    for route in SOCKETS:
        path = "/" + _socket_path(route, world).lstrip("/")
        # Alice may open every route with the right Origin (checked first).
        assert await _attempt(world.alumnus, path) is True, route.name
        results[route.name] = await _attempt(world.alumnus, path, origin=origin)
    assert results == {route.name: False for route in SOCKETS}
