"""The families' side of seed_demo: Kim, Sam's sister, a family member linked
to Sam (who shares their milestones with her); the Families & friends room
with a short conversation; a family-only education evening; three family
resources; and Jordan's request for his brother, waiting for staff."""

import uuid
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from community.models import User
from events import actions as event_actions
from events.models import Event
from groups import actions as chat
from groups import markup
from groups.models import Membership, Message, Room

from .models import FamilyLink, FamilyRequest, FamilyResource

GUIDELINES = (
    "This room is for the families and friends of people in recovery.\n\n"
    "- Speak from your own experience; don't share your person's story for them.\n"
    "- No advice about medication or treatment; ask the program's staff.\n"
    "- If someone may be in danger, call 988 (or your local emergency number) first."
)

RESOURCES = [
    (
        "What recovery after the program looks like",
        "Leaving an intensive outpatient program is a step down, not an ending. Most people keep "
        "weekly support — groups, check-ins, a mentor — for a year or more.\n\n"
        "Ups and downs are expected. A hard week is not a failure, and a slip is a signal to reach "
        "for support sooner, not a reason to give up.",
    ),
    (
        "Supporting without taking over",
        "Ask how you can help rather than guessing. Praise effort, not only results. Keep your own "
        "routines and boundaries: you cannot carry someone's recovery for them, and you do not have "
        "to.\n\nIf you are worried, say so plainly and kindly, and say what you have noticed.",
    ),
    (
        "Help for you, too",
        "Families need support of their own. Al-Anon, Nar-Anon and SMART Recovery Family & Friends "
        "hold free meetings, many online. Our Families & friends room and the family evenings are "
        "here for you as well.",
    ),
]

CONVERSATION = [
    ("kim", "Hi all. My sibling finished the program in the spring. Some weeks I never know what to say."),
    ("moderator", "Welcome, Kim. Many people here have felt that. Asking is often enough: “how was your week?”"),
    ("kim", "That helps. I think I've been trying to fix things instead of just listening."),
]


def seed(context: dict) -> None:
    staff, riley = context["staff"], context["moderator"]
    sam, jordan = context["sam"], context["jordan"]
    kim = User.objects.create_user(
        email="kim@example.org",
        password=context["password"],
        display_name="Kim",
        role=User.Role.FAMILY,
        pronouns="she/her",
    )
    EmailAddress.objects.create(user=kim, email=kim.email, verified=True, primary=True)
    joined = date.today() - timedelta(days=90)
    User.objects.filter(pk=kim.pk).update(date_joined=timezone.make_aware(datetime.combine(joined, time.min)))

    room = chat.create_room(
        creator=staff,
        name="Families & friends",
        slug="families-and-friends",
        kind=Room.Kind.FAMILY,
        is_default=True,
        description="For the families and friends of alumni: questions, worries, good news.",
        guidelines=GUIDELINES,
    )
    # Kim joined it with create_room: a default family room gains every family member.
    chat.set_room_moderator(staff=staff, room=room, member=riley, is_moderator=True)
    Membership.objects.filter(room=room, user=kim).update(accepted_guidelines_at=timezone.now())
    start = timezone.now() - timedelta(days=2)
    people = {"kim": kim, "moderator": riley}
    last = None
    for i, (who, body) in enumerate(CONVERSATION):
        last = Message.objects.create(
            room=room,
            author=people[who],
            client_id=uuid.uuid4(),
            body=body,
            html=markup.render(body),
            seq=i + 1,
            created_at=start + timedelta(minutes=11 * i),
        )
    Room.objects.filter(pk=room.pk).update(last_message_at=last.created_at, last_seq=len(CONVERSATION))

    FamilyLink.objects.create(alumnus=sam, family_member=kim, relationship="sister", shares_milestones=True)
    FamilyRequest.objects.create(
        alumnus=jordan, email="jordans.brother@example.org", relationship="brother", note="He'd like the family nights."
    )
    for position, (title, body) in enumerate(RESOURCES):
        FamilyResource.objects.create(title=title, body=body, position=position)

    today = timezone.localdate()
    event_actions.create_event(
        author=staff,
        title="Family education evening",
        description="For families and friends only: how recovery works after the program, and time for questions.",
        host=staff,
        time_zone="America/Chicago",
        start_date=today + timedelta(days=(2 - today.weekday()) % 7 + 7),
        start_time=time(18, 30),
        duration=timedelta(minutes=90),
        format=Event.Format.VIRTUAL,
        meeting_url="https://meet.example.org/family-education-5tq1",
        audience=Event.Audience.FAMILIES,
        frequency=Event.Frequency.MONTHLY,
        monthly_nth=3,
        monthly_weekday=2,
        count=6,
    )
