"""Demo rooms and a believable conversation history for seed_demo."""

import uuid
from datetime import timedelta

from django.utils import timezone

from . import actions, markup
from .models import Membership, Message, Reaction, Room

WELCOME_GUIDELINES = (
    "Be kind. Share your own experience, not advice about medication.\n"
    "What's said here stays here. Use content notes for hard topics.\n"
    "If you are in crisis, call or text 988 — and tell a moderator."
)

TOPIC_ROOMS = [
    ("relapse-prevention", "Relapse prevention", "Cravings, triggers, plans that work — and how to get back up."),
    ("anxiety", "Anxiety", "Grounding tricks, bad days, good days."),
    ("family", "Family & relationships", "Partners, parents, kids, and setting boundaries."),
    ("evenings", "Evening & weekend check-in", "For the hours when the program used to fill the day."),
]

WELCOME_SCRIPT = [
    (
        "moderator",
        "Welcome to the alumni community, everyone! This room is for saying hi and checking in. Please read the pinned guidelines 💙",
    ),
    (
        "sam",
        "Hi all! Graduated in the spring. Nervous about being on my own without group three times a week, honestly.",
    ),
    (
        "jordan",
        "That was me too. What helped was keeping the same routine — I still get coffee at 9 like on program days.",
    ),
    ("alex", "**Same.** The first month after was the hardest for me. It gets easier, I promise."),
    ("casey", "Hello from the summer cohort! Anyone going to the family night next week?"),
    ("devon", "I'll be there. Bringing my sister this time."),
    ("sam", "@Jordan that's a good idea, I might try the coffee thing."),
    (
        "harper",
        "Grounding exercise that worked for me today: name 5 things you can see, 4 you can touch, 3 you can hear.",
    ),
    ("emery", "Thank you for that Harper. Needed it."),
    ("moderator", "Reminder: the weekly alumni group is on Tuesday evening — see Meetups for the link."),
    ("gabe", "First week back at school done. Didn't think I'd make it but here I am."),
    ("jordan", "Proud of you Gabe 💪"),
]

RELAPSE_SCRIPT = [
    ("jordan", "Rough evening. Drove past my old bar on the way home."),
    ("devon", "Glad you're posting instead of pulling in. What did you do after?"),
    ("jordan", "Called my sponsor, then came here. Feeling steadier."),
    ("indigo", "That's the plan working. Writing it down helped me — what I'll do *instead* when it hits."),
    ("devon", "Playing the tape forward is my go-to. Where does the night end if I go in?"),
]

ANXIETY_SCRIPT = [
    ("harper", "Does anyone else get the Sunday-night dread?"),
    ("sam", "Every week. I started planning something small for Monday morning to look forward to."),
    ("alex", "Box breathing helps me: in 4, hold 4, out 4, hold 4."),
]


def _post_history(room, script, people, start):
    messages = []
    for i, (who, body) in enumerate(script):
        author = people[who]
        messages.append(
            Message.objects.create(
                room=room,
                author=author,
                client_id=uuid.uuid4(),
                body=body,
                html=markup.render(body),
                created_at=start + timedelta(minutes=17 * i),
            )
        )
    Room.objects.filter(pk=room.pk).update(last_message_at=messages[-1].created_at)
    return messages


def seed(context: dict) -> None:
    staff, moderator = context["staff"], context["moderator"]
    people = {u.email.split("@")[0]: u for u in context["alumni"]}
    people["moderator"] = moderator
    people["staff"] = staff

    welcome = actions.create_room(
        creator=staff,
        name="Welcome",
        slug="welcome",
        kind=Room.Kind.TOPIC,
        is_default=True,
        description="Say hello and check in. Every member is here.",
        guidelines=WELCOME_GUIDELINES,
    )
    actions.create_room(
        creator=staff,
        name="Moderators",
        slug="moderators",
        kind=Room.Kind.STAFF,
        description="For moderators and staff only.",
    )
    topic = {}
    for slug, name, description in TOPIC_ROOMS:
        topic[slug] = actions.create_room(
            creator=moderator, name=name, slug=slug, description=description, guidelines=WELCOME_GUIDELINES
        )
    for cohort in context["cohorts"]:
        actions.create_room(
            creator=staff,
            name=cohort.name,
            slug=f"cohort-{cohort.slug}",
            kind=Room.Kind.COHORT,
            cohort=cohort,
            description=f"Only for the {cohort.name}.",
        )

    # Everyone joined the welcome room through create_room; most joined a topic room or two.
    for user in context["alumni"]:
        Membership.objects.filter(user=user, room=welcome).update(accepted_guidelines_at=timezone.now())
    for name in ["jordan", "devon", "indigo", "sam"]:
        actions.join_room(member=people[name], room=topic["relapse-prevention"])
    for name in ["harper", "sam", "alex", "emery"]:
        actions.join_room(member=people[name], room=topic["anxiety"])
    for name in ["casey", "devon"]:
        actions.join_room(member=people[name], room=topic["family"])
    Membership.objects.filter(room__in=topic.values()).update(accepted_guidelines_at=timezone.now())

    now = timezone.now()
    history = _post_history(welcome, WELCOME_SCRIPT, people, now - timedelta(hours=5))
    _post_history(topic["relapse-prevention"], RELAPSE_SCRIPT, people, now - timedelta(hours=3))
    _post_history(topic["anxiety"], ANXIETY_SCRIPT, people, now - timedelta(hours=2))
    Room.objects.filter(pk=welcome.pk).update(pinned_message=history[0])
    for who, index, emoji in [
        ("sam", 2, "heart"),
        ("casey", 2, "heart"),
        ("emery", 7, "pray"),
        ("gabe", 11, "smile"),
        ("sam", 10, "clap"),
        ("alex", 10, "strong"),
    ]:
        Reaction.objects.create(message=history[index], user=people[who], emoji=emoji)
    # Sam has read up to the middle, so the unread divider shows.
    Membership.objects.filter(room=welcome, user=people["sam"]).update(last_read_message_id=history[7].pk)
