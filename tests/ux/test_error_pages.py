"""The styled error pages: each extends base.html, so the crisis bar (988 and
the crisis page) is on it, and the 500 page renders with no request and no
database at all."""

import pytest
from django.template.loader import render_to_string
from django.test import Client

from alumni.errors import server_error

CRISIS_BAR = 'aria-label="Crisis support"'


@pytest.mark.django_db
def test_404_page_is_styled_with_the_crisis_bar(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert CRISIS_BAR in html
    assert "We can't find that page" in html
    assert 'href="tel:988"' in html
    assert 'href="/crisis/"' in html


@pytest.mark.django_db
def test_404_for_a_member_offers_their_rooms(client, alumnus):
    client.force_login(alumnus)

    response = client.get("/meetups/999999/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "We can't find that page" in html
    assert 'href="/rooms/"' in html
    # The signed-in header, not the anonymous one.
    assert alumnus.display_name in html


@pytest.mark.django_db
def test_403_page_is_styled_with_the_crisis_bar(client, alumnus):
    client.force_login(alumnus)

    response = client.get("/moderation/")

    assert response.status_code == 403
    html = response.content.decode()
    assert CRISIS_BAR in html
    assert "This page isn't open to you" in html
    assert "ask a moderator or a member of staff" in html


def test_500_page_renders_without_request_or_database(settings):
    # No django_db mark: pytest-django refuses any query, so one would fail the test.
    response = server_error(None)

    assert response.status_code == 500
    html = response.content.decode()
    assert CRISIS_BAR in html
    assert "Something went wrong on our side" in html
    assert f">{settings.SITE_NAME}</a>" in html
    assert 'href="tel:988"' in html


def test_500_template_renders_with_an_empty_context():
    html = render_to_string("500.html", {})

    assert "Something went wrong on our side" in html
    assert 'href="tel:988"' in html


@pytest.mark.django_db
def test_an_unhandled_error_answers_with_the_styled_500(settings, alumnus):
    # A view that raises: the URLconf's handler500 is what the request gets.
    settings.ROOT_URLCONF = "tests.ux.urls_raising"
    client = Client(raise_request_exception=False)
    client.force_login(alumnus)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_a_refused_form_gets_the_styled_page_and_changes_nothing(alumnus):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alumnus)

    response = client.post("/profile/", {"display_name": "Changed"})

    assert response.status_code == 403
    html = response.content.decode()
    assert CRISIS_BAR in html
    assert "Please try that again" in html
    alumnus.refresh_from_db()
    assert alumnus.display_name != "Changed"
