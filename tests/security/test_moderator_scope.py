"""Finding 2 of the outside review: a room moderator could read any member's
sanction history site-wide, and the lift form's redirect turned any sanction id
into a member id. A room moderator now sees only sanctions in the rooms they
moderate, for members of those rooms; site moderators and staff see all."""

import pytest
from django.urls import reverse

from groups import actions
from groups.models import Room, Sanction
from tests.conftest import make_member


@pytest.fixture
def scene(db, staff, moderator, alumnus, alumnus2, outsider):
    """Rita moderates `anxiety` (Alice and Bob are in it). The outsider was
    sanctioned in `family`, a room Rita does not moderate; Alice was warned in
    both."""
    rita = make_member("rita@example.org", "Rita")
    anxiety = actions.create_room(creator=staff, name="Anxiety", slug="anxiety", kind=Room.Kind.TOPIC)
    family = actions.create_room(creator=staff, name="Family", slug="family", kind=Room.Kind.TOPIC)
    for member in (rita, alumnus, alumnus2):
        actions.join_room(member=member, room=anxiety)
    for member in (alumnus, outsider):
        actions.join_room(member=member, room=family)
    actions.set_room_moderator(staff=staff, room=anxiety, member=rita, is_moderator=True)
    here = actions.warn_member(moderator=moderator, member=alumnus, room=anxiety, reason="Kindness, please")
    there = actions.warn_member(moderator=moderator, member=alumnus, room=family, reason="Private family matter")
    theirs = actions.mute_member(
        moderator=moderator, member=outsider, room=family, minutes=30, reason="Outsider reason"
    )
    return {"rita": rita, "here": here, "there": there, "theirs": theirs}


def test_room_moderator_sees_only_sanctions_in_their_rooms(client, scene, alumnus):
    client.force_login(scene["rita"])
    response = client.get(reverse("moderation:member", args=[alumnus.pk]))
    assert response.status_code == 200
    assert [s.pk for s in response.context["sanctions"]] == [scene["here"].pk]
    assert b"Kindness, please" in response.content
    assert b"Private family matter" not in response.content


def test_room_moderator_cannot_open_someone_outside_their_rooms(client, scene, outsider):
    client.force_login(scene["rita"])
    response = client.get(reverse("moderation:member", args=[outsider.pk]))
    assert response.status_code == 404
    assert b"Outsider note" not in response.content


def test_lift_of_someone_elses_sanction_is_missing_and_reveals_nothing(client, scene, outsider):
    client.force_login(scene["rita"])
    response = client.post(reverse("moderation:lift", args=[scene["theirs"].pk]), {"reason": "probing"})
    assert response.status_code == 404
    assert str(outsider.pk) not in response.get("Location", "")
    assert Sanction.objects.get(pk=scene["theirs"].pk).lifted_at is None


def test_site_moderator_still_sees_everything(client, scene, moderator, alumnus, outsider):
    client.force_login(moderator)
    response = client.get(reverse("moderation:member", args=[alumnus.pk]))
    assert sorted(s.pk for s in response.context["sanctions"]) == sorted([scene["here"].pk, scene["there"].pk])
    assert client.get(reverse("moderation:member", args=[outsider.pk])).status_code == 200
