"""A member edits their own profile; cohort and graduation stay staff's."""

import pytest
from django.urls import reverse

from community.models import FocusArea, User


@pytest.fixture
def areas(db):
    return [FocusArea.objects.create(name=n, slug=n.lower()) for n in ("Anxiety", "Sleep", "Work")]


def form_data(**overrides):
    data = {"display_name": "Alice", "pronouns": "", "bio": "", "time_zone": "America/Chicago"}
    data.update(overrides)
    return data


def test_profile_page_shows_own_email_and_staff_set_fields_read_only(client, alumnus, cohort):
    client.force_login(alumnus)

    response = client.get(reverse("profile"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "alice@example.org" in html
    assert "Spring cohort" in html
    assert 'name="cohort"' not in html
    assert 'name="graduation_date"' not in html


def test_profile_save_updates_every_member_field(client, alumnus, areas):
    client.force_login(alumnus)

    response = client.post(
        reverse("profile"),
        form_data(
            display_name="Ally",
            pronouns="she/her",
            bio="Gardening helps.",
            time_zone="Europe/Berlin",
            focus_areas=[areas[0].pk, areas[2].pk],
            in_directory="on",
            email_notification_kinds=["mention", "reminder"],
        ),
    )

    assert response.status_code == 302
    alumnus.refresh_from_db()
    assert (alumnus.display_name, alumnus.pronouns, alumnus.bio, alumnus.time_zone, alumnus.in_directory) == (
        "Ally",
        "she/her",
        "Gardening helps.",
        "Europe/Berlin",
        True,
    )
    assert alumnus.email_notification_kinds == ["mention", "reminder"]
    assert list(alumnus.focus_areas.order_by("name").values_list("name", flat=True)) == ["Anxiety", "Work"]


def test_profile_ignores_attempts_to_set_cohort_role_or_email(client, alumnus, other_cohort):
    client.force_login(alumnus)

    client.post(
        reverse("profile"),
        form_data(cohort=other_cohort.pk, role="staff", email="x@example.org", graduation_date="2020-01-01"),
    )

    alumnus.refresh_from_db()
    assert (alumnus.cohort.slug, alumnus.role, alumnus.email) == ("spring", "alumnus", "alice@example.org")


def test_directory_is_opt_in_and_off_by_default(alumnus):
    assert alumnus.in_directory is False


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"display_name": "bob"}, "display_name", "That display name is taken. Try another one."),
        (
            {"display_name": "a@b.org"},
            "display_name",
            "A display name cannot contain '@'. A first name or a nickname works well.",
        ),
        (
            {"time_zone": "Mars/Olympus"},
            "time_zone",
            "Select a valid choice. Mars/Olympus is not one of the available choices.",
        ),
        ({"bio": "x" * 501}, "bio", "Ensure this value has at most 500 characters (it has 501)."),
        (
            {"email_notification_kinds": ["report"]},
            "email_notification_kinds",
            "Select a valid choice. report is not one of the available choices.",
        ),
    ],
)
def test_profile_bad_input_shows_error_and_changes_nothing(client, alumnus, alumnus2, changes, field, error):
    client.force_login(alumnus)
    before = User.objects.filter(pk=alumnus.pk).values().get()

    response = client.post(reverse("profile"), form_data(pronouns="they/them", **changes))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert User.objects.filter(pk=alumnus.pk).values().get() == before
    # The header still shows the saved name, not the rejected one.
    assert response.context["user"].display_name == "Alice"


def test_moderator_may_ask_for_report_emails(client, moderator):
    client.force_login(moderator)

    client.post(reverse("profile"), form_data(display_name=moderator.display_name, email_notification_kinds=["report"]))

    moderator.refresh_from_db()
    assert moderator.email_notification_kinds == ["report"]


def test_profile_keeping_own_name_in_other_case_is_allowed(client, alumnus):
    client.force_login(alumnus)

    client.post(reverse("profile"), form_data(display_name="ALICE"))

    alumnus.refresh_from_db()
    assert alumnus.display_name == "ALICE"


def test_profile_rejects_other_methods(client, alumnus):
    client.force_login(alumnus)

    assert client.put(reverse("profile")).status_code == 405
