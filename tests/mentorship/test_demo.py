"""The mentorship part of seed_demo: approved mentors and open requests."""

from datetime import date

from alumni.management.commands.seed_demo import Command
from mentorship import demo, permissions
from mentorship.models import MentorProfile, MentorRequest, Mentorship


def test_seed_adds_approved_mentors_and_open_requests(db):
    context = Command().seed_members()

    demo.seed(context)

    mentors = MentorProfile.objects.matchable().select_related("user")
    assert sorted(p.user.display_name for p in mentors) == ["Frankie", "Indigo", "Jordan"]
    assert all((date.today() - permissions.graduation_date(p.user)).days >= 180 for p in mentors)
    assert sorted(MentorRequest.objects.filter(status="open").values_list("mentee__display_name", flat=True)) == [
        "Devon",
        "Emery",
        "Harper",
    ]
    assert list(Mentorship.objects.values_list("mentor__display_name", "mentee__display_name", "status")) == [
        ("Jordan", "Devon", "proposed")
    ]
