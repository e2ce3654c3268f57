"""The accessibility gate: axe-core (shipped by axe-playwright-python) runs in
Debian's Chromium over every page a member, a moderator and a staff member can
reach, at a 1280×800 laptop and a 390×844 phone, in the light and the dark
theme, and fails on any violation.

Which pages: every URL pattern of the site is either visited here (PAGES) or
named in NOT_PAGES with the reason it is not a page (a POST-only action, a
download, a JSON endpoint). A new URL pattern fails
test_every_url_pattern_is_audited_or_explained until it is put in one of the
two, so the gate cannot silently fall behind the site.
"""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, get_resolver

from .conftest import ROOT, live_server, screenshot, server_env, sign_in

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SCHEMES = ["light", "dark"]

# Who visits: the demo's alumnus, a second alumnus (party to the demo's
# proposed mentorship), the site moderator and the staff member; "anonymous"
# for the pages before signing in.
ROLES = {
    "member": "sam@example.org",
    "mentor": "jordan@example.org",
    "moderator": "riley@example.org",
    "staff": "morgan@example.org",
    "family": "kim@example.org",
    "anonymous": None,
}

# (role, URL pattern name, path). Paths use {placeholders} filled from the
# seeded database (see IDS_SCRIPT). A name of None is an error page (404, 403).
PAGES = [
    # Before signing in (allauth's pages and the entrance).
    ("anonymous", "account_login", "/accounts/login/"),
    ("anonymous", "account_reset_password", "/accounts/password/reset/"),
    ("anonymous", "account_reset_password_done", "/accounts/password/reset/done/"),
    ("anonymous", "account_signup", "/accounts/signup/"),
    ("anonymous", "invitation_accept", "/invite/not-a-real-token/"),
    ("anonymous", "crisis", "/crisis/"),
    ("anonymous", "push:offline", "/offline/"),
    # A member.
    ("member", "home", "/"),
    ("member", "groups:directory", "/rooms/"),
    ("member", "groups:search", "/rooms/search/?q=meetup"),
    ("member", "profile", "/profile/"),
    ("member", "blocks", "/profile/blocks/"),
    ("member", "welcome", "/welcome/"),
    ("member", "member_directory", "/members/"),
    ("member", "member_profile", "/members/{jordan}/"),
    ("member", "notifications", "/notifications/"),
    ("member", "push:settings", "/notifications/settings/"),
    ("member", "crisis", "/crisis/"),
    ("member", "recovery:plan", "/me/safety-plan/"),
    ("member", "recovery:plan_edit", "/me/safety-plan/edit/"),
    ("member", "recovery:relapse_edit", "/me/safety-plan/relapse-prevention/"),
    ("member", "recovery:checkin", "/me/check-in/"),
    ("member", "recovery:checkin_done", "/me/check-in/done/"),
    ("member", "recovery:reminder", "/me/check-in/reminder/"),
    ("member", "recovery:progress", "/me/progress/"),
    ("member", "recovery:week", "/me/progress/{sam_week}/"),
    ("member", "recovery:milestones", "/me/milestones/"),
    ("member", "recovery:milestone_share", "/me/milestones/{sam_milestone}/share/"),
    ("member", "checkin_sharing", "/me/check-in/sharing/"),
    ("member", "events:agenda", "/meetups/"),
    ("member", "events:month_current", "/meetups/month/"),
    ("member", "events:month", "/meetups/month/{year}/{month}/"),
    ("member", "events:occurrence", "/meetups/{occurrence}/"),
    ("member", "events:occurrence", "/meetups/{cancelled_occurrence}/"),
    ("member", "events:mine", "/meetups/mine/"),
    ("member", "events:feed_settings", "/meetups/calendar/"),
    ("member", "mentorship:index", "/mentors/"),
    ("member", "mentorship:request", "/mentors/request/"),
    ("member", "mentorship:apply", "/mentors/apply/"),
    ("mentor", "mentorship:detail", "/mentors/m/{mentorship}/"),
    ("mentor", "mentorship:index", "/mentors/"),
    ("member", "direct:inbox", "/messages/"),
    ("member", "direct:requests", "/messages/requests/"),
    ("member", "direct:new", "/messages/new/{devon}/"),  # her request to Devon, sent
    ("member", "my_family", "/me/family/"),
    ("member", "account_data", "/account/data/"),
    ("member", "account_delete", "/account/delete/"),
    ("member", "account_sessions", "/account/sessions/"),
    ("member", "account_email", "/accounts/email/"),
    ("member", "account_change_password", "/accounts/password/change/"),
    ("member", "mfa_index", "/accounts/2fa/"),
    ("member", "mfa_activate_totp", "/accounts/2fa/totp/activate/"),
    ("member", "account_reauthenticate", "/accounts/reauthenticate/"),
    ("member", None, "/moderation/"),
    # A family member (Kim, Sam's sister).
    ("family", "home", "/"),
    ("family", "welcome", "/welcome/"),
    ("family", "family_resources", "/family/resources/"),
    ("family", "groups:directory", "/rooms/"),
    ("family", "events:agenda", "/meetups/"),
    ("family", "profile", "/profile/"),
    ("family", "crisis", "/crisis/"),
    # A moderator.
    ("moderator", "home", "/"),
    ("moderator", "moderation:queue", "/moderation/"),
    ("moderator", "moderation:crisis", "/moderation/crisis/"),
    ("moderator", "moderation:member", "/moderation/members/{sam}/"),
    ("moderator", "moderation:room", "/moderation/rooms/welcome/"),
    ("moderator", "moderation:report_context", "/moderation/reports/{dm_report}/context/"),
    ("moderator", "direct:new", "/messages/new/{sam}/"),  # a moderator writes at once
    ("moderator", "staff_home", "/staff/"),
    ("moderator", "notifications", "/notifications/"),
    ("moderator", "push:settings", "/notifications/settings/"),
    # Staff.
    ("staff", "home", "/"),
    ("staff", "staff_home", "/staff/"),
    ("staff", "groups:create", "/rooms/new/"),
    ("staff", "moderation:words", "/moderation/words/"),
    ("staff", "staff_invitations", "/staff/invitations/"),
    ("staff", "staff_members", "/staff/members/"),
    ("staff", "staff_member", "/staff/members/{sam}/"),
    ("staff", "staff_cohorts", "/staff/cohorts/"),
    ("staff", "staff_cohort_edit", "/staff/cohorts/{cohort}/"),
    ("staff", "staff_focus_areas", "/staff/focus-areas/"),
    ("staff", "staff_audit_log", "/staff/audit-log/"),
    ("staff", "staff_program", "/staff/program/"),
    ("staff", "staff_family", "/staff/family/"),
    ("staff", "staff_crisis_resources", "/staff/crisis-resources/"),
    ("staff", "events:create", "/meetups/new/"),
    ("staff", "events:policy", "/meetups/settings/"),
    ("staff", "events:edit", "/meetups/series/{event}/edit/"),
    ("staff", "events:occurrence", "/meetups/{occurrence}/"),
    ("staff", "events:occurrence_move", "/meetups/{occurrence}/move/"),
    ("staff", "events:attendees", "/meetups/{occurrence}/attendees/"),
    ("staff", "mentorship:staff", "/mentors/staff/"),
    ("staff", "mentorship:detail", "/mentors/m/{mentorship}/"),
]

# Pages whose answer is not 200 on purpose (they are audited all the same).
EXPECTED_STATUS = {("anonymous", "/invite/not-a-real-token/"): 404, ("member", "/moderation/"): 403}

# The chat room page (the chat rework's, issue #16's chat half) has its own test below.
CHAT_PAGES = [("member", "groups:room", "/rooms/welcome/"), ("member", "groups:room", "/rooms/{sam_dm}/")]

# Every other URL pattern, and why it is not a page to audit.
NOT_PAGES = {
    # POST-only actions (each answers 405 to a GET).
    **dict.fromkeys(
        [
            "notifications_mark_read",
            "notification_mark_one_read",
            "family_ask",
            "family_withdraw",
            "family_sharing",
            "family_link_end",
            "staff_family_decide",
            "staff_family_resource_add",
            "staff_family_resource",
            "staff_member_cohort",
            "account_data_download",
            "account_delete_confirm",
            "account_session_end",
            "account_sessions_end_others",
            "staff_invitation_create",
            "staff_invitation_csv",
            "staff_invitation_csv_confirm",
            "staff_invitation_resend",
            "staff_invitation_revoke",
            "staff_member_role",
            "staff_focus_area_rename",
            "staff_focus_area_delete",
            "groups:block",
            "groups:join",
            "groups:leave",
            "groups:accept_guidelines",
            "groups:add_member",
            "direct:accept",
            "direct:decline",
            "moderation:report_action",
            "moderation:held_action",
            "moderation:crisis_action",
            "moderation:request",
            "moderation:duty",
            "moderation:sanction",
            "moderation:lift",
            "moderation:pin",
            "moderation:room_moderators",
            "moderation:word_remove",
            "events:feed_regenerate",
            "events:cancel",
            "events:rsvp",
            "events:occurrence_cancel",
            "mentorship:pause",
            "mentorship:resume",
            "mentorship:withdraw",
            "mentorship:choose",
            "mentorship:accept",
            "mentorship:decline",
            "mentorship:cancel",
            "mentorship:end",
            "mentorship:decide",
            "mentorship:retire",
            "mentorship:settings",
            "mentorship:match",
            "mentorship:draft",
            "mentorship:publish",
            "recovery:plan_delete",
            "recovery:week_delete",
            "recovery:date_add",
            "recovery:begin_again",
            "recovery:date_delete",
            "push:subscribe",  # JSON from the settings page's script
            "push:unsubscribe",
            "account_logout",  # the GET page is replaced by the header's form; POST signs out
        ],
        "POST-only action",
    ),
    # Files and machine endpoints, not pages.
    "healthz": "JSON health check",
    "push:service_worker": "the service worker's script",
    "push:manifest": "the web app manifest (JSON)",
    "events:feed": "iCalendar feed",
    "events:ics": "iCalendar download",
    "events:attendees_csv": "CSV download",
    "staff_program_csv": "CSV download",
    "mfa_download_recovery_codes": "text download",
    "moderation:crisis_card": "HTML fragment fetched by the console's script",
    "recovery:plan_card": "HTML fragment fetched into the support card",
    "shared_summary": "needs an active mentorship the demo lacks; axe runs on it in tests/e2e/test_recovery.py",
    # Redirects onto pages audited above.
    "usersessions_redirect": "redirects to account_sessions",
    "usersessions_list": "shadowed by usersessions_redirect",
    "account_email_verification_sent": "shown only right after signing up (sign-up is closed)",
    "account_inactive": "shown only to a deactivated account",
    "account_set_password": "redirects to account_change_password (every member has a password)",
    # Pages that need a secret from an e-mail or a step in progress.
    "account_confirm_email": "needs a key from an e-mail",
    "account_reset_password_from_key": "needs a key from an e-mail",
    "account_reset_password_from_key_done": "after a reset from an e-mail",
    "account_confirm_login_code": "needs a login-code in progress",
    "mfa_authenticate": "needs a sign-in in progress with MFA",
    "mfa_reauthenticate": "needs an authenticator",
    "mfa_deactivate_totp": "needs an authenticator",
    "mfa_view_recovery_codes": "needs an authenticator",
    "mfa_generate_recovery_codes": "needs an authenticator",
}

IDS_SCRIPT = """
import json
from datetime import date
from django.utils import timezone
from community.models import Cohort, User
from events.models import Event, Occurrence
from mentorship.models import Mentorship
from recovery.models import CheckIn, Milestone
from groups.models import Report, Room
users = {u.email.split("@")[0]: u.id for u in User.objects.all()}
upcoming = Occurrence.objects.filter(cancelled_at__isnull=True, starts_at__gt=timezone.now())
upcoming = upcoming.order_by("starts_at").first()
today = date.today()
print(json.dumps({
    **users,
    "year": today.year,
    "month": today.month,
    "occurrence": upcoming.id,
    "event": upcoming.event_id,
    "cancelled_occurrence": Occurrence.objects.filter(cancelled_at__isnull=False).order_by("starts_at").first().id,
    "mentorship": Mentorship.objects.order_by("id").first().id,
    "cohort": Cohort.objects.order_by("id").first().id,
    "sam_week": CheckIn.objects.filter(member__email="sam@example.org").latest("week_start").week_start.isoformat(),
    "sam_milestone": Milestone.objects.filter(recovery_date__member__email="sam@example.org").earliest("id").id,
    "sam_dm": Room.objects.get(kind="direct", memberships__user__email="sam@example.org").slug,
    "dm_report": Report.objects.get(message__room__kind="direct").id,
}))
"""

# The demo has no cancelled meetup: sam says he is going to one, then staff
# cancel it (through the actions), so its page is audited as sam sees it; and
# sam blocks casey, so the blocks page has a row.
SETUP = """
from django.utils import timezone
from events.actions import cancel_occurrence, rsvp
from events.models import Occurrence
from community.models import User
staff = User.objects.get(email="morgan@example.org")
sam = User.objects.get(email="sam@example.org")
upcoming = Occurrence.objects.filter(cancelled_at__isnull=True, starts_at__gt=timezone.now()).order_by("starts_at")
occurrence = upcoming.filter(event__audience="all")[2]
rsvp(member=sam, occurrence=occurrence, status="going")
cancel_occurrence(actor=staff, occurrence=occurrence, reason="The room is being painted.")
from groups.actions import block_member
block_member(member=sam, other=User.objects.get(email="casey@example.org"))
# Direct messages: sam talks with jordan (and reports one of his messages),
# has alex's request waiting and her own to devon sent.
from groups import actions as chat
User.objects.filter(email__in=["sam@example.org", "devon@example.org"]).update(direct_messages_from="shared_room")
sam, jordan = User.objects.get(email="sam@example.org"), User.objects.get(email="jordan@example.org")
_, request, _ = chat.request_direct(sender=jordan, recipient=sam, body="Hey Sam, walk on Thursday?")
dm = chat.accept_direct_request(member=sam, request=request)
import uuid
message = chat.post_message(author=jordan, room=dm, body="Great, see you at six", client_id=uuid.uuid4()).message
chat.report_message(reporter=sam, room=dm, message_id=message.pk, reason="other", note="Testing the report page")
alex, devon = User.objects.get(email="alex@example.org"), User.objects.get(email="devon@example.org")
chat.request_direct(sender=alex, recipient=sam, body="Hi Sam, could we talk about sleep?")
chat.request_direct(sender=sam, recipient=devon, body="Hi Devon, thanks for Tuesday.")
"""


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_pattern_is_audited_or_explained():
    names = {name for name in _walk(get_resolver().url_patterns) if not name.startswith("admin:")}
    audited = {name for _, name, _ in PAGES + CHAT_PAGES if name}
    missing = sorted(names - audited - set(NOT_PAGES))
    assert missing == [], f"URL patterns neither audited nor explained in NOT_PAGES: {missing}"
    stale = sorted((audited | set(NOT_PAGES)) - names)
    assert stale == [], f"names in the gate that are no URL pattern: {stale}"


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium_path):
    tmp = tmp_path_factory.mktemp("a11y")
    with live_server(tmp, setup=SETUP) as base:
        out = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", IDS_SCRIPT],
            cwd=ROOT,
            env=server_env(tmp / "db.sqlite3"),
            check=True,
            capture_output=True,
            text=True,
        )
        ids = json.loads(out.stdout.strip().splitlines()[-1])
        yield base, ids


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.extend(f"      - {check['message']}" for check in node["any"] + node["all"] + node["none"])
    return "\n".join(lines)


def audit_role(browser, axe, base, ids, role, pages, scheme):
    """Visit each page as one role at both widths; returns {label: report}."""
    failures = {}
    for viewport_name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, color_scheme=scheme, has_touch=viewport_name == "phone")
        page = context.new_page()
        if ROLES[role]:
            sign_in(page, base, ROLES[role])
        for _, name, path in pages:
            url = base + path.format(**ids)
            response = page.goto(url)
            page.wait_for_load_state("networkidle")
            label = f"{role} {path.format(**ids)} ({viewport_name}, {scheme})"
            if response is None or response.status != EXPECTED_STATUS.get((role, path), 200):
                failures[label] = f"answered {response and response.status}"
                continue
            # The page's live parts (toasts, the notification badge) settle first.
            page.wait_for_timeout(100)
            results = axe.run(page)
            if results.violations_count:
                failures[label] = describe(results.response["violations"])
                slug = (name or path).strip("/").replace(":", "-").replace("/", "-")
                screenshot(page, f"a11y-fail-{role}-{slug}-{viewport_name}-{scheme}")
        context.close()
    return failures


@pytest.mark.browser
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("role", ["anonymous", "member", "mentor", "moderator", "staff", "family"])
def test_pages_have_no_axe_violations(browser, axe, site, role, scheme):
    base, ids = site
    pages = [entry for entry in PAGES if entry[0] == role]
    failures = audit_role(browser, axe, base, ids, role, pages, scheme)
    assert not failures, "\n\n".join(f"{label}\n{report}" for label, report in failures.items())


@pytest.mark.browser
@pytest.mark.parametrize("scheme", SCHEMES)
def test_chat_room_has_no_axe_violations(browser, axe, site, scheme):
    base, ids = site
    failures = audit_role(browser, axe, base, ids, "member", CHAT_PAGES, scheme)
    assert not failures, "\n\n".join(f"{label}\n{report}" for label, report in failures.items())


@pytest.mark.browser
@pytest.mark.parametrize("scheme", SCHEMES)
def test_flash_messages_have_no_axe_violations(browser, axe, site, scheme):
    base, _ = site
    context = browser.new_context(viewport=VIEWPORTS["phone"], color_scheme=scheme, has_touch=True)
    page = context.new_page()
    sign_in(page, base, ROLES["member"])
    page.goto(base + "/profile/")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_load_state("networkidle")
    status = page.get_by_role("status").filter(has_text="Your profile is saved.")
    assert status.count() == 1
    results = axe.run(page)
    context.close()
    assert results.violations_count == 0, describe(results.response["violations"])


@pytest.mark.browser
@pytest.mark.parametrize("scheme", SCHEMES)
def test_error_pages_have_no_axe_violations(browser, axe, site, scheme):
    """The 403 page comes from the server. The test server runs with DEBUG on,
    where Django answers a 404 with its own debugging page, so the 404 page
    is rendered here (as an anonymous visitor sees it), the 500 page the way
    alumni.errors renders it, and the refused-form page; each is shown on the
    site's origin so its stylesheets load. Screenshots of all at both widths."""
    base, _ = site
    rendered = {
        "404": render_to_string("404.html", {"site_name": settings.SITE_NAME}),
        "500": render_to_string("500.html", {"site_name": settings.SITE_NAME}),
        "403-csrf": render_to_string("403_csrf.html", {"site_name": settings.SITE_NAME}),
    }
    headings = {
        "404": "We can't find that page",
        "500": "Something went wrong on our side",
        "403-csrf": "Please try that again",
    }
    failures = {}
    for viewport_name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, color_scheme=scheme)
        page = context.new_page()
        sign_in(page, base, ROLES["member"])
        assert page.goto(base + "/moderation/").status == 403
        assert page.get_by_role("heading", name="This page isn't open to you").is_visible()
        screenshot(page, f"error-403-{viewport_name}-{scheme}")
        for code, html in rendered.items():
            page.goto(base + "/crisis/")
            page.set_content(html)
            page.wait_for_load_state("networkidle")
            assert page.get_by_role("heading", name=headings[code]).is_visible()
            assert page.get_by_role("link", name="988").first.is_visible()
            screenshot(page, f"error-{code}-{viewport_name}-{scheme}")
            results = axe.run(page)
            if results.violations_count:
                failures[f"{code} ({viewport_name}, {scheme})"] = describe(results.response["violations"])
        context.close()
    assert not failures, "\n\n".join(f"{label}\n{report}" for label, report in failures.items())
