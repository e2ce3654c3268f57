"""Nobody but its owner ever sees a plan: not another member, not a
moderator, not staff. There is no URL that takes a member's id; every page
answers for the requester alone (a week, date or milestone in a URL is
looked up among the requester's own rows)."""

import pytest
from django.contrib import admin
from django.urls import URLPattern, get_resolver

import recovery.urls
from recovery.models import SafetyPlan

from .conftest import ALICE_COPING, ALICE_PERSON, ALICE_REASON, form_data

LEAKS = [ALICE_REASON, ALICE_PERSON, ALICE_COPING, "15550102233"]


# The only parameters are the requester's own week, date or milestone, each
# looked up among their own rows (tests/recovery/test_checkin_pages.py and
# test_milestone_pages.py show another member's is a 404). None is a member id.
OWN_ROW_PARAMETERS = [
    "progress/<str:week>/",
    "progress/<str:week>/delete/",
    "milestones/dates/<int:pk>/begin-again/",
    "milestones/dates/<int:pk>/delete/",
    "milestones/<int:pk>/share/",
]


def test_no_recovery_url_takes_a_member_id():
    patterns = [p for p in recovery.urls.urlpatterns if isinstance(p, URLPattern)]

    assert [str(p.pattern) for p in patterns if "<" in str(p.pattern)] == OWN_ROW_PARAMETERS
    assert len(patterns) == len(recovery.urls.urlpatterns)


def test_the_plan_is_mounted_only_under_me():
    mounted = [str(e.pattern) for e in get_resolver().url_patterns if getattr(e, "urlconf_name", None) is recovery.urls]

    assert mounted == ["me/"]


@pytest.mark.parametrize("who", ["alumnus2", "moderator", "staff", "outsider"])
@pytest.mark.parametrize("path", ["/me/safety-plan/", "/me/safety-plan/edit/", "/me/safety-plan/card/"])
def test_others_see_only_their_own_empty_plan(client, request, alice_plan, who, path):
    client.force_login(request.getfixturevalue(who))

    response = client.get(path)

    body = response.content.decode()
    assert response.status_code == 200
    assert [leak for leak in LEAKS if leak in body] == []


@pytest.mark.parametrize("who", ["alumnus2", "moderator", "staff"])
@pytest.mark.parametrize("query", ["?member=", "?user=", "?id=", "?pk="])
def test_a_member_id_in_the_query_is_ignored(client, request, alumnus, alice_plan, who, query):
    client.force_login(request.getfixturevalue(who))

    for path in ["/me/safety-plan/", "/me/safety-plan/card/", "/me/safety-plan/edit/"]:
        body = client.get(f"{path}{query}{alumnus.pk}").content.decode()
        assert [leak for leak in LEAKS if leak in body] == []


def test_saving_as_another_member_never_touches_the_owners_plan(client, alumnus2, alice_plan):
    client.force_login(alumnus2)

    client.post("/me/safety-plan/edit/", form_data(reasons_for_living="Bob's reasons"))
    client.post("/me/safety-plan/delete/")

    assert SafetyPlan.objects.get(member=alice_plan.member).reasons_for_living == alice_plan.reasons_for_living
    assert SafetyPlan.objects.filter(member=alumnus2).exists() is False


def test_the_admin_does_not_list_safety_plans():
    assert admin.site.is_registered(SafetyPlan) is False


@pytest.mark.parametrize("who", ["moderator", "staff"])
def test_admin_url_for_plans_does_not_exist(client, request, alice_plan, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(f"/admin/recovery/safetyplan/{alice_plan.pk}/change/")

    assert response.status_code in (302, 404)
    assert ALICE_REASON not in response.content.decode()


def test_the_admin_lists_no_recovery_model():
    from django.apps import apps

    assert [m.__name__ for m in apps.get_app_config("recovery").get_models() if admin.site.is_registered(m)] == []


def test_a_crisis_alert_from_a_check_in_carries_none_of_its_answers(alumnus, moderator):
    from groups.actions import alert_dict
    from groups.models import CrisisAlert
    from recovery import actions as recovery_actions

    from .conftest import ALICE_NOTE, answers

    recovery_actions.save_checkin(member=alumnus, data=answers(safety="danger"))

    frame = alert_dict(CrisisAlert.objects.get(member=alumnus))
    assert frame["excerpt"] == ""
    assert frame["message_url"] == ""
    assert ALICE_NOTE not in str(frame)
