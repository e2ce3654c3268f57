"""The plan page and the form: the owner sees and edits their own plan."""

import pytest
from django.urls import reverse
from django.utils import timezone

from recovery import actions
from recovery.models import SafetyPlan

from .conftest import ALICE_COPING, ALICE_PERSON, ALICE_REASON, form_data, plan_data

PHONE_CHARS_ERROR = "Use digits, with spaces, dashes, dots, brackets or a + if you like (for example 555-123-4567)."
PAGES = ["recovery:plan", "recovery:plan_edit", "recovery:plan_card"]


def test_plan_page_shows_the_owners_plan_with_reasons_first(client, alumnus, alice_plan):
    client.force_login(alumnus)

    response = client.get(reverse("recovery:plan"))

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["plan"] == alice_plan
    assert body.index(ALICE_REASON) < body.index("Warning signs") < body.index(ALICE_PERSON)
    assert "I sleep all day" in body
    assert "Only you can see this plan" in body


def test_plan_page_without_a_plan_explains_and_invites(client, alumnus):
    client.force_login(alumnus)

    response = client.get(reverse("recovery:plan"))

    body = response.content.decode()
    assert response.context["plan"] is None
    assert "A plan for the hard moments" in body
    assert f'href="{reverse("recovery:plan_edit")}">Make my safety plan' in body


def test_an_emptied_plan_shows_the_invitation_again(client, alumnus):
    SafetyPlan.objects.create(member=alumnus)
    client.force_login(alumnus)

    response = client.get(reverse("recovery:plan"))

    assert response.context["plan"] is None


def test_phone_numbers_are_tel_links_with_digits_only(client, alumnus, alice_plan):
    client.force_login(alumnus)

    body = client.get(reverse("recovery:plan")).content.decode()

    assert 'href="tel:15550102233"' in body
    assert 'href="tel:5550109000"' in body
    assert ">+1 (555) 010-2233</a>" in body


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_never_cached(client, alumnus, alice_plan, name):
    client.force_login(alumnus)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("name", [*PAGES, "recovery:plan_delete"])
def test_anonymous_visitor_is_sent_to_sign_in(client, alice_plan, name):
    url = reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("name", PAGES)
def test_suspended_member_is_signed_out_and_refused(client, alumnus, alice_plan, name):
    client.force_login(alumnus)
    alumnus.suspended_at = timezone.now()
    alumnus.save(update_fields=["suspended_at"])

    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert ALICE_REASON not in response.content.decode()


@pytest.mark.parametrize("name", ["recovery:plan", "recovery:plan_card"])
def test_read_pages_reject_post(client, alumnus, alice_plan, name):
    client.force_login(alumnus)

    response = client.post(reverse(name), form_data(reasons_for_living="changed"))

    assert response.status_code == 405
    assert SafetyPlan.objects.get().reasons_for_living == alice_plan.reasons_for_living


def test_plan_page_queries(client, alumnus, alice_plan, django_assert_num_queries):
    client.force_login(alumnus)
    # 1 session, 2 the member, 3 unread notifications (the header's badge),
    # 4 the plan.
    with django_assert_num_queries(4):
        response = client.get(reverse("recovery:plan"))
    assert response.status_code == 200


def test_plan_page_queries_do_not_grow_with_contacts(client, alumnus, django_assert_num_queries):
    five = [{"name": f"Friend {n}", "phone": f"555-010-000{n}"} for n in range(5)]
    actions.save_safety_plan(member=alumnus, data=plan_data(help_contacts=five, professional_contacts=five))
    client.force_login(alumnus)
    # The same four: the contacts live in the plan's own row.
    with django_assert_num_queries(4):
        response = client.get(reverse("recovery:plan"))
    assert response.content.decode().count('href="tel:555010000') == 10


# --- the form ----------------------------------------------------------------


def test_edit_form_is_filled_with_the_plan(client, alumnus, alice_plan):
    client.force_login(alumnus)

    response = client.get(reverse("recovery:plan_edit"))

    form = response.context["form"]
    assert response.status_code == 200
    assert form["help_1_name"].value() == ALICE_PERSON
    assert form["help_1_phone"].value() == "+1 (555) 010-2233"
    assert form["help_2_name"].value() is None
    assert form["reasons_for_living"].value() == alice_plan.reasons_for_living


def test_edit_form_labels_every_field_and_groups_contacts(client, alumnus):
    client.force_login(alumnus)

    body = client.get(reverse("recovery:plan_edit")).content.decode()

    assert body.count("<fieldset") == 2 + 10  # two lists, five rows each
    assert (body.count("<legend>Person "), body.count("<legend>Contact "), body.count("<legend><span")) == (5, 5, 2)
    for field in ["warning_signs", "reasons_for_living", "help_5_name", "professional_1_phone"]:
        assert f'for="id_{field}"' in body
    assert 'type="tel"' in body


def test_saving_the_form_creates_the_plan(client, alumnus):
    client.force_login(alumnus)

    response = client.post(
        reverse("recovery:plan_edit"),
        form_data(
            help_2_name="Sam", help_2_phone="555 010 1234", professional_1_name="988", professional_1_phone="988"
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("recovery:plan")
    plan = SafetyPlan.objects.get(member=alumnus)
    assert plan.reasons_for_living == ALICE_REASON
    assert plan.coping_strategies == ALICE_COPING
    assert plan.help_contacts == [{"name": "Sam", "phone": "555 010 1234"}]
    assert plan.professional_contacts == [{"name": "988", "phone": "988"}]


def test_saving_the_form_replaces_the_plan(client, alumnus, alice_plan):
    client.force_login(alumnus)

    client.post(reverse("recovery:plan_edit"), form_data(warning_signs="New sign"))

    plan = SafetyPlan.objects.get()
    assert (plan.pk, plan.warning_signs, plan.help_contacts, plan.distractions) == (alice_plan.pk, "New sign", [], "")
    assert plan.updated_at > alice_plan.updated_at


@pytest.mark.parametrize(
    ("phone", "error"),
    [
        ("555-CALL-NOW", PHONE_CHARS_ERROR),
        ("javascript:alert(1)", PHONE_CHARS_ERROR),
        ("12", "A phone number has 3 to 20 digits."),
        ("1" * 21, "A phone number has 3 to 20 digits."),
    ],
)
def test_bad_phone_number_re_renders_with_an_error_and_changes_nothing(client, alumnus, alice_plan, phone, error):
    client.force_login(alumnus)

    response = client.post(
        reverse("recovery:plan_edit"),
        form_data(help_1_name="Kim", help_1_phone=phone, reasons_for_living="would change"),
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors["help_1_phone"] == [error]
    assert '<a href="#id_help_1_phone">People I can ask for help, person 1: phone number</a>' in body
    assert 'aria-invalid="true"' in body
    assert SafetyPlan.objects.get().reasons_for_living == alice_plan.reasons_for_living


def test_a_name_without_a_number_is_an_error_and_saves_nothing(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:plan_edit"), form_data(professional_2_name="Dr. Lee"))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "professional_2_phone": ["Add a phone number for Dr. Lee, or clear the name."]
    }
    assert SafetyPlan.objects.exists() is False


def test_a_number_without_a_name_is_an_error(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:plan_edit"), form_data(help_3_phone="555 010 1234"))

    assert response.context["form"].errors == {"help_3_name": ["Add a name for this number, or clear the number."]}
    assert SafetyPlan.objects.exists() is False


def test_edit_rejects_other_methods(client, alumnus, alice_plan):
    client.force_login(alumnus)

    response = client.put(reverse("recovery:plan_edit"))

    assert response.status_code == 405


def test_edit_post_requires_login(client, alice_plan):
    url = reverse("recovery:plan_edit")

    response = client.post(url, form_data(reasons_for_living="changed"))

    assert response["Location"] == f"{reverse('account_login')}?next={url}"
    assert SafetyPlan.objects.get().reasons_for_living == alice_plan.reasons_for_living


# --- delete ------------------------------------------------------------------


def test_delete_rejects_get(client, alumnus, alice_plan):
    client.force_login(alumnus)

    response = client.get(reverse("recovery:plan_delete"))

    assert response.status_code == 405
    assert SafetyPlan.objects.filter(member=alumnus).exists()


def test_delete_removes_the_owners_plan(client, alumnus, alice_plan):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:plan_delete"))

    assert response["Location"] == reverse("recovery:plan")
    assert SafetyPlan.objects.exists() is False


def test_spare_contact_rows_are_folded_away(client, alumnus, alice_plan):
    client.force_login(alumnus)

    form = client.get(reverse("recovery:plan_edit")).context["form"]

    shown, spare = form.rows("help_contacts")
    assert [row["label"] for row in shown] == ["Person 1", "Person 2"]
    assert [row["label"] for row in spare] == ["Person 3", "Person 4", "Person 5"]


def test_a_row_with_an_error_is_never_folded_away(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:plan_edit"), form_data(help_5_name="Kim", help_5_phone="12"))

    shown, spare = response.context["form"].rows("help_contacts")
    assert (len(shown), spare) == (5, [])
