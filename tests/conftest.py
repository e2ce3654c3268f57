"""The fixed cast every test draws from, and the gates for real services.

Cast: `alumnus` and `alumnus2` (spring cohort, members of the `room` topic
room), `moderator` (site moderator), `staff`, `outsider` (an active member of
another cohort, in no room — must see nothing private), `banned` (banned from
`room`). All passwords are PASSWORD.
"""

import inspect
import os
import socket
from urllib.parse import urlparse, urlsplit, urlunsplit

import pytest
from django.utils import timezone

PASSWORD = "correct-horse-battery-7"


def make_member(email, display_name, *, role="alumnus", cohort=None, **extra):
    from allauth.account.models import EmailAddress

    from community.models import User

    user = User.objects.create_user(
        email=email,
        password=PASSWORD,
        display_name=display_name,
        role=role,
        cohort=cohort,
        is_staff=role == "staff",
        **extra,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # The real hasher is slow by design; tests create many members.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run where they are enqueued, so tests exercise the real task code
    # (django_tasks drops its cached backends when this setting changes).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.REQUIRE_MFA_FOR_STAFF = False
    # Django's test client and Channels' communicators speak as this origin;
    # the socket Origin check compares scheme, host and port (community/origin.py).
    settings.SITE_ORIGINS = ["http://testserver"]


@pytest.fixture(autouse=True)
def _hubs_closed_with_their_test(request):
    """An async test's socket hub (community.realtime.hub) is closed before the test's
    event loop is, even when the test fails with sockets still open."""
    if inspect.iscoroutinefunction(getattr(request, "function", None)):
        request.getfixturevalue("_close_hubs")


@pytest.fixture
async def _close_hubs():
    from community.realtime import hub

    yield
    for closed in await hub.close_loop_hubs():
        # channels-redis keeps per-channel asyncio locks across calls; one
        # left behind by a cancelled read is bound to this test's loop and
        # would refuse the next test's loop. A test-only reach into its
        # internals, kept here rather than in the hub.
        locks = getattr(closed.layer, "receive_clean_locks", None)
        if locks is not None and not any(lock.locked() for lock in locks.locks.values()):
            locks.locks.clear()
            locks.wait_counts.clear()


@pytest.fixture(autouse=True)
def _fresh_state():
    from django.core.cache import cache

    from community.realtime import presence
    from groups import detector

    cache.clear()
    detector.forget_lists()
    presence.reset_for_tests()
    yield
    presence.reset_for_tests()


@pytest.fixture
def cohort(db):
    from community.models import Cohort

    return Cohort.objects.create(name="Spring cohort", slug="spring", graduation_date=timezone.now().date())


@pytest.fixture
def other_cohort(db):
    from community.models import Cohort

    return Cohort.objects.create(name="Fall cohort", slug="fall")


@pytest.fixture
def alumnus(db, cohort):
    return make_member("alice@example.org", "Alice", cohort=cohort)


@pytest.fixture
def alumnus2(db, cohort):
    return make_member("bob@example.org", "Bob", cohort=cohort)


@pytest.fixture
def moderator(db):
    return make_member("mod@example.org", "Mo the moderator", role="moderator")


@pytest.fixture
def staff(db):
    return make_member("staff@example.org", "Sta the staffer", role="staff")


@pytest.fixture
def outsider(db, other_cohort):
    return make_member("charlie@example.org", "Charlie", cohort=other_cohort)


@pytest.fixture
def banned(db, cohort):
    return make_member("dana@example.org", "Dana", cohort=cohort)


@pytest.fixture
def room(db, staff, alumnus, alumnus2, banned):
    """A topic room with Alice, Bob and (banned) Dana; no guidelines to accept."""
    from groups import actions
    from groups.models import Membership, Room

    room = actions.create_room(creator=staff, name="Anxiety", slug="anxiety", kind=Room.Kind.TOPIC)
    for member in (alumnus, alumnus2, banned):
        actions.join_room(member=member, room=room)
    Membership.objects.filter(room=room, user=banned).update(banned_permanently=True)
    return room


# --- real services ---------------------------------------------------------------


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 0), timeout=1):
            return True
    except OSError:
        return False


def require_service(url: str, what: str) -> None:
    """Skip outside CI when a real service is absent; fail loudly in CI."""
    if _reachable(url):
        return
    message = f"{what} is not reachable at {url}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required in CI)")
    pytest.skip(message)


@pytest.fixture
def postgres_url():
    url = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
    require_service(url, "PostgreSQL")
    return url


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    require_service(url, "Redis")
    # Each pytest-xdist worker gets a Redis database of its own: a test that
    # clears its cache there must not wipe another worker's channel layer.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw") and worker[2:].isdigit():
        parts = urlsplit(url)
        base = int(parts.path.strip("/") or 0)
        url = urlunsplit(parts._replace(path=f"/{base + 1 + int(worker[2:]) % 10}"))
    return url
