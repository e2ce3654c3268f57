"""One time format, in the member's own zone, on the pages that list moments:
search results, notifications and signed-in browsers all say
"Dec 4, 2026, 8:03 PM" in the member's profile zone, in a <time> element."""

import uuid
from zoneinfo import ZoneInfo

import pytest
from allauth.usersessions.models import UserSession
from django.urls import reverse
from django.utils.dateformat import format as date_format

from community.actions import notify
from groups.actions import post_message

pytestmark = pytest.mark.django_db

ZONE = "Asia/Kolkata"  # +05:30: a half-hour offset shows any zone mix-up


def shown(moment) -> str:
    local = moment.astimezone(ZoneInfo(ZONE))
    return f'<time datetime="{local.isoformat(timespec="seconds")}">{date_format(local, "M j, Y, g:i A")}</time>'


@pytest.fixture
def member(alumnus):
    alumnus.time_zone = ZONE
    alumnus.save(update_fields=["time_zone"])
    return alumnus


def test_notifications_show_the_members_zone(client, member):
    note = notify(recipient=member, kind="general", text="Hello there")
    client.force_login(member)

    html = client.get(reverse("notifications")).content.decode()

    assert shown(note.created_at) in html
    assert " ago<" not in html


def test_search_shows_the_members_zone(client, member, alumnus2, room):
    message = post_message(author=alumnus2, room=room, body="gardening helps", client_id=uuid.uuid4()).message
    client.force_login(member)

    html = client.get(reverse("groups:search"), {"q": "gardening"}).content.decode()

    assert shown(message.created_at) in html


def test_sessions_show_the_members_zone(client, member):
    client.force_login(member)
    UserSession.objects.create(
        user=member, session_key=client.session.session_key, ip="203.0.113.10", user_agent="Firefox"
    )

    response = client.get(reverse("account_sessions"))

    session = response.context["sessions"][0]
    html = response.content.decode()
    assert shown(session.created_at) in html
    # Sessions are a list, not a row of same-named landmarks.
    assert "<section" not in html.split("<h1>")[1]
