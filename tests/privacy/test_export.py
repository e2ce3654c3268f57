"""Downloading everything the platform holds about oneself — and nothing
private about anyone else."""

import json
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from alumni.privacy import export_member_data

from .seed import BOB_GOALS, BOB_REPORT_NOTE

pytestmark = pytest.mark.django_db


def test_export_has_every_section_with_the_members_data(seeded):
    data = export_member_data(seeded.member)

    assert data["profile"]["email"] == "alice@example.org"
    assert data["profile"]["focus_areas"] == ["Sleep"]
    assert [e["email"] for e in data["email_addresses"]] == ["alice@example.org", "alice.alt@example.net"]
    assert [a["type"] for a in data["two_factor"]] == ["totp"]
    assert {s["ip"] for s in data["sessions"]} == {"203.0.113.9"}
    assert [m["body"] for m in data["messages"]] == ["Hi @Bob, I feel unsafe tonight"]
    assert [r["emoji"] for r in data["reactions"]] == ["heart"]
    assert [r["note"] for r in data["reports_you_made"]] == ["Alice here: I know him"]
    assert [b["display_name"] for b in data["blocked_members"]] == ["Charlie"]
    assert [s["reason"] for s in data["sanctions"]] == ["Alice, please be kind"]
    assert [a["source"] for a in data["crisis_alerts"]] == ["message"]
    assert [(r["meetup"], r["status"]) for r in data["rsvps"]] == [("Family night", "going")]
    assert data["calendar_feed"] is not None
    assert [n["text"] for n in data["notifications"]] == [
        "Welcome to the community",
        "Bob mentioned you in Anxiety",
        "Bob mentioned you in Anxiety",
        "Mo the moderator sent you a message",
    ]
    # A request she sent reads "sent" whatever Charlie did; one she declined is hers to see.
    assert [(r["to"], r["body"], r["status"]) for r in data["message_requests_sent"]] == [
        ("Charlie", "Alice here: can we talk?", "sent")
    ]
    assert [(r["from"], r["status"]) for r in data["message_requests_received"]] == [("Charlie", "declined")]
    assert [(f["display_name"], bool(f["used_until"])) for f in data["former_display_names"]] == [
        ("Alice", True),
        ("Zelda Quill", True),
    ]
    mentoring = data["mentorship"]
    assert mentoring["mentor_profile"]["bio"] == "Happy to listen."
    assert [r["goals"] for r in mentoring["requests"]] == ["Alice-goal: rebuild my routine"]
    assert sorted((m["your_role"], m["with"]) for m in mentoring["mentorships"]) == [
        ("mentee", "Mo the moderator"),
        ("mentor", "Bob"),
    ]
    assert [f["body"] for f in mentoring["feedback_you_wrote"]] == ["Alice-feedback: it helped"]
    assert {row["action"] for row in data["audit_log"]} == {"report.claim", "member.role"}


def test_export_holds_nothing_private_of_other_members(seeded, alumnus2, moderator, staff, outsider):
    from allauth.mfa.models import Authenticator

    from events.models import CalendarFeed

    text = json.dumps(export_member_data(seeded.member), ensure_ascii=False)

    for leak in [
        alumnus2.email,
        moderator.email,
        staff.email,
        outsider.email,
        "newcomer@example.org",  # an invitation the member sent as staff
        BOB_GOALS,  # the mentee's request, read by his mentor in the app
        BOB_REPORT_NOTE,  # Bob's report about the member's message
        "Bob prefers chat",  # a match explanation
        CalendarFeed.objects.get(member=seeded.member).token,
        Authenticator.objects.get(user=seeded.member).data["secret"],
        *seeded.session_keys,
    ]:
        assert leak not in text


def test_export_query_count_does_not_grow_with_rows(alumnus, room, django_assert_num_queries):
    from groups import actions as chat

    def post(n, start=0):
        for i in range(start, start + n):
            chat.post_message(
                author=alumnus, room=room, body=f"note {i}", client_id=f"00000000-0000-4000-8000-{i:012d}"
            )

    post(1)
    # One query per list: profile (focus areas, invitation, former display
    # names, notifications, audit: 5), account (emails, MFA, sessions: 3), chat (rooms, messages,
    # reactions, mentions, blocks, reports, sanctions, alerts, duty, message
    # requests sent and received: 11),
    # meetups (RSVPs, reminders, feed, hosted: 4), mentoring (profile,
    # requests, mentorships, feedback, check-ins, pair blocks: 6), recovery
    # (safety plan, check-in reminder, milestones, check-ins, summary shares,
    # recovery dates: 6), Web Push (settings, subscriptions: 2), the
    # families' side (requests, links: 2). The cohort came with the member.
    with django_assert_num_queries(39):
        export_member_data(alumnus)
    post(3, start=1)
    with django_assert_num_queries(39):
        data = export_member_data(alumnus)
    assert len(data["messages"]) == 4


def test_data_page_explains_and_offers_the_download(client, alumnus):
    client.force_login(alumnus)

    response = client.get(reverse("account_data"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "What we hold about you" in body
    assert f'action="{reverse("account_data_download")}"' in body


def test_download_is_a_json_attachment(client, seeded):
    client.force_login(seeded.member)

    response = client.post(reverse("account_data_download"))

    today = timezone.localdate(timezone.now(), timezone=zoneinfo.ZoneInfo(seeded.member.time_zone))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="alumni-community-data-{today:%Y-%m-%d}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["profile"]["display_name"] == "Alice"
    assert data["format"] == "alumni-community-export/1"
