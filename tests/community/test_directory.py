"""The member directory and member profile pages: opt-in only, and no email
address ever reaches another member's screen."""

import re

import pytest
from django.urls import reverse

from community.models import FocusArea
from tests.conftest import make_member


def list_in_directory(*members):
    for m in members:
        m.in_directory = True
        m.save(update_fields=["in_directory"])


@pytest.fixture
def area(db):
    return FocusArea.objects.create(name="Relapse prevention", slug="relapse")


def test_directory_lists_only_opted_in_members(client, alumnus, alumnus2, outsider, moderator):
    list_in_directory(alumnus2, outsider)
    client.force_login(alumnus)

    response = client.get(reverse("member_directory"))

    assert [m.display_name for m in response.context["members"]] == ["Bob", "Charlie"]


def test_directory_leaves_out_suspended_and_deactivated_members(client, alumnus, alumnus2, outsider):
    from django.utils import timezone

    list_in_directory(alumnus2, outsider)
    alumnus2.suspended_at = timezone.now()
    alumnus2.save(update_fields=["suspended_at"])
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    client.force_login(alumnus)

    response = client.get(reverse("member_directory"))

    assert list(response.context["members"]) == []


def test_directory_and_profile_never_show_email_addresses(client, alumnus, alumnus2, cohort, area):
    # Data that could leak: the address sits on the very rows being rendered.
    alumnus2.pronouns = "he/him"
    alumnus2.bio = "Weekend hikes keep me going."
    alumnus2.save(update_fields=["pronouns", "bio"])
    alumnus2.focus_areas.add(area)
    list_in_directory(alumnus2)
    client.force_login(alumnus)

    directory = client.get(reverse("member_directory")).content.decode()
    profile = client.get(reverse("member_profile", args=[alumnus2.pk])).content.decode()

    for html in (directory, profile):
        assert "bob@example.org" not in html
        assert "bob@" not in html
        for text in ("Bob", "he/him", "Spring cohort", "Relapse prevention", "Weekend hikes keep me going."):
            assert text in html


def test_staff_sees_email_on_a_profile(client, staff, alumnus2):
    list_in_directory(alumnus2)
    client.force_login(staff)

    response = client.get(reverse("member_profile", args=[alumnus2.pk]))

    assert "bob@example.org" in response.content.decode()


def test_own_profile_shows_own_email_only(client, alumnus):
    client.force_login(alumnus)

    response = client.get(reverse("member_profile", args=[alumnus.pk]))

    assert response.status_code == 200
    assert "alice@example.org" in response.content.decode()


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("alumnus", 404),
        ("outsider", 404),
        ("moderator", 200),
        ("staff", 200),
    ],
)
def test_unlisted_profile_is_hidden_from_members(client, request, alumnus2, viewer, status):
    client.force_login(request.getfixturevalue(viewer))

    response = client.get(reverse("member_profile", args=[alumnus2.pk]))

    assert response.status_code == status


def test_missing_and_hidden_profiles_look_the_same(client, alumnus, alumnus2):
    client.force_login(alumnus)

    hidden = client.get(reverse("member_profile", args=[alumnus2.pk]))
    missing = client.get(reverse("member_profile", args=[99999]))

    assert hidden.status_code == missing.status_code == 404
    # The styled 404 page carries a fresh CSP nonce and CSRF token each time.
    fresh = re.compile(rb'nonce="[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')
    assert fresh.sub(b"", hidden.content) == fresh.sub(b"", missing.content)


@pytest.mark.parametrize("name", ["member_directory", "profile"])
def test_member_pages_require_login(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("count", [1, 3])
def test_directory_query_count(client, alumnus, cohort, area, count, django_assert_num_queries):
    for i in range(count):
        member = make_member(f"listed{i}@example.org", f"Listed {i}", cohort=cohort, in_directory=True)
        member.focus_areas.add(area)
    client.force_login(alumnus)

    # 1 session, 2 user, 3 unread notifications (header badge), 4 count for
    # the paginator, 5 the page of members with their cohort, 6 their focus areas.
    with django_assert_num_queries(6):
        response = client.get(reverse("member_directory"))

    assert len(response.context["members"]) == count
    assert "Relapse prevention" in response.content.decode()


def test_directory_query_reads_no_address_or_password(client, alumnus, alumnus2):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    list_in_directory(alumnus2)
    client.force_login(alumnus)

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("member_directory"))

    [listing] = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "in_directory" in q["sql"]]
    assert '"email"' not in listing
    assert '"password"' not in listing
    assert '"display_name"' in listing
