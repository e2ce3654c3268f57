"""Staff manage cohorts and the focus-area list; every change is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community import actions
from community.models import AuditLog, Cohort, FocusArea


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_add_cohort(staff_client, staff):
    response = staff_client.post(
        reverse("staff_cohorts"),
        {
            "name": "Winter 2026",
            "slug": "winter-2026",
            "program_track": "Mental health IOP",
            "graduation_date": "2026-02-20",
        },
    )

    assert response.status_code == 302
    cohort = Cohort.objects.get(slug="winter-2026")
    assert (cohort.name, cohort.program_track, str(cohort.graduation_date)) == (
        "Winter 2026",
        "Mental health IOP",
        "2026-02-20",
    )
    assert list(AuditLog.objects.values_list("action", "actor", "target_id")) == [
        ("cohort.create", staff.pk, str(cohort.pk))
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Spring cohort", "slug": "another"},  # duplicate name
        {"name": "Other", "slug": "spring"},  # duplicate short name
        {"name": "", "slug": "x"},
        {"name": "Bad slug", "slug": "not a slug"},
    ],
)
def test_add_cohort_bad_input_changes_nothing(staff_client, cohort, data):
    response = staff_client.post(reverse("staff_cohorts"), data)

    assert response.status_code == 400
    assert response.context["form"].errors
    assert list(Cohort.objects.values_list("slug", flat=True)) == ["spring"]
    assert AuditLog.objects.count() == 0


def test_edit_cohort_records_the_change(staff_client, cohort):
    response = staff_client.post(
        reverse("staff_cohort_edit", args=[cohort.pk]),
        {
            "name": "Spring 2026",
            "slug": "spring",
            "program_track": "",
            "graduation_date": cohort.graduation_date.isoformat(),
        },
    )

    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.name == "Spring 2026"
    assert AuditLog.objects.get().details == {"name": {"from": "Spring cohort", "to": "Spring 2026"}}


def test_edit_cohort_bad_input_changes_nothing(staff_client, cohort, other_cohort):
    response = staff_client.post(
        reverse("staff_cohort_edit", args=[cohort.pk]), {"name": "Fall cohort", "slug": "spring"}
    )

    assert response.status_code == 400
    cohort.refresh_from_db()
    assert cohort.name == "Spring cohort"
    assert response.context["cohort"].name == "Spring cohort"
    assert AuditLog.objects.count() == 0


def test_add_rename_and_remove_focus_area(staff_client, staff, alumnus):
    staff_client.post(reverse("staff_focus_areas"), {"name": "Grief", "slug": "grief"})
    area = FocusArea.objects.get()
    alumnus.focus_areas.add(area)

    staff_client.post(reverse("staff_focus_area_rename", args=[area.pk]), {"name": "Grief and loss"})
    area.refresh_from_db()
    assert area.name == "Grief and loss"

    staff_client.post(reverse("staff_focus_area_delete", args=[area.pk]))

    assert FocusArea.objects.count() == 0
    assert list(alumnus.focus_areas.all()) == []
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "focus_area.create",
        "focus_area.rename",
        "focus_area.delete",
    ]


@pytest.mark.parametrize("name", ["", "  ", "Taken"])
def test_rename_focus_area_bad_name_changes_nothing(staff_client, name):
    FocusArea.objects.create(name="Taken", slug="taken")
    area = FocusArea.objects.create(name="Sleep", slug="sleep")

    response = staff_client.post(reverse("staff_focus_area_rename", args=[area.pk]), {"name": name}, follow=True)

    area.refresh_from_db()
    assert area.name == "Sleep"
    assert "flash-error" in response.content.decode()
    assert AuditLog.objects.count() == 0


def test_duplicate_focus_area_is_refused(staff_client):
    FocusArea.objects.create(name="Sleep", slug="sleep")

    response = staff_client.post(reverse("staff_focus_areas"), {"name": "Sleep", "slug": "sleep2"})

    assert response.status_code == 400
    assert FocusArea.objects.count() == 1


@pytest.mark.parametrize("who", ["alumnus", "moderator"])
def test_actions_refuse_non_staff(request, who, cohort):
    user = request.getfixturevalue(who)
    area = FocusArea.objects.create(name="Sleep", slug="sleep")

    for call in (
        lambda: actions.create_cohort(staff=user, name="X", slug="x"),
        lambda: actions.update_cohort(staff=user, cohort=cohort, changes={"name": "Y"}),
        lambda: actions.create_focus_area(staff=user, name="X", slug="x"),
        lambda: actions.rename_focus_area(staff=user, area=area, name="Y"),
        lambda: actions.delete_focus_area(staff=user, area=area),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert AuditLog.objects.count() == 0


def test_update_cohort_refuses_unknown_fields(staff, cohort):
    with pytest.raises(ValidationError):
        actions.update_cohort(staff=staff, cohort=cohort, changes={"created_at": None})
