"""Outside review finding 5: after a room ban or a cohort move, the private
calendar feed and "My meetups" still carried that audience's meetups,
including a meeting link added after the member lost access."""

from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from alumni import onboarding
from events import actions as event_actions
from groups import actions as chat

LINK = "https://meet.example.org/added-later-zz91"


def _meetup(staff, title, **audience):
    return event_actions.create_event(
        author=staff,
        title=title,
        description="",
        host=None,
        time_zone="America/Chicago",
        start_date=timezone.localdate() + timedelta(days=7),
        start_time=time(19, 0),
        duration=timedelta(minutes=60),
        format="in_person",
        address="Community library, room 2",
        meeting_url="",
        capacity=None,
        frequency="once",
        **audience,
    )


def _going(member, event) -> Client:
    client = Client()
    client.force_login(member)
    occurrence = event.occurrences.get()
    response = client.post(f"/meetups/{occurrence.pk}/rsvp/", {"status": "going"})
    assert response.status_code == 302
    return client


def _seen(client, member, title) -> dict:
    feed = event_actions.ensure_calendar_feed(member=member)
    ics = Client().get(f"/meetups/feed/{feed.token}.ics").content.decode()
    mine = client.get("/meetups/mine/").content.decode()
    home = client.get("/").content.decode()
    return {"feed": title in ics, "feed link": LINK in ics, "mine": title in mine, "home": title in home}


@pytest.mark.django_db
def test_a_room_ban_takes_the_rooms_meetups_out_of_feed_and_my_meetups(staff, moderator, alumnus, room):
    event = _meetup(staff, "Anxiety room walk zz17", audience="room", audience_room=room)
    client = _going(alumnus, event)
    assert _seen(client, alumnus, "Anxiety room walk zz17")["feed"]

    chat.ban_member(moderator=moderator, member=alumnus, room=room, reason="Spam")
    event_actions.update_event(editor=staff, event=event, format="hybrid", meeting_url=LINK)

    assert _seen(client, alumnus, "Anxiety room walk zz17") == {
        "feed": False,
        "feed link": False,
        "mine": False,
        "home": False,
    }


@pytest.mark.django_db
def test_a_cohort_move_takes_the_old_cohorts_meetups_out_of_feed_and_my_meetups(staff, alumnus, cohort, other_cohort):
    event = _meetup(staff, "Spring cohort dinner zz18", audience="cohort", audience_cohort=cohort)
    client = _going(alumnus, event)
    assert _seen(client, alumnus, "Spring cohort dinner zz18")["mine"]

    onboarding.set_member_cohort(staff=staff, member=alumnus, cohort=other_cohort)
    event_actions.update_event(editor=staff, event=event, format="hybrid", meeting_url=LINK)

    assert _seen(client, alumnus, "Spring cohort dinner zz18") == {
        "feed": False,
        "feed link": False,
        "mine": False,
        "home": False,
    }


@pytest.mark.django_db
def test_meetups_still_open_to_the_member_stay_in_feed_and_my_meetups(staff, alumnus, cohort):
    event = _meetup(staff, "Spring cohort dinner zz19", audience="cohort", audience_cohort=cohort)
    client = _going(alumnus, event)
    event_actions.update_event(editor=staff, event=event, format="hybrid", meeting_url=LINK)

    assert _seen(client, alumnus, "Spring cohort dinner zz19") == {
        "feed": True,
        "feed link": True,
        "mine": True,
        "home": True,
    }
