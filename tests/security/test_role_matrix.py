"""The role × action matrix, declared as data and checked over HTTP and the
room socket.

Roles: anonymous, alumnus (Alice: spring cohort, in the spring cohort room,
mentee of Bob), outsider (fall cohort, in no room), muted (muted in the
spring cohort room), banned (banned from it), roommod (Rory: moderates the
spring cohort room and no other, not a site moderator), moderator (site
moderator), staff, family (Fran, Alice's sister: a family member linked to
her, in the Families & friends room — she reaches nothing of the alumni
side). Every id in a path belongs to the spring cohort, Alice or Bob.

Outcomes: `ok` — the permission gate let the request through (a page, a
redirect after the action, or a form error); `login` — sent to sign in;
`no` — 403/404/405, nothing shown, nothing done. Each request runs in a
savepoint that is rolled back, so one row never changes the next.
"""

import json
import uuid

import pytest
from django.db import transaction
from django.test import Client

from tests.groups.conftest import open_socket
from tests.security.doors import fill, refused
from tests.security.routes import http_routes

ROLES = ("anonymous", "alumnus", "outsider", "muted", "banned", "roommod", "moderator", "staff", "family")

# action, method: outcome per role in the order of ROLES.
# fmt: off
HTTP_MATRIX = [
    ("home",                          "GET",  "ok    ok  ok  ok  ok  ok  ok  ok  ok"),
    ("crisis",                        "GET",  "ok    ok  ok  ok  ok  ok  ok  ok  ok"),
    ("healthz",                       "GET",  "ok    ok  ok  ok  ok  ok  ok  ok  ok"),
    ("invitation_accept",             "GET",  "ok    ok  ok  ok  ok  ok  ok  ok  ok"),
    ("notifications",                 "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("notifications_mark_read",       "POST", "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("notification_mark_one_read",    "POST", "login ok  no  no  no  no  no  no  no"),  # Alice's own
    ("push:service_worker",           "GET",  "ok    ok  ok  ok  ok  ok  ok  ok  ok"),
    ("push:manifest",                 "GET",  "ok    ok  ok  ok  ok  ok  ok  ok  ok"),
    ("push:offline",                  "GET",  "ok    ok  ok  ok  ok  ok  ok  ok  ok"),
    ("push:settings",                 "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("push:subscribe",                "POST", "login ok  ok  ok  ok  ok  ok  ok  ok"),  # no body: nothing stored
    ("push:unsubscribe",              "POST", "login ok  ok  ok  ok  ok  ok  ok  ok"),  # no body: nothing removed
    ("profile",                       "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("welcome",                       "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("blocks",                        "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("account_data",                  "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("account_data_download",         "POST", "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("account_delete",                "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("account_delete_confirm",        "POST", "login ok  ok  ok  ok  ok  ok  ok  ok"),  # no password: form error
    ("account_sessions",              "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("account_session_end",           "POST", "login ok  no  no  no  no  no  no  no"),  # Alice's session
    ("account_sessions_end_others",   "POST", "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("member_directory",              "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("member_profile",                "GET",  "login no  no  no  no  no  ok  ok  no"),  # Bob is not listed
    ("staff_home",                    "GET",  "login no  no  no  no  no  ok  ok  no"),
    ("staff_invitations",             "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_invitation_create",       "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_invitation_csv",          "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_invitation_csv_confirm",  "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_invitation_resend",       "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_invitation_revoke",       "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_members",                 "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_member",                  "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_member_role",             "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_member_cohort",           "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_cohorts",                 "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_cohort_edit",             "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_focus_areas",             "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_focus_area_rename",       "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_focus_area_delete",       "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_audit_log",               "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_program",                 "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_program_csv",             "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_crisis_resources",        "GET",  "login no  no  no  no  no  no  ok  no"),
    ("groups:directory",              "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("groups:create",                 "GET",  "login no  no  no  no  no  ok  ok  no"),
    ("groups:search",                 "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("groups:block",                  "POST", "login ok  no  ok  no  ok  ok  ok  no"),  # Bob: only who can see him
    ("groups:room",                   "GET",  "login ok  no  ok  no  ok  ok  ok  no"),
    ("groups:join",                   "POST", "login ok  no  ok  no  ok  ok  ok  no"),  # members: already in
    ("groups:leave",                  "POST", "login ok  no  ok  no  ok  no  ok  no"),
    ("groups:accept_guidelines",      "POST", "login ok  no  ok  no  ok  no  ok  no"),
    ("groups:add_member",             "POST", "login no  no  no  no  no  no  no  no"),  # private rooms only
    ("moderation:queue",              "GET",  "login no  no  no  no  ok  ok  ok  no"),
    ("moderation:report_action",      "POST", "login no  no  no  no  ok  ok  ok  no"),
    ("moderation:held_action",        "POST", "login no  no  no  no  ok  ok  ok  no"),
    ("moderation:crisis",             "GET",  "login no  no  no  no  no  ok  ok  no"),
    ("moderation:crisis_action",      "POST", "login no  no  no  no  no  ok  ok  no"),
    ("moderation:crisis_card",        "GET",  "login no  no  no  no  no  ok  ok  no"),
    ("moderation:request",            "POST", "login ok  ok  ok  ok  ok  ok  ok  ok"),  # anyone may ask for a person
    ("moderation:report_context",     "GET",  "login no  no  no  no  ok  ok  ok  no"),  # the spring room's report
    ("direct:inbox",                  "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),  # each their own
    ("direct:requests",               "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("direct:accept",                 "POST", "login ok  no  no  no  no  no  no  no"),  # Bob's request to Alice
    ("direct:decline",                "POST", "login ok  no  no  no  no  no  no  no"),
    ("direct:new",                    "GET",  "login no  no  no  no  no  ok  ok  no"),  # Bob: mentors and moderators
    ("recovery:plan",                 "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),  # each their own
    ("recovery:plan_edit",            "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("recovery:plan_delete",          "POST", "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("recovery:plan_card",            "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("recovery:relapse_edit",         "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("recovery:checkin",              "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("recovery:checkin_done",         "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),  # no check-in: the form
    ("recovery:reminder",             "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("recovery:progress",             "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("recovery:week",                 "GET",  "login ok  no  no  no  no  no  no  no"),  # Alice's week
    ("recovery:week_delete",          "POST", "login ok  no  no  no  no  no  no  no"),
    ("recovery:milestones",           "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("recovery:date_add",             "POST", "login ok  ok  ok  ok  ok  ok  ok  no"),  # a form error without data
    ("recovery:begin_again",          "POST", "login ok  no  no  no  no  no  no  no"),  # Alice's date
    ("recovery:date_delete",          "POST", "login ok  no  no  no  no  no  no  no"),
    ("recovery:milestone_share",      "GET",  "login ok  no  no  no  no  no  no  no"),  # Alice's milestone
    ("checkin_sharing",               "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),  # each their own
    ("shared_summary",                "GET",  "login no  no  no  no  no  no  no  no"),  # Bob's: nobody is his mentor
    ("moderation:duty",               "POST", "login no  no  no  no  no  ok  ok  no"),
    ("moderation:member",             "GET",  "login no  no  no  no  ok  ok  ok  no"),
    ("moderation:sanction",           "POST", "login no  no  no  no  ok  ok  ok  no"),
    ("moderation:lift",               "POST", "login no  no  no  no  no  ok  ok  no"),  # site-wide warning
    ("moderation:room",               "GET",  "login no  no  no  no  ok  ok  ok  no"),
    ("moderation:pin",                "POST", "login no  no  no  no  ok  ok  ok  no"),
    ("moderation:room_moderators",    "POST", "login no  no  no  no  no  no  ok  no"),
    ("moderation:words",              "GET",  "login no  no  no  no  no  no  ok  no"),
    ("moderation:word_remove",        "POST", "login no  no  no  no  no  no  ok  no"),
    ("events:agenda",                 "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("events:month_current",          "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("events:month",                  "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("events:mine",                   "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("events:create",                 "GET",  "login no  no  no  no  no  no  ok  no"),
    ("events:policy",                 "GET",  "login no  no  no  no  no  no  ok  no"),
    ("events:feed_settings",          "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("events:feed_regenerate",        "POST", "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("events:feed",                   "GET",  "ok    ok  ok  ok  ok  ok  ok  ok  ok"),  # Alice's secret token
    ("events:edit",                   "GET",  "login no  no  no  no  no  no  ok  no"),
    ("events:cancel",                 "POST", "login no  no  no  no  no  no  ok  no"),
    ("events:occurrence",             "GET",  "login ok  no  ok  ok  ok  ok  ok  no"),  # spring cohort meetup
    ("events:rsvp",                   "POST", "login ok  no  ok  ok  ok  ok  ok  no"),
    ("events:ics",                    "GET",  "login ok  no  ok  ok  ok  ok  ok  no"),
    ("events:occurrence_cancel",      "POST", "login no  no  no  no  no  no  ok  no"),
    ("events:occurrence_move",        "GET",  "login no  no  no  no  no  no  ok  no"),
    ("events:attendees",              "GET",  "login no  no  no  no  no  no  ok  no"),
    ("events:attendees_csv",          "GET",  "login no  no  no  no  no  no  ok  no"),
    ("mentorship:index",              "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("mentorship:apply",              "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("mentorship:pause",              "POST", "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("mentorship:resume",             "POST", "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("mentorship:request",            "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("mentorship:withdraw",           "POST", "login ok  no  ok  no  no  no  no  no"),  # own open request
    ("mentorship:choose",             "POST", "login ok  no  ok  no  no  no  no  no"),
    ("mentorship:detail",             "GET",  "login ok  no  no  no  no  no  ok  no"),  # Bob mentors Alice
    ("mentorship:accept",             "POST", "login ok  no  no  no  no  no  no  no"),
    ("mentorship:decline",            "POST", "login ok  no  no  no  no  no  no  no"),
    ("mentorship:cancel",             "POST", "login ok  no  no  no  no  no  no  no"),
    ("mentorship:end",                "POST", "login ok  no  no  no  no  no  no  no"),
    ("mentorship:staff",              "GET",  "login no  no  no  no  no  no  ok  no"),
    ("mentorship:decide",             "POST", "login no  no  no  no  no  no  ok  no"),
    ("mentorship:retire",             "POST", "login no  no  no  no  no  no  ok  no"),
    ("mentorship:settings",           "POST", "login no  no  no  no  no  no  ok  no"),
    ("mentorship:match",              "POST", "login no  no  no  no  no  no  ok  no"),
    ("mentorship:draft",              "POST", "login no  no  no  no  no  no  ok  no"),
    ("mentorship:publish",            "POST", "login no  no  no  no  no  no  ok  no"),
    ("family_resources",              "GET",  "login ok  ok  ok  ok  ok  ok  ok  ok"),
    ("family_link_end",               "POST", "login ok  no  no  no  no  no  no  ok"),  # Alice and Fran's link
    ("my_family",                     "GET",  "login ok  ok  ok  ok  ok  ok  ok  no"),
    ("family_ask",                    "POST", "login ok  ok  ok  ok  ok  ok  ok  no"),  # a form error without data
    ("family_withdraw",               "POST", "login ok  no  no  no  no  no  no  no"),  # Alice's request
    ("family_sharing",                "POST", "login ok  no  no  no  no  no  no  no"),  # her link: a 400 without share=
    ("staff_family",                  "GET",  "login no  no  no  no  no  no  ok  no"),
    ("staff_family_decide",           "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_family_resource_add",     "POST", "login no  no  no  no  no  no  ok  no"),
    ("staff_family_resource",         "POST", "login no  no  no  no  no  no  ok  no"),
]

# Room socket on the spring cohort room: `refused` at the handshake, `ok`
# (no error frame), or the error code. Frames point at Bob's message; the
# delete comes last because it removes it.
SOCKET_MATRIX = [
    ("connect",           "refused   ok        refused   ok        refused   ok        ok        ok  refused"),
    ("message.send",      "-         ok        -         muted     -         ok        ok        ok  -"),
    ("message.edit",      "-         forbidden -         muted     -         forbidden forbidden forbidden  -"),
    ("reaction.toggle",   "-         ok        -         ok        -         ok        ok        ok  -"),
    ("read",              "-         ok        -         ok        -         ok        ok        ok  -"),
    ("history",           "-         ok        -         ok        -         ok        ok        ok  -"),
    ("typing",            "-         ok        -         ok        -         ok        ok        ok  -"),
    ("ping",              "-         ok        -         ok        -         ok        ok        ok  -"),
    ("message.report",    "-         ok        -         ok        -         ok        ok        ok  -"),
    ("moderator.request", "-         ok        -         ok        -         ok        ok        ok  -"),
    ("message.delete",    "-         forbidden -         forbidden -         ok        ok        ok  -"),
]
# fmt: on

# Views outside this matrix: the admin's (staff only, tested by the URL
# walk), allauth's own account pages (each member's own account) and plain
# redirects.
OUTSIDE_MATRIX = (
    "django.contrib.admin",
    "community.admin",
    "django.contrib.contenttypes",
    "allauth.",
    "django.views.generic.base",
)


def _expected(table):
    return {name: dict(zip(ROLES, cells.split(), strict=True)) for name, *_, cells in table}


@pytest.fixture
def matrix_world(world):
    """The world with the muted member muted in, and the banned member
    banned from, the spring cohort room."""
    from django.utils import timezone

    from groups import actions
    from groups.models import Membership

    Membership.objects.filter(room=world.cohort_room, user=world.muted).update(
        muted_until=timezone.now() + timezone.timedelta(days=1)
    )
    actions.add_member_to_room(room=world.cohort_room, member=world.banned)
    Membership.objects.filter(room=world.cohort_room, user=world.banned).update(banned_permanently=True)
    return world


def test_matrix_covers_every_view():
    routes = {r.name for r in http_routes() if not r.module.startswith(OUTSIDE_MATRIX)}
    assert routes == {name for name, _, _ in HTTP_MATRIX}


def _http_outcome(response) -> str:
    if response.status_code >= 500:
        return "500"
    if response.status_code in (301, 302) and response["Location"].startswith("/accounts/login/"):
        return "login"
    return "no" if refused(response) else "ok"


@pytest.mark.parametrize("role", ROLES)
def test_http_matrix(role, matrix_world):
    routes = {r.name: r for r in http_routes()}
    user = None if role == "anonymous" else getattr(matrix_world, role)
    expected, actual = {}, {}
    for name, method, cells in HTTP_MATRIX:
        client = Client()
        if user is not None:
            client.force_login(user)
        with transaction.atomic():
            response = getattr(client, method.lower())(fill(routes[name], matrix_world))
            transaction.set_rollback(True)
        expected[name] = dict(zip(ROLES, cells.split(), strict=True))[role]
        actual[name] = _http_outcome(response)
    assert actual == expected


def _frame(kind, world):
    message_id = world.message.pk
    return {
        "message.send": {"client_id": str(uuid.uuid4()), "body": "Hello from the matrix"},
        "message.edit": {"id": message_id, "body": "changed"},
        "message.delete": {"id": message_id, "reason": "matrix"},
        "reaction.toggle": {"id": message_id, "emoji": "heart"},
        "read": {"id": message_id},
        "history": {"limit": 10},
        "typing": {},
        "ping": {},
        "message.report": {"id": message_id, "reason": "spam"},
        "moderator.request": {},
    }[kind] | {"type": kind}


async def _reply(socket, kind: str) -> str:
    """The frame's outcome, read up to a ping/pong barrier: the consumer handles
    a socket's frames in order, so every reply before the `pong` belongs to the
    frame under test. `ok` when none of them is an error — decided by the
    barrier, never by a timed silence."""
    if kind != "ping":  # a ping is its own barrier
        await socket.send({"type": "ping"})
    outcome = "ok"
    while True:
        frame = json.loads(await socket.c.receive_from(timeout=10))
        if frame["type"] == "error" and outcome == "ok":
            outcome = frame["code"]
        if frame["type"] == "pong":
            return outcome


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
async def test_socket_matrix(role, matrix_world):
    world = matrix_world
    user = None if role == "anonymous" else getattr(world, role)
    table = _expected(SOCKET_MATRIX)
    expected = {action: cells[role] for action, cells in table.items() if cells[role] != "-"}
    actual = {}
    connected, _code, communicator = await open_socket(user, world.cohort_room.slug, expect_ok=False)
    actual["connect"] = "ok" if connected else "refused"
    if connected:
        from tests.groups.conftest import Socket

        socket = Socket(communicator)
        for action, _ in SOCKET_MATRIX[1:]:
            await socket.send(_frame(action, world))
            actual[action] = await _reply(socket, action)
        await socket.close()
    assert actual == expected


def test_a_room_moderator_moderates_only_their_own_room(matrix_world):
    """Rory moderates the spring cohort room: the topic room's settings, and
    a member of no room of his, are missing to him; his own room is his."""
    world = matrix_world
    client = Client()
    client.force_login(world.roommod)

    assert client.get(f"/moderation/rooms/{world.cohort_room.slug}/").status_code == 200
    assert refused(client.get(f"/moderation/rooms/{world.room.slug}/"))
    assert refused(client.get(f"/moderation/members/{world.outsider.pk}/"))
    with transaction.atomic():
        response = client.post(f"/moderation/members/{world.outsider.pk}/sanction/", {"kind": "warning", "reason": "x"})
        transaction.set_rollback(True)
    assert refused(response)
