"""Staff change a member's role and cohort."""

import pytest
from django.urls import reverse

from community import actions
from community.models import AuditLog
from tests.conftest import make_member


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_set_role_changes_role_and_writes_audit(staff_client, staff, alumnus, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(reverse("staff_member_role", args=[alumnus.pk]), {"role": "moderator"})

    assert response.status_code == 302
    alumnus.refresh_from_db()
    assert alumnus.role == "moderator"
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.target_id, entry.details) == (
        "member.role",
        staff,
        str(alumnus.pk),
        {"from": "alumnus", "to": "moderator"},
    )
    assert len(callbacks) == 1  # the member's sockets reconnect to recompute access


def test_promoting_to_staff_sets_django_staff_flag(staff_client, alumnus):
    staff_client.post(reverse("staff_member_role", args=[alumnus.pk]), {"role": "staff"})

    alumnus.refresh_from_db()
    assert (alumnus.role, alumnus.is_staff) == ("staff", True)


def test_staff_cannot_change_own_role(staff_client, staff):
    response = staff_client.post(reverse("staff_member_role", args=[staff.pk]), {"role": "alumnus"})

    assert response.status_code == 400
    assert response.context["role_form"].non_field_errors() == [
        "You cannot change your own role; ask another staff member."
    ]
    staff.refresh_from_db()
    assert staff.role == "staff"
    assert AuditLog.objects.count() == 0


def test_unknown_role_is_refused(staff_client, alumnus):
    response = staff_client.post(reverse("staff_member_role", args=[alumnus.pk]), {"role": "admin"})

    assert response.status_code == 400
    alumnus.refresh_from_db()
    assert alumnus.role == "alumnus"


def test_set_cohort_uses_cohort_graduation_date_by_default(staff_client, staff, alumnus, other_cohort):
    import datetime

    other_cohort.graduation_date = datetime.date(2025, 6, 1)
    other_cohort.save()

    response = staff_client.post(reverse("staff_member_cohort", args=[alumnus.pk]), {"cohort": other_cohort.pk})

    assert response.status_code == 302
    alumnus.refresh_from_db()
    assert (alumnus.cohort, alumnus.graduation_date) == (other_cohort, datetime.date(2025, 6, 1))
    assert AuditLog.objects.get().details == {"from": "spring", "to": "fall"}


def test_set_cohort_with_own_graduation_date(staff_client, alumnus, other_cohort):
    import datetime

    staff_client.post(
        reverse("staff_member_cohort", args=[alumnus.pk]), {"cohort": other_cohort.pk, "graduation_date": "2024-03-15"}
    )

    alumnus.refresh_from_db()
    assert alumnus.graduation_date == datetime.date(2024, 3, 15)


@pytest.mark.parametrize("data", [{"cohort": "9999"}, {"cohort": "", "graduation_date": "15/03/2024x"}])
def test_set_cohort_bad_input_changes_nothing(staff_client, alumnus, cohort, data):
    response = staff_client.post(reverse("staff_member_cohort", args=[alumnus.pk]), data)

    assert response.status_code == 400
    alumnus.refresh_from_db()
    assert alumnus.cohort == cohort
    assert AuditLog.objects.count() == 0


def test_member_pages_404_for_unknown_member(staff_client):
    assert staff_client.get(reverse("staff_member", args=[9999])).status_code == 404
    assert staff_client.post(reverse("staff_member_role", args=[9999]), {"role": "staff"}).status_code == 404


def test_member_list_search_by_name_or_email(staff_client, alumnus, alumnus2, outsider):
    by_name = staff_client.get(reverse("staff_members"), {"q": "bo"})
    by_email = staff_client.get(reverse("staff_members"), {"q": "charlie@"})
    by_role = staff_client.get(reverse("staff_members"), {"role": "staff"})

    assert [m.display_name for m in by_name.context["members"]] == ["Bob"]
    assert [m.display_name for m in by_email.context["members"]] == ["Charlie"]
    assert [m.display_name for m in by_role.context["members"]] == ["Sta the staffer"]


@pytest.mark.parametrize("count", [1, 3])
def test_member_list_query_count(staff_client, staff, cohort, count, django_assert_num_queries):
    for i in range(count):
        make_member(f"m{i}@example.org", f"Member {i}", cohort=cohort)

    # 1 session, 2 user, 3 unread notifications, 4 paginator count,
    # 5 the page of members with their cohort, 6 open crisis alerts (header badge).
    with django_assert_num_queries(6):
        response = staff_client.get(reverse("staff_members"))

    assert len(response.context["members"]) == count + 1  # plus the staff member


def test_set_role_action_refuses_moderator(moderator, alumnus):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.set_role(staff=moderator, member=alumnus, role="staff")
