"""Staff edit the crisis resources: add, remove, reorder; never empty."""

import pytest
from django.urls import reverse

from community.models import AuditLog, CrisisResource
from community.queries import crisis_resources


def management(total, initial=0):
    return {
        "r-TOTAL_FORMS": str(total),
        "r-INITIAL_FORMS": str(initial),
        "r-MIN_NUM_FORMS": "0",
        "r-MAX_NUM_FORMS": "1000",
    }


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_edit_page_starts_from_the_configured_defaults(staff_client, settings):
    response = staff_client.get(reverse("staff_crisis_resources"))

    names = [f.initial["name"] for f in response.context["formset"].forms if f.initial]
    assert names == [r["name"] for r in settings.CRISIS_RESOURCES]


def test_save_adds_removes_and_reorders(staff_client, staff):
    data = management(4, 0)
    data.update(
        {
            "r-0-name": "Local warmline",
            "r-0-phone": "555-0100",
            "r-0-ORDER": "2",
            "r-1-name": "988 Lifeline",
            "r-1-phone": "988",
            "r-1-sms": "988",
            "r-1-ORDER": "1",
            "r-2-name": "Old line",
            "r-2-phone": "555-0199",
            "r-2-ORDER": "3",
            "r-2-DELETE": "on",
            # r-3 left blank: the spare "add one" form
        }
    )

    response = staff_client.post(reverse("staff_crisis_resources"), data)

    assert response.status_code == 302
    assert list(CrisisResource.objects.values_list("position", "name", "phone")) == [
        (0, "988 Lifeline", "988"),
        (1, "Local warmline", "555-0100"),
    ]
    assert [r["name"] for r in crisis_resources()] == ["988 Lifeline", "Local warmline"]
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.details) == ("crisis_resources.update", staff, {"count": 2})
    assert "Local warmline" in staff_client.get(reverse("crisis")).content.decode()


def test_removing_every_resource_is_refused(staff_client):
    CrisisResource.objects.create(name="Keep me", phone="1")
    data = management(1, 1)
    data.update({"r-0-name": "Keep me", "r-0-phone": "1", "r-0-DELETE": "on"})

    response = staff_client.post(reverse("staff_crisis_resources"), data)

    assert response.status_code == 400
    assert response.context["formset"].non_form_errors() == [
        "Keep at least one crisis resource: members in crisis must always find help."
    ]
    assert list(CrisisResource.objects.values_list("name", flat=True)) == ["Keep me"]
    assert AuditLog.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"r-0-name": "No way to reach", "r-0-detail": "nothing"}, "__all__"),
        ({"r-0-name": "Bad site", "r-0-url": "not a url at all"}, "url"),
        ({"r-0-name": "x" * 101, "r-0-phone": "988"}, "name"),
        # The crisis page must never render "Call call us!" as a tel: link.
        ({"r-0-name": "Words for a number", "r-0-phone": "call us!"}, "phone"),
        ({"r-0-name": "Too short", "r-0-phone": "12"}, "phone"),
        ({"r-0-name": "Words to text", "r-0-sms": "text HOME"}, "sms"),
        ({"r-0-name": "Not a website", "r-0-url": "javascript:alert(1)"}, "url"),
        ({"r-0-name": "Not the web", "r-0-url": "ftp://files.example.org/"}, "url"),
    ],
)
def test_bad_row_changes_nothing(staff_client, row, field):
    CrisisResource.objects.create(name="Existing", phone="1")
    data = management(1)
    data.update(row)

    response = staff_client.post(reverse("staff_crisis_resources"), data)

    assert response.status_code == 400
    assert field in response.context["formset"].forms[0].errors
    assert list(CrisisResource.objects.values_list("name", flat=True)) == ["Existing"]


def test_tampered_management_form_changes_nothing(staff_client):
    CrisisResource.objects.create(name="Existing", phone="1")

    response = staff_client.post(reverse("staff_crisis_resources"), {"r-TOTAL_FORMS": "x"})

    assert response.status_code == 400
    assert list(CrisisResource.objects.values_list("name", flat=True)) == ["Existing"]


def test_crisis_page_links_to_editor_for_staff_only(client, staff, alumnus):
    client.force_login(alumnus)
    member_view = client.get(reverse("crisis")).content.decode()
    client.force_login(staff)
    staff_view = client.get(reverse("crisis")).content.decode()

    assert "/staff/crisis-resources/" not in member_view
    assert "/staff/crisis-resources/" in staff_view
