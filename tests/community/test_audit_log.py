"""The audit log: append-only, and browsable by staff only."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from community.actions import record_audit
from community.models import AuditLog


def test_rows_cannot_be_changed_or_deleted(staff):
    entry = record_audit(actor=staff, action="test.thing")

    entry.action = "rewritten"
    for attempt in (
        entry.save,
        entry.delete,
        lambda: AuditLog.objects.all().delete(),
        lambda: AuditLog.objects.filter(pk=entry.pk).update(action="x"),
    ):
        with pytest.raises(TypeError, match="append-only"):
            attempt()

    assert list(AuditLog.objects.values_list("action", flat=True)) == ["test.thing"]


def test_actor_label_is_pseudonymous(staff):
    entry = record_audit(actor=staff, action="test.thing", target=staff)

    assert entry.actor_label == f"member#{staff.pk} (Sta the staffer)"
    assert "staff@example.org" not in f"{entry.actor_label} {entry.target_label} {entry.details}"


@pytest.fixture
def entries(staff, moderator, alumnus):
    rows = [
        record_audit(actor=staff, action="invitation.create"),
        record_audit(actor=moderator, action="message.remove"),
        record_audit(actor=staff, action="member.role", target=alumnus, details={"from": "a", "to": "b"}),
    ]
    return rows


def _at(entry, when):
    # Only tests may move a row in time; the model refuses updates.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE community_auditlog SET created_at = %s WHERE id = %s",
            [connection.ops.adapt_datetimefield_value(when), entry.pk],
        )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["member.role", "message.remove", "invitation.create"]),
        ({"action": "message.remove"}, ["message.remove"]),
        ({"actor": "sta the"}, ["member.role", "invitation.create"]),
        ({"actor": "member#"}, ["member.role", "message.remove", "invitation.create"]),
    ],
)
def test_filter_by_action_and_actor(client, staff, entries, params, expected):
    client.force_login(staff)

    response = client.get(reverse("staff_audit_log"), params)

    assert [e.action for e in response.context["entries"]] == expected


def test_filter_by_date_range_in_viewers_time_zone(client, staff, entries):
    chicago = ZoneInfo("America/Chicago")
    _at(entries[0], datetime(2026, 3, 1, 23, 30, tzinfo=chicago))  # late on the 1st, local time
    _at(entries[1], datetime(2026, 3, 2, 0, 30, tzinfo=chicago))
    _at(entries[2], datetime(2026, 3, 5, 12, 0, tzinfo=chicago))
    client.force_login(staff)

    first = client.get(reverse("staff_audit_log"), {"since": "2026-03-01", "until": "2026-03-01"})
    second_on = client.get(reverse("staff_audit_log"), {"since": "2026-03-02"})

    assert [e.action for e in first.context["entries"]] == ["invitation.create"]
    assert [e.action for e in second_on.context["entries"]] == ["member.role", "message.remove"]


def test_reversed_date_range_is_a_clear_error(client, staff, entries):
    client.force_login(staff)

    response = client.get(reverse("staff_audit_log"), {"since": "2026-03-05", "until": "2026-03-01"})

    assert response.context["form"].non_field_errors() == ["“From” must be on or before “To”."]
    assert list(response.context["entries"]) == []


def test_log_is_paginated(client, staff):
    for i in range(55):
        record_audit(actor=staff, action=f"bulk.{i:02d}")
    client.force_login(staff)

    page1 = client.get(reverse("staff_audit_log"))
    page2 = client.get(reverse("staff_audit_log"), {"page": 2})

    assert len(page1.context["entries"]) == 50
    assert len(page2.context["entries"]) == 5
    assert 'rel="next"' in page1.content.decode()


@pytest.mark.parametrize("who", ["alumnus", "moderator"])
def test_log_is_staff_only(client, request, who, entries):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("staff_audit_log"))

    assert response.status_code == 404
    assert b"invitation.create" not in response.content


@pytest.mark.parametrize("count", [1, 3])
def test_log_query_count(client, staff, count, django_assert_num_queries):
    for i in range(count):
        record_audit(actor=staff, action="test.thing", details={"n": i})
    client.force_login(staff)

    # 1 session, 2 user, 3 unread notifications, 4 distinct actions for the
    # filter's select, 5 paginator count, 6 the page of entries, 7 open crisis
    # alerts (the header badge every moderator page carries).
    with django_assert_num_queries(7):
        response = client.get(reverse("staff_audit_log"))

    assert len(response.context["entries"]) == count


def test_created_at_defaults_to_now(staff):
    entry = record_audit(actor=staff, action="x")

    assert timezone.now() - entry.created_at < timedelta(seconds=5)
