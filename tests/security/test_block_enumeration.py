"""Outside review finding 6: the block endpoint answered with any account's
display name and role, directory opt-outs included. Now one can block only
someone one can already see; every other id is missing, and says nothing."""

import pytest
from django.urls import reverse

from community.models import User
from groups.models import Block
from tests.conftest import make_member


@pytest.fixture
def hidden(db, other_cohort):
    """In no room with Alice and not listed in the directory."""
    return make_member("hidden@example.org", "Quiet Quinn", cohort=other_cohort, in_directory=False)


def test_blocking_an_account_one_cannot_see_is_missing_and_names_nobody(client, alumnus, hidden):
    client.force_login(alumnus)
    response = client.post(reverse("groups:block", args=[hidden.pk]), follow=True)
    assert response.status_code == 404
    assert b"Quiet Quinn" not in response.content
    assert not Block.objects.exists()


def test_blocking_someone_in_a_shared_room_works(client, room, alumnus, alumnus2):
    client.force_login(alumnus)
    client.post(reverse("groups:block", args=[alumnus2.pk]))
    assert list(Block.objects.values_list("blocker_id", "blocked_id")) == [(alumnus.pk, alumnus2.pk)]


def test_a_missing_id_and_an_unseen_one_answer_the_same(client, alumnus, hidden):
    client.force_login(alumnus)
    unseen = client.post(reverse("groups:block", args=[hidden.pk]))
    missing = client.post(reverse("groups:block", args=[User.objects.order_by("-pk").first().pk + 100]))
    assert (unseen.status_code, missing.status_code) == (404, 404)
