"""The blocks page: a member sees whom they blocked and undoes a block with
the chat's own block form (groups' action); it lists only their own blocks."""

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.actions import block_member
from groups.models import Block
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def blocked_names(response) -> list[str]:
    return [b.blocked.display_name for b in response.context["blocks"]]


def test_blocks_page_lists_the_members_own_blocks(client, alumnus, alumnus2, outsider, room):
    block_member(member=alumnus, other=alumnus2)
    block_member(member=outsider, other=alumnus)  # someone else's block: never shown
    client.force_login(alumnus)

    response = client.get(reverse("blocks"))

    assert response.status_code == 200
    assert blocked_names(response) == [alumnus2.display_name]
    html = response.content.decode()
    assert f'action="{reverse("groups:block", args=[alumnus2.pk])}"' in html
    assert outsider.display_name not in html


def test_blocks_page_without_blocks_explains_how_to_block(client, alumnus):
    client.force_login(alumnus)

    response = client.get(reverse("blocks"))

    assert blocked_names(response) == []
    assert "You haven't blocked anyone" in response.content.decode()


def test_unblocking_from_the_blocks_page_removes_the_block_and_comes_back(client, alumnus, alumnus2, room):
    block_member(member=alumnus, other=alumnus2)
    client.force_login(alumnus)

    response = client.post(
        reverse("groups:block", args=[alumnus2.pk]), {"unblock": "1", "next": reverse("blocks")}, follow=True
    )

    assert response.redirect_chain == [(reverse("blocks"), 302)]
    assert not Block.objects.filter(blocker=alumnus, blocked=alumnus2).exists()
    assert blocked_names(response) == []
    assert f"You unblocked {alumnus2.display_name}." in response.content.decode()


def test_profile_links_to_the_blocks_page(client, alumnus):
    client.force_login(alumnus)

    response = client.get(reverse("profile"))

    assert f'href="{reverse("blocks")}"' in response.content.decode()


def test_blocks_page_needs_a_signed_in_active_member(client, alumnus):
    assert client.get(reverse("blocks")).status_code == 302  # to sign in
    alumnus.suspended_at = timezone.now()
    alumnus.save()
    client.force_login(alumnus)

    # A suspended member is signed out on their next request.
    response = client.get(reverse("blocks"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))


def test_blocks_page_rejects_post(client, alumnus):
    client.force_login(alumnus)

    assert client.post(reverse("blocks")).status_code == 405


@pytest.mark.parametrize("count", [1, 3])
def test_blocks_page_query_count(client, alumnus, cohort, count, django_assert_num_queries):
    for i in range(count):
        block_member(member=alumnus, other=make_member(f"b{i}@example.org", f"Blocked {i}", cohort=cohort))
    client.force_login(alumnus)

    # session, user, the blocks joined with the blocked members, the header's
    # unread-notification count.
    with django_assert_num_queries(4):
        response = client.get(reverse("blocks"))
    assert len(response.context["blocks"]) == count
