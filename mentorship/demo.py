"""Demo mentors and mentor requests for `manage.py seed_demo`.

Three alumni of the spring cohort (graduated about seven months ago) are
approved mentors; three newer graduates have open requests, and Devon has
already asked Jordan, so Jordan's hub shows an ask waiting for an answer.
Everything goes through the same actions the pages use.
"""

from . import actions

EVENINGS = ["tue-evening", "thu-evening"]

MENTORS = [
    # local part, focus areas, languages, availability, meeting, capacity, pathway, bio
    (
        "jordan",
        ["Relapse prevention", "Alcohol", "Work & school"],
        ["en"],
        ["mon-evening", "tue-evening", "thu-evening", "sat-morning"],
        ["chat", "video", "in_person"],
        3,
        "12-step",
        "Cycling, coffee and one day at a time. I went back to work mid-program and happy to talk about how that went.",
    ),
    (
        "frankie",
        ["Grief", "Depression", "Anxiety"],
        ["en", "es"],
        ["wed-afternoon", "thu-evening", "sun-afternoon"],
        ["video", "chat"],
        2,
        "therapy",
        "Lost my dad the year before the program. Slow walks and honest talks.",
    ),
    (
        "indigo",
        ["Opioids", "Relapse prevention", "Sleep"],
        ["en"],
        ["tue-morning", "fri-morning", "sat-morning"],
        ["in_person", "video"],
        2,
        "medication",
        "Medication-supported recovery and proud of it. Early riser.",
    ),
]

REQUESTS = [
    # local part, focus areas, goals, languages, availability, meeting
    (
        "devon",
        ["Relapse prevention", "Alcohol"],
        "Someone who has been through the first year and can help me plan for weekends.",
        ["en"],
        [*EVENINGS, "sat-morning"],
        ["chat", "video"],
    ),
    (
        "emery",
        ["Anxiety", "Work & school"],
        "Getting back to my studio job without the panic spiralling.",
        ["en"],
        ["wed-afternoon", "thu-evening"],
        ["video"],
    ),
    (
        "harper",
        ["Sleep", "Anxiety"],
        "Building a routine that sticks, and someone to check in with.",
        ["en"],
        ["tue-morning", "fri-morning"],
        ["in_person", "video"],
    ),
]


def seed(context: dict) -> None:
    people = {u.email.split("@")[0]: u for u in context["alumni"]}
    areas = context["focus_areas"]
    staff = context["staff"]
    for local, focus, languages, slots, meeting, capacity, pathway, bio in MENTORS:
        member = people[local]
        profile = actions.apply_as_mentor(
            member=member,
            focus_areas=[areas[a] for a in focus],
            languages=languages,
            availability=slots,
            time_zone=member.time_zone,
            meeting_preferences=meeting,
            capacity=capacity,
            bio=bio,
            agreed_to_guidelines=True,
            recovery_pathway=pathway,
        )
        actions.approve_mentor(staff=staff, profile=profile, note="Welcome to the mentor team!")
    requests = {}
    for local, focus, goals, languages, slots, meeting in REQUESTS:
        member = people[local]
        requests[local] = actions.request_mentor(
            mentee=member,
            focus_areas=[areas[a] for a in focus],
            goals=goals,
            languages=languages,
            availability=slots,
            time_zone=member.time_zone,
            meeting_preferences=meeting,
        )
    actions.choose_mentor(mentee=people["devon"], request=requests["devon"], mentor=people["jordan"])
