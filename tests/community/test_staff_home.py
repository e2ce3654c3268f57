"""/staff/ shows each role only the tools it may use."""

import pytest
from django.urls import reverse


def tool_names(response):
    return [t["name"] for t in response.context["tools"]]


def test_staff_sees_every_tool(client, staff):
    client.force_login(staff)

    response = client.get(reverse("staff_home"))

    assert tool_names(response) == [
        "Invitations",
        "Members and roles",
        "Cohorts",
        "Focus areas",
        "Crisis resources",
        "Families",
        "Audit log",
        "Crisis dashboard",
        "Review queue",
        "Watched words and crisis phrases",
        "Rooms",
    ]


def test_moderator_sees_only_moderator_tools(client, moderator):
    client.force_login(moderator)

    response = client.get(reverse("staff_home"))

    assert tool_names(response) == ["Crisis dashboard", "Review queue", "Rooms", "Crisis resources page"]
    html = response.content.decode()
    for hidden in ("/staff/audit-log/", "/staff/invitations/", "/staff/members/"):
        assert hidden not in html


@pytest.mark.parametrize("who", ["alumnus", "outsider"])
def test_alumni_get_404(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("staff_home")).status_code == 404


def test_header_links_staff_for_moderators_only(client, alumnus, moderator):
    client.force_login(alumnus)
    alumnus_html = client.get(reverse("notifications")).content.decode()
    client.force_login(moderator)
    moderator_html = client.get(reverse("notifications")).content.decode()

    assert 'href="/staff/"' not in alumnus_html
    assert 'href="/staff/"' in moderator_html
