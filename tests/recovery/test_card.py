"""The fragment the chat's support card fetches: the member's own plan first."""

from django.urls import reverse

from groups.actions.messages import SAFETY_PLAN_CARD_URL
from recovery import actions

from .conftest import ALICE_COPING, ALICE_PERSON, ALICE_REASON, plan_data

CARD_URL = "/me/safety-plan/card/"  # groups.actions.messages.SAFETY_PLAN_CARD_URL


def test_card_url_is_the_one_the_chat_fetches():
    assert reverse("recovery:plan_card") == CARD_URL == SAFETY_PLAN_CARD_URL


def test_card_is_a_fragment_without_the_page_around_it(client, alumnus, alice_plan):
    client.force_login(alumnus)

    response = client.get(CARD_URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert body.lstrip().startswith('<div class="sp-card">')
    assert "<html" not in body
    assert "site-header" not in body
    assert "<h1" not in body


def test_card_shows_reasons_then_people_then_coping(client, alumnus, alice_plan):
    client.force_login(alumnus)

    body = client.get(CARD_URL).content.decode()

    assert body.index(ALICE_REASON) < body.index(ALICE_PERSON) < body.index("Dr. Lee") < body.index(ALICE_COPING)
    assert 'href="tel:15550102233"' in body
    assert 'href="tel:5550109000"' in body
    assert "I stop answering texts" not in body  # warning signs stay on the full plan
    assert f'href="{reverse("recovery:plan")}"' in body


def test_card_leaves_out_steps_the_member_left_empty(client, alumnus):
    actions.save_safety_plan(member=alumnus, data=plan_data(help_contacts=[], coping_strategies=""))
    client.force_login(alumnus)

    body = client.get(CARD_URL).content.decode()

    assert "Your people" not in body
    assert "Things that help you" not in body
    assert ALICE_REASON in body


def test_card_without_a_plan_links_to_making_one(client, alumnus):
    client.force_login(alumnus)

    body = client.get(CARD_URL).content.decode()

    assert "You haven't made a safety plan yet." in body
    assert f'href="{reverse("recovery:plan_edit")}"' in body


def test_card_queries(client, alumnus, alice_plan, django_assert_num_queries):
    client.force_login(alumnus)
    # 1 session, 2 the member, 3 the plan (no page around it, so no header badge).
    with django_assert_num_queries(3):
        client.get(CARD_URL)
