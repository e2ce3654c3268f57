"""Recovery data for seed_demo (DESIGN.md "Demo data"): sam's safety plan
with its relapse-prevention section, a few months of weekly check-ins for
sam and two other alumni (with a gap or two, as real weeks have), sam's
reminder, and a recovery date with milestones and one earlier beginning."""

import random
from datetime import time, timedelta

from django.utils import timezone

from . import actions

# Sam's weeks, oldest first: (phq2, gad2, craving, sleep, stress, attended, what helped);
# None is a week without a check-in.
SAM_WEEKS = [
    (4, 4, 7, 2, 5, ["meeting", "therapy"], "people"),
    (4, 3, 6, 2, 4, ["meeting", "therapy"], "meeting"),
    (3, 3, 6, 3, 4, ["meeting"], "people"),
    None,
    (3, 2, 5, 3, 4, ["meeting", "therapy", "meetup"], "meeting"),
    (2, 2, 4, 3, 3, ["therapy", "meetup"], "routine"),
    (2, 3, 5, 3, 4, ["meeting", "therapy"], "people"),
    (2, 2, 3, 4, 3, ["meeting", "meetup"], "movement"),
    None,
    None,
    (3, 2, 4, 3, 3, ["therapy"], "people"),
    (2, 1, 3, 4, 3, ["meeting", "therapy", "meetup"], "meeting"),
    (1, 1, 2, 4, 2, ["meeting", "meetup"], "routine"),
    (1, 2, 2, 4, 2, ["therapy"], "movement"),
    (1, 1, 1, 5, 2, ["meeting", "meetup"], "people"),
    (0, 1, 1, 4, 2, ["meeting", "therapy"], "routine"),
]


def _post(phq2, gad2, craving, sleep, stress, attended, helped, note="") -> dict:
    return {
        "phq2_interest": str(phq2 // 2),
        "phq2_down": str(phq2 - phq2 // 2),
        "gad2_nervous": str(gad2 - gad2 // 2),
        "gad2_worry": str(gad2 // 2),
        "craving": str(craving),
        "sleep": str(sleep),
        "stress": str(stress),
        "days_used": "0",
        "attended": attended,
        "protective": helped,
        "safety": "safe",
        "note": note,
    }


def seed(context: dict) -> None:
    sam = context["sam"]
    actions.save_safety_plan(
        member=sam,
        data={
            "warning_signs": "Skipping meals and staying in bed past noon\nTelling myself I'm a burden\nCancelling on friends",
            "coping_strategies": "Walk around the block with headphones on\nCold water on my face, then slow breathing (4 in, 6 out)\nWrite three lines in my journal\nMake a cup of tea and sit by the window",
            "distractions": "The coffee shop on 5th street\nThe library reading room\nCall Jordan and talk about anything but this",
            "help_contacts": [
                {"name": "Jordan (from my cohort)", "phone": "555-010-2233"},
                {"name": "My sister Kim", "phone": "(555) 010-4477"},
            ],
            "professional_contacts": [
                {"name": "Dr. Patel, my therapist", "phone": "555-010-9000"},
                {"name": "The program's after-hours line", "phone": "555-010-1000"},
                {"name": "988 Suicide & Crisis Lifeline", "phone": "988"},
            ],
            "making_safe": "Kim keeps my extra medication at her place\nNo alcohol in the apartment",
            "reasons_for_living": "My niece, who thinks I hang the moon\nFinishing my degree\nThe mornings when I feel like myself again",
        },
    )
    actions.save_relapse_plan(
        member=sam,
        data={
            "rp_triggers": "Payday Fridays\nThe bar on my way home from work\nArguments with my dad\nBeing tired and alone on Sunday nights",
            "rp_warning_signs": "Skipping my Tuesday meeting\nThinking 'one won't hurt'\nNot answering Jordan's texts",
            "rp_situations": [
                {
                    "situation": "Work happy hour",
                    "plan": "Go for the first 30 minutes with a soda, then leave; text Jordan on the way",
                },
                {"situation": "Sunday night alone", "plan": "Evening room in the app, then a call to Kim"},
                {"situation": "Family dinner at Dad's", "plan": "Drive myself so I can leave, bring sparkling water"},
            ],
            "rp_coping_skills": "Urge surfing: the craving peaks and passes in 20 minutes\nHALT: am I hungry, angry, lonely or tired?\nPlay the tape forward",
            "rp_people": [
                {"name": "Jordan (from my cohort)", "phone": "555-010-2233"},
                {"name": "My sponsor, Luis", "phone": "555-010-3141"},
            ],
        },
    )
    now = timezone.now()
    for weeks_ago, week in enumerate(reversed(SAM_WEEKS)):
        if week is not None:
            note = "Good meeting on Tuesday." if weeks_ago == 2 else ""
            actions.save_checkin(member=sam, data=_post(*week, note=note), now=now - timedelta(weeks=weeks_ago))
    actions.set_checkin_schedule(member=sam, weekday=6, at=time(18, 0), enabled=True)

    # Two more alumni with a couple of months each, so a newcomer sees more than one member's trend.
    rng = random.Random(17)
    for member in context["alumni"][1:3]:
        for weeks_ago in range(10, -1, -1):
            if rng.random() < 0.2:
                continue
            mood = rng.randint(0, 3)
            actions.save_checkin(
                member=member,
                data=_post(
                    mood,
                    rng.randint(0, 3),
                    rng.randint(0, 5),
                    rng.randint(3, 5),
                    rng.randint(1, 4),
                    ["meeting"],
                    "people",
                ),
                now=now - timedelta(weeks=weeks_ago),
            )

    # A recovery date with milestones reached, and one earlier beginning in its private history.
    today = timezone.localdate()
    first = actions.add_recovery_date(member=sam, label="Alcohol-free", start_date=today - timedelta(days=260), now=now)
    actions.begin_again(member=sam, recovery_date=first, start_date=today - timedelta(days=95), now=now)
    actions.add_recovery_date(member=sam, label="Gambling-free", start_date=today - timedelta(days=29), now=now)
