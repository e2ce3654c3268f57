"""Fill an empty database with a living demo community (DESIGN.md "Demo data").

All demo accounts use the password demo-pass-2026. Each app adds its part
through a `demo.seed(context)` function: groups (rooms and conversation),
events (a month of meetups) and mentorship (mentors and requests).
"""

from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from alumni import family_demo
from community.models import Cohort, FocusArea, User
from events import demo as events_demo
from groups import demo as groups_demo
from mentorship import demo as mentorship_demo
from recovery import demo as recovery_demo

PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo password

FOCUS_AREAS = [
    "Anxiety",
    "Depression",
    "Relapse prevention",
    "Alcohol",
    "Opioids",
    "Family & relationships",
    "Work & school",
    "Grief",
    "Trauma",
    "Sleep",
    "Parenting",
    "LGBTQ+",
]

# (email local part, display name, pronouns, cohort index, focus areas, bio)
ALUMNI = [
    (
        "sam",
        "Sam",
        "they/them",
        0,
        ["Anxiety", "Work & school"],
        "Graduated in the spring. Coffee, long walks, and learning to ask for help.",
    ),
    (
        "jordan",
        "Jordan",
        "he/him",
        0,
        ["Relapse prevention", "Alcohol"],
        "One day at a time. Into cycling and bad puns.",
    ),
    ("alex", "Alex R.", "she/her", 1, ["Depression", "Sleep"], "Night owl trying to become a morning person."),
    (
        "casey",
        "Casey",
        "",
        1,
        ["Family & relationships", "Parenting"],
        "Parent of two, gardener, recovering perfectionist.",
    ),
    (
        "devon",
        "Devon",
        "he/him",
        2,
        ["Opioids", "Relapse prevention"],
        "Two years and counting. Happy to talk anytime.",
    ),
    ("emery", "Emery", "they/them", 2, ["Trauma", "LGBTQ+"], "Artist. Finding my people here."),
    ("frankie", "Frankie", "she/her", 0, ["Grief", "Depression"], ""),
    ("gabe", "Gabe", "he/him", 1, ["Alcohol", "Work & school"], "Back at school this fall."),
    ("harper", "Harper", "she/her", 2, ["Anxiety", "Sleep"], "Yoga, journaling, and too much tea."),
    ("indigo", "Indigo", "", 0, ["Relapse prevention", "Opioids"], ""),
]


class Command(BaseCommand):
    help = "Create demo cohorts, members, rooms, meetups and mentors (an empty database only)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if members already exist.")

    def handle(self, *args, if_empty=False, **options):
        if User.objects.exists():
            if if_empty:
                self.stdout.write("Members exist already; demo data not added.")
                return
            raise CommandError("The database already has members; seed_demo only fills an empty one.")
        with transaction.atomic():
            context = self.seed_members()
            # The order matters: meetups and mentorships use rooms.
            for seed in (
                groups_demo.seed,
                events_demo.seed,
                mentorship_demo.seed,
                recovery_demo.seed,
                family_demo.seed,
            ):
                seed(context)
        self.stdout.write(self.style.SUCCESS("Demo community created. Sign in with any of:"))
        for email, role in [
            ("sam@example.org", "alumnus"),
            ("jordan@example.org", "alumnus"),
            ("riley@example.org", "site moderator"),
            ("morgan@example.org", "staff"),
            ("kim@example.org", "family member"),
        ]:
            self.stdout.write(f"  {email:<22} ({role})  password: {PASSWORD}")

    def seed_members(self) -> dict:
        today = date.today()
        areas = {
            name: FocusArea.objects.create(
                name=name, slug=name.lower().replace(" & ", "-").replace(" ", "-").replace("+", "plus")
            )
            for name in FOCUS_AREAS
        }
        cohorts = [
            Cohort.objects.create(
                name="Spring cohort",
                slug="spring",
                program_track="Mental health IOP",
                graduation_date=today - timedelta(days=210),
            ),
            Cohort.objects.create(
                name="Summer cohort",
                slug="summer",
                program_track="Substance use IOP",
                graduation_date=today - timedelta(days=120),
            ),
            Cohort.objects.create(
                name="Fall cohort",
                slug="fall",
                program_track="Substance use IOP",
                graduation_date=today - timedelta(days=30),
            ),
        ]

        def make(local, display_name, role=User.Role.ALUMNUS, cohort=None, **extra):
            user = User.objects.create_user(
                email=f"{local}@example.org",
                password=PASSWORD,
                display_name=display_name,
                role=role,
                cohort=cohort,
                graduation_date=cohort.graduation_date if cohort else None,
                is_staff=role == User.Role.STAFF,
                **extra,
            )
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            # Demo members joined around their graduation, not today: today's
            # joiners count as new members (links held for review).
            joined = cohort.graduation_date if cohort else today - timedelta(days=400)
            User.objects.filter(pk=user.pk).update(
                date_joined=timezone.make_aware(datetime.combine(joined, datetime.min.time()))
            )
            return user

        alumni = []
        for local, name, pronouns, cohort_index, focus, bio in ALUMNI:
            user = make(
                local,
                name,
                cohort=cohorts[cohort_index],
                pronouns=pronouns,
                bio=bio,
                in_directory=local not in {"indigo", "frankie"},
            )
            user.focus_areas.set([areas[a] for a in focus])
            alumni.append(user)
        riley = make(
            "riley",
            "Riley",
            role=User.Role.MODERATOR,
            pronouns="she/her",
            bio="Peer support specialist and alumni moderator.",
            in_directory=True,
        )
        morgan = make(
            "morgan",
            "Morgan",
            role=User.Role.STAFF,
            pronouns="he/him",
            bio="Alumni program coordinator.",
            in_directory=True,
        )
        return {
            "alumni": alumni,
            "sam": alumni[0],
            "jordan": alumni[1],
            "moderator": riley,
            "staff": morgan,
            "cohorts": cohorts,
            "focus_areas": areas,
            "password": PASSWORD,
        }
