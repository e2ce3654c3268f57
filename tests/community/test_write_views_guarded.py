"""Every write view: rejects GET, requires login, refuses members without the
permission — and in each case changes nothing (the audit log stays empty)."""

import pytest
from django.urls import reverse

from community.models import AuditLog, FocusArea, Invitation


@pytest.fixture
def objects(staff, alumnus, cohort):
    invitation = Invitation.objects.create(email="newbie@example.org", invited_by=staff)
    area = FocusArea.objects.create(name="Sleep", slug="sleep")
    return {"invitation": invitation, "area": area, "member": alumnus, "cohort": cohort}


# (url name, kwargs builder, POST data, who may use it)
STAFF_WRITES = [
    ("staff_invitation_create", lambda o: {}, {"email": "x@example.org", "role": "alumnus"}),
    ("staff_invitation_csv", lambda o: {}, {}),
    ("staff_invitation_csv_confirm", lambda o: {}, {"payload": "x"}),
    ("staff_invitation_resend", lambda o: {"invitation_id": o["invitation"].pk}, {}),
    ("staff_invitation_revoke", lambda o: {"invitation_id": o["invitation"].pk}, {}),
    ("staff_member_role", lambda o: {"member_id": o["member"].pk}, {"role": "moderator"}),
    ("staff_member_cohort", lambda o: {"member_id": o["member"].pk}, {"cohort": ""}),
    ("staff_focus_area_rename", lambda o: {"area_id": o["area"].pk}, {"name": "Rest"}),
    ("staff_focus_area_delete", lambda o: {"area_id": o["area"].pk}, {}),
]
# Pages that show a form on GET and write on POST.
STAFF_FORM_PAGES = [
    ("staff_cohorts", lambda o: {}, {"name": "Winter", "slug": "winter"}),
    ("staff_cohort_edit", lambda o: {"cohort_id": o["cohort"].pk}, {"name": "Renamed", "slug": "spring"}),
    ("staff_focus_areas", lambda o: {}, {"name": "Grief", "slug": "grief"}),
    (
        "staff_crisis_resources",
        lambda o: {},
        {"r-TOTAL_FORMS": "1", "r-INITIAL_FORMS": "0", "r-0-name": "Line", "r-0-phone": "1"},
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "data"), STAFF_WRITES, ids=[w[0] for w in STAFF_WRITES])
def test_staff_write_rejects_get(client, staff, objects, name, kwargs, data):
    client.force_login(staff)

    response = client.get(reverse(name, kwargs=kwargs(objects)))

    assert response.status_code == 405
    assert AuditLog.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "kwargs", "data"), STAFF_WRITES + STAFF_FORM_PAGES, ids=[w[0] for w in STAFF_WRITES + STAFF_FORM_PAGES]
)
def test_staff_write_requires_login(client, objects, name, kwargs, data):
    url = reverse(name, kwargs=kwargs(objects))

    response = client.post(url, data)

    assert response.status_code == 302
    assert response.headers["Location"] == f"{reverse('account_login')}?next={url}"
    assert AuditLog.objects.count() == 0


@pytest.mark.parametrize("who", ["alumnus", "alumnus2", "moderator", "outsider"])
@pytest.mark.parametrize(
    ("name", "kwargs", "data"), STAFF_WRITES + STAFF_FORM_PAGES, ids=[w[0] for w in STAFF_WRITES + STAFF_FORM_PAGES]
)
def test_staff_write_refuses_non_staff(client, request, objects, who, name, kwargs, data):
    client.force_login(request.getfixturevalue(who))

    response = client.post(reverse(name, kwargs=kwargs(objects)), data)

    assert response.status_code == 404
    assert AuditLog.objects.count() == 0
    assert Invitation.objects.get().revoked_at is None
    assert FocusArea.objects.get().name == "Sleep"


def test_staff_write_refuses_suspended_staff(client, staff, objects):
    from django.utils import timezone

    staff.suspended_at = timezone.now()
    staff.save(update_fields=["suspended_at"])
    client.force_login(staff)

    response = client.post(reverse("staff_invitation_create"), {"email": "x@example.org", "role": "alumnus"})

    # The suspended member is signed out at once and sent to sign in.
    assert response.status_code == 302
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "needs_login"),
    [
        ("profile", True),
        ("notifications_mark_read", True),
    ],
)
def test_member_writes_require_login(client, name, needs_login):
    url = reverse(name)

    response = client.post(url, {})

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))


def test_mark_one_read_rejects_get_and_requires_login(client, alumnus):
    notification = alumnus.notifications.create(kind="general", text="Hello")
    url = reverse("notification_mark_one_read", args=[notification.pk])

    anonymous = client.post(url)
    client.force_login(alumnus)
    get = client.get(url)

    assert anonymous.status_code == 302
    assert get.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None
