"""Times on pages are shown in the signed-in member's own time zone."""

from datetime import UTC, datetime

from groups.models import CrisisAlert


def test_pages_render_times_in_the_members_time_zone(client, moderator, alumnus):
    moderator.time_zone = "Asia/Tokyo"
    moderator.save(update_fields=["time_zone"])
    alert = CrisisAlert.objects.create(member=alumnus, source="request", status="resolved")
    CrisisAlert.objects.filter(pk=alert.pk).update(
        created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC), resolved_at=datetime(2026, 3, 2, tzinfo=UTC)
    )
    client.force_login(moderator)
    content = client.get("/moderation/crisis/").content.decode()
    assert "Mar 2, 2026, 8:30 AM" in content  # 23:30 UTC is 08:30 the next day in Tokyo
    assert "Mar 1, 2026, 11:30 PM" not in content
