"""The audit log and a room's log read as sentences: display names rather
than "member#11 (Sam)", phrases rather than action codes, labelled details
rather than raw dicts; an erased account stays nameless. And the report
queue says "Report resolved." (it once said "resolveed")."""

import uuid

import pytest
from django.template import Context, Template
from django.urls import reverse

from community import actions as community_actions
from community.models import AuditLog
from groups import actions as group_actions

pytestmark = pytest.mark.django_db


def test_staff_audit_log_reads_as_sentences(client, staff, alumnus):
    community_actions.set_role(staff=staff, member=alumnus, role="moderator")
    client.force_login(staff)

    html = client.get(reverse("staff_audit_log")).content.decode()

    assert "Changed a member&#x27;s role" in html
    assert f"Member: {alumnus.display_name}" in html
    assert f">{staff.display_name} (account {staff.pk})</td>" in html
    assert "member#" not in html
    assert "member.role" not in html.split("<tbody>")[1]  # codes stay in the filter's options only
    assert "{&#x27;" not in html


def test_an_erased_actor_stays_nameless():
    entry = AuditLog(actor_label="member#42", action="member.warn", target_type="user", target_label="member#7")
    template = Template("{% load audit %}{{ e.actor_label|audit_who }} | {{ e|audit_target }}")

    html = template.render(Context({"e": entry}))

    assert html == "Erased account 42 | Member: Erased account 7"


def test_details_are_labelled_values_in_the_viewers_zone(settings):
    details = {"from": "2026-12-19T20:00:00+00:00", "kind": "topic", "locked": True, "rooms": ["a", "b"]}

    with_zone = Template(
        "{% load audit tz %}{% timezone 'America/Chicago' %}"
        "{% for label, value in details|audit_details %}{{ label }}={{ value }};{% endfor %}{% endtimezone %}"
    ).render(Context({"details": details}))

    assert with_zone == "From=Dec 19, 2026, 2:00 PM;Kind=topic;Locked=yes;Rooms=a, b;"


def test_room_log_reads_as_sentences(client, moderator, room):
    group_actions.update_room_settings(
        moderator=moderator,
        room=room,
        is_locked=True,
        slow_mode_seconds=0,
        description=room.description,
        guidelines=room.guidelines,
    )
    client.force_login(moderator)

    html = client.get(reverse("moderation:room", args=[room.slug])).content.decode()
    log = html.split('id="log-h"')[1]

    assert "Changed a room&#x27;s settings" in log
    assert moderator.display_name in log
    assert "member#" not in log
    assert "{&#x27;" not in log


def test_resolving_a_report_says_resolved(client, room, alumnus, alumnus2, moderator):
    message = group_actions.post_message(author=alumnus2, room=room, body="unkind", client_id=uuid.uuid4()).message
    report = group_actions.report_message(reporter=alumnus, room=room, message_id=message.pk, reason="harassment")
    client.force_login(moderator)

    response = client.post(reverse("moderation:report_action", args=[report.pk]), {"action": "resolve"}, follow=True)

    html = response.content.decode()
    assert "Report resolved." in html
    assert "resolveed" not in html
