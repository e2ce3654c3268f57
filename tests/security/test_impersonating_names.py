"""Outside review finding 13 (names): a member could call themselves
"Riley (mоderator)" with a Cyrillic о, or "RiIey" beside the real Riley.
Display names are compared by their UTS #39 skeleton with every other
member's and may not carry role words, on sign-up and on rename."""

import pytest
from django.test import Client

from community import actions
from community.models import User
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

LOOK_ALIKE = "That display name looks too much like another member's. Try another one."


@pytest.fixture
def riley(db):
    return make_member("riley@example.org", "Riley", role="moderator")


def _rename(member, name):
    client = Client()
    client.force_login(member)
    data = {"display_name": name, "pronouns": "", "bio": "", "time_zone": "America/Chicago"}
    return client.post("/profile/", data)


@pytest.mark.parametrize(
    "name",
    [
        "RiIey",  # capital I for l
        "Rіley",  # Cyrillic і
        "Ｒｉｌｅｙ",  # full width
        "Rïley",  # a combining mark
        "R i l e y",
        "RILEY.",
        "Ri1ey",
    ],
)
def test_a_name_that_looks_like_another_members_is_refused(riley, alumnus, name):
    response = _rename(alumnus, name)

    assert response.status_code == 200
    assert response.context["form"].errors["display_name"] == [LOOK_ALIKE]
    assert User.objects.get(pk=alumnus.pk).display_name == "Alice"


@pytest.mark.parametrize(
    "name",
    [
        "Riley (mоderator)",  # Cyrillic о
        "Alice the Moderator",
        "Alice (mod)",
        "Alice (m0d)",
        "AliceStaff",
        "Alice | staff",
        "admin Alice",
        "Official Alice",
        "Alice — ѕupport team",
    ],
)
def test_a_name_with_a_role_word_is_refused(riley, alumnus, name):
    response = _rename(alumnus, name)

    assert response.status_code == 200
    assert "role words" in response.context["form"].errors["display_name"][0]
    assert User.objects.get(pk=alumnus.pk).display_name == "Alice"


def test_invisible_characters_are_refused(alumnus):
    response = _rename(alumnus, "Ali\u200bce B")

    assert "invisible" in response.context["form"].errors["display_name"][0]


@pytest.mark.parametrize("name", ["Alicia", "Badminton Bea", "Stafford", "Modesto", "Riles", "Alice B."])
def test_ordinary_names_are_fine(riley, alumnus, name):
    response = _rename(alumnus, name)

    assert response.status_code == 302
    assert User.objects.get(pk=alumnus.pk).display_name == name


def test_an_unchanged_name_is_kept_even_if_it_predates_the_rule(moderator):
    # "Mo the moderator" was given before role words were refused.
    response = _rename(moderator, "Mo the moderator")

    assert response.status_code == 302


def test_sign_up_refuses_a_look_alike_of_a_hidden_member(riley, staff, cohort):
    User.objects.filter(pk=riley.pk).update(in_directory=False)
    invitation = actions.invite_member(staff=staff, email="new@example.org", cohort=cohort)
    client = Client()
    client.get(f"/invite/{invitation.token}/")
    password = "a-long-new-password-42"

    response = client.post("/accounts/signup/", {"display_name": "Rіley", "password1": password, "password2": password})

    assert response.status_code == 200
    assert response.context["form"].errors["display_name"] == [LOOK_ALIKE]
    assert "Riley" not in response.content.decode()  # the other name is never shown
    assert not User.objects.filter(email="new@example.org").exists()


def test_names_without_letters_do_not_collide_with_each_other():
    from community.names import skeletons

    assert not skeletons("🌻") & skeletons("🌈")
    assert skeletons("🌻") & skeletons("🌻")
