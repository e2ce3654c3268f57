"""The first-run welcome: a new member lands on it after accepting their
invitation (not on a "Welcome back"); it explains the community and a bad
night, and saves their time zone and e-mail choices through the members app's
update_profile action."""

import pytest
from django.urls import reverse

from community import actions
from community.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-new-pass-2026"


def test_a_new_member_lands_on_the_welcome(client, staff, cohort, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = actions.invite_member(staff=staff, email="new@example.org", cohort=cohort)
    client.get(f"/invite/{invitation.token}/")

    response = client.post(
        reverse("account_signup"), {"display_name": "River", "password1": PASSWORD, "password2": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1] == (reverse("welcome"), 302)
    html = response.content.decode()
    assert "Welcome, River" in html
    assert "Welcome back" not in html


def test_welcome_explains_the_community_and_a_bad_night(client, alumnus):
    client.force_login(alumnus)

    response = client.get(reverse("welcome"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "How the community works" in html
    assert "Where to go on a bad night" in html
    assert 'href="tel:988"' in html
    assert f'href="{reverse("crisis")}"' in html
    assert f'href="{reverse("recovery:plan")}"' in html
    assert f'<option value="{alumnus.time_zone}" selected>' in html


def test_welcome_saves_the_time_zone_and_email_choices(client, alumnus):
    client.force_login(alumnus)

    response = client.post(
        reverse("welcome"), {"time_zone": "Europe/Dublin", "email_notification_kinds": ["mention", "reminder"]}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("home")
    alumnus.refresh_from_db()
    assert alumnus.time_zone == "Europe/Dublin"
    assert alumnus.email_notification_kinds == ["mention", "reminder"]


def test_welcome_with_a_bad_zone_changes_nothing(client, alumnus):
    before = User.objects.values("time_zone", "email_notification_kinds").get(pk=alumnus.pk)
    client.force_login(alumnus)

    response = client.post(reverse("welcome"), {"time_zone": "Mars/Olympus", "email_notification_kinds": ["mention"]})

    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert User.objects.values("time_zone", "email_notification_kinds").get(pk=alumnus.pk) == before


def test_welcome_does_not_offer_moderator_only_emails_to_a_member(client, alumnus):
    client.force_login(alumnus)

    offered = [
        value for value, _ in client.get(reverse("welcome")).context["form"].fields["email_notification_kinds"].choices
    ]
    response = client.post(reverse("welcome"), {"time_zone": "UTC", "email_notification_kinds": ["moderator_request"]})

    assert not {"report", "crisis_alert", "moderator_request"} & set(offered)
    assert response.status_code == 400
    alumnus.refresh_from_db()
    assert "moderator_request" not in (alumnus.email_notification_kinds or [])


def test_welcome_needs_a_signed_in_member(client):
    response = client.get(reverse("welcome"))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))
