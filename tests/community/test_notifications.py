"""The notifications centre: mark one or all read; the header badge counts
exactly the viewer's unread notifications."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone


def badge(html: str) -> str:
    match = re.search(r'<span class="badge" data-unread[^>]*>(.*?)</span>', html, re.S)
    # The visually-hidden prefix ends in "</span>", then the number.
    return re.search(r"data-unread[^>]*>.*?</span>(\d+)</span>", html, re.S).group(1) if match else ""


def hidden(html: str) -> bool:
    return bool(re.search(r"data-unread[^>]*hidden", html))


@pytest.fixture
def notes(alumnus, alumnus2):
    mine = [alumnus.notifications.create(kind="mention", text=f"Mention {i}") for i in range(3)]
    alumnus.notifications.create(kind="general", text="Old news", read_at=timezone.now())
    alumnus2.notifications.create(kind="general", text="Bob's own")
    return mine


def test_badge_counts_only_my_unread(client, alumnus, notes):
    client.force_login(alumnus)

    html = client.get(reverse("notifications")).content.decode()

    assert badge(html) == "3"
    assert not hidden(html)


def test_mark_one_read(client, alumnus, notes):
    client.force_login(alumnus)

    response = client.post(reverse("notification_mark_one_read", args=[notes[1].pk]))

    assert response.status_code == 302
    assert list(alumnus.notifications.filter(read_at__isnull=True).order_by("pk").values_list("text", flat=True)) == [
        "Mention 0",
        "Mention 2",
    ]
    assert badge(client.get(reverse("notifications")).content.decode()) == "2"


def test_mark_one_read_with_htmx_answers_204(client, alumnus, notes):
    client.force_login(alumnus)

    response = client.post(reverse("notification_mark_one_read", args=[notes[0].pk]), headers={"HX-Request": "true"})

    assert response.status_code == 204


def test_mark_someone_elses_notification_is_404_and_changes_nothing(client, alumnus, alumnus2, notes):
    client.force_login(alumnus2)

    response = client.post(reverse("notification_mark_one_read", args=[notes[0].pk]))

    assert response.status_code == 404
    notes[0].refresh_from_db()
    assert notes[0].read_at is None


def test_mark_all_read_hides_badge(client, alumnus, alumnus2, notes):
    client.force_login(alumnus)

    client.post(reverse("notifications_mark_read"))

    html = client.get(reverse("notifications")).content.decode()
    assert hidden(html)
    assert alumnus2.notifications.filter(read_at__isnull=True).count() == 1


def test_mark_read_with_bad_ids_is_400_and_changes_nothing(client, alumnus, notes):
    client.force_login(alumnus)

    response = client.post(reverse("notifications_mark_read"), {"id": ["1", "x"]})

    assert response.status_code == 400
    assert alumnus.notifications.filter(read_at__isnull=True).count() == 3


def test_list_shows_mark_read_button_only_for_unread(client, alumnus, notes):
    client.force_login(alumnus)

    html = client.get(reverse("notifications")).content.decode()

    assert html.count('class="mark-one"') == 3
