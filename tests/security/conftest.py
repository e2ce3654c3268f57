"""A small world with one of every object a URL can point at, for the
security suites: every door is tried with real ids, and with ids of things
the visitor must not see (a cohort room of another cohort, someone else's
notification, mentorship and report).

On top of the cast in tests/conftest.py: `muted` (a member of `room`, muted
there for a day), `roommod` (Rory, a spring alumnus who moderates the spring
cohort room and nothing else — not a site moderator), `cohort_room` (the
spring cohort's room: Alice, Bob, the muted member and Rory; the outsider is
in the fall cohort), a message by Bob, a
report by Alice, a held message, a crisis alert, a warning, watched words,
an invitation, a meetup for the spring cohort, a calendar feed, a mentorship
(Bob mentors Alice) and a staff draft.
"""

import uuid
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_member


@dataclass
class World:
    alumnus: object
    alumnus2: object
    moderator: object
    staff: object
    outsider: object
    banned: object
    muted: object
    roommod: object
    room: object
    cohort_room: object
    message: object
    held: object
    report: object
    alert: object
    sanction: object
    word: object
    phrase: object
    notification: object
    invitation: object
    cohort: object
    area: object
    event: object
    occurrence: object
    feed: object
    mentor_profile: object
    mentorship: object
    draft: object
    session: object
    checkin: object = None
    recovery_date: object = None
    milestone: object = None
    family: object = None
    family_room: object = None
    family_link: object = None
    family_request: object = None
    family_resource: object = None
    direct_request: object = None


@pytest.fixture
def muted(db, cohort):
    return make_member("erin@example.org", "Erin", cohort=cohort)


@pytest.fixture
def world(db, alumnus, alumnus2, moderator, staff, outsider, banned, muted, room, cohort):
    from community import schedule

    schedule.beat()  # a running scheduler, so /healthz answers ok
    from community import actions as community_actions
    from community.models import FocusArea, Notification
    from events import actions as event_actions
    from groups import actions as chat
    from groups.models import Membership, Message, Room
    from mentorship import actions as mentoring
    from mentorship.models import Mentorship

    chat.join_room(member=muted, room=room)
    Membership.objects.filter(room=room, user=muted).update(muted_until=timezone.now() + timedelta(days=1))
    cohort_room = chat.create_room(
        creator=staff, name="Spring cohort", slug="spring-room", kind=Room.Kind.COHORT, cohort=cohort
    )
    roommod = make_member("rory@example.org", "Rory", cohort=cohort)
    for member in (alumnus, alumnus2, muted, roommod):
        chat.add_member_to_room(room=cohort_room, member=member)
    chat.set_room_moderator(staff=staff, room=cohort_room, member=roommod, is_moderator=True)
    message = chat.post_message(author=alumnus2, room=cohort_room, body="Bob's words", client_id=str(uuid.uuid4()))
    message = message.message
    held = Message.objects.create(
        room=cohort_room, author=alumnus2, body="held words", html="<p>held words</p>", status=Message.Status.HELD
    )
    report = chat.report_message(reporter=alumnus, room=cohort_room, message_id=message.pk, reason="spam")
    alert = chat.request_moderator(member=alumnus2, room=cohort_room)
    sanction = chat.warn_member(moderator=moderator, member=alumnus2, room=None, reason="Be kind")
    word = chat.add_watched_word(staff=staff, word="zzwatched", action="hold")
    phrase = chat.add_crisis_phrase(staff=staff, phrase="zzcrisis phrase", level="concern")
    notification = community_actions.notify(recipient=alumnus, kind=Notification.Kind.GENERAL, text="For Alice only")
    invitation = community_actions.invite_member(staff=staff, email="new@example.org", cohort=cohort)
    area = FocusArea.objects.create(name="Anxiety", slug="anxiety-area")
    event = event_actions.create_event(
        author=staff,
        title="Spring check-in",
        description="For the spring cohort",
        host=None,
        time_zone="America/Chicago",
        start_date=timezone.localdate() + timedelta(days=7),
        start_time=time(19, 0),
        duration=timedelta(minutes=60),
        format="virtual",
        address="",
        meeting_url="https://meet.example.org/spring",
        capacity=None,
        audience="cohort",
        audience_cohort=cohort,
        frequency="once",
    )
    feed = event_actions.ensure_calendar_feed(member=alumnus)

    from community.models import User

    User.objects.filter(pk=alumnus2.pk).update(graduation_date=timezone.localdate() - timedelta(days=365))
    alumnus2.refresh_from_db()
    profile = mentoring.apply_as_mentor(
        member=alumnus2,
        focus_areas=[area],
        languages=["en"],
        availability=["tue-evening"],
        time_zone="America/Chicago",
        meeting_preferences=["chat"],
        capacity=2,
        bio="Happy to listen.",
        agreed_to_guidelines=True,
    )
    profile = mentoring.approve_mentor(staff=staff, profile=profile, note="")
    request = mentoring.request_mentor(
        mentee=alumnus,
        focus_areas=[area],
        goals="Back to work.",
        languages=["en"],
        availability=["tue-evening"],
        time_zone="America/Chicago",
        meeting_preferences=["chat"],
    )
    mentorship = mentoring.choose_mentor(mentee=alumnus, request=request, mentor=alumnus2)
    draft = Mentorship.objects.create(
        mentor=alumnus2,
        mentee=muted,
        request=mentoring.request_mentor(
            mentee=muted,
            focus_areas=[area],
            goals="Sleep.",
            languages=["en"],
            availability=["tue-evening"],
            time_zone="America/Chicago",
            meeting_preferences=["chat"],
        ),
        status=Mentorship.Status.DRAFT,
        source=Mentorship.Source.STAFF,
    )
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.create(user=alumnus, ip="192.0.2.1", session_key="a" * 32, user_agent="Firefox")
    from recovery import actions as recovery_actions

    checkin = recovery_actions.save_checkin(
        member=alumnus,
        data={
            "phq2_interest": "0",
            "phq2_down": "1",
            "gad2_nervous": "0",
            "gad2_worry": "1",
            "craving": "2",
            "sleep": "4",
            "stress": "2",
            "safety": "safe",
        },
    ).checkin
    recovery_date = recovery_actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=timezone.localdate() - timedelta(days=40)
    )
    # The families' side: Fran, Alice's sister, linked to her (Alice shares her
    # milestones), in the Families & friends room; Alice's pending request for
    # her father; one family resource.
    from alumni.models import FamilyLink, FamilyRequest, FamilyResource

    family = make_member("fran@example.org", "Fran")
    User.objects.filter(pk=family.pk).update(role=User.Role.FAMILY)
    family.refresh_from_db()
    family_room = chat.create_room(creator=staff, name="Families & friends", slug="families", kind=Room.Kind.FAMILY)
    chat.join_room(member=family, room=family_room)
    family_link = FamilyLink.objects.create(
        alumnus=alumnus, family_member=family, relationship="sister", shares_milestones=True
    )
    family_request = FamilyRequest.objects.create(alumnus=alumnus, email="dad@example.org", relationship="father")
    family_resource = FamilyResource.objects.create(title="Supporting without enabling", body="Words.")
    # Bob asks Alice for a conversation (a direct message request).
    from groups.models import DirectRequest

    direct_request = DirectRequest.objects.create(sender=alumnus2, recipient=alumnus, body="Bob's request")
    return World(
        direct_request=direct_request,
        family=family,
        family_room=family_room,
        family_link=family_link,
        family_request=family_request,
        family_resource=family_resource,
        alumnus=alumnus,
        alumnus2=alumnus2,
        moderator=moderator,
        staff=staff,
        outsider=outsider,
        banned=banned,
        muted=muted,
        roommod=roommod,
        room=room,
        cohort_room=cohort_room,
        message=message,
        held=held,
        report=report,
        alert=alert,
        sanction=sanction,
        word=word,
        phrase=phrase,
        notification=notification,
        invitation=invitation,
        cohort=cohort,
        area=area,
        event=event,
        occurrence=event.occurrences.first(),
        feed=feed,
        mentor_profile=profile,
        mentorship=mentorship,
        session=session,
        checkin=checkin,
        recovery_date=recovery_date,
        milestone=recovery_date.milestones.first(),
        draft=draft,
    )
