"""The storing path and the read marker at fixed query counts (no N+1)."""

import uuid

import pytest

from groups import actions


def _post(alumnus, room, body="hello"):
    return actions.post_message(author=alumnus, room=room, body=body, client_id=uuid.uuid4())


@pytest.mark.parametrize("earlier", [1, 3])
def test_post_message_costs_the_same_however_busy_the_room(room, alumnus, alumnus2, earlier, django_assert_num_queries):
    for i in range(earlier):
        _post(alumnus2, room, f"earlier {i}")
    _post(alumnus, room, "warms the word lists' cache")
    # 1 is this client_id stored already (per author and room), 2 savepoint,
    # 3 the room's row lock, 4 the author's membership, 5 savepoint for the
    # insert, 6 read and 7 advance the room's seq, 8 insert, 9 release,
    # 10 room activity time, 11 the author's read marker, 12 reactions for the
    # frame (prefetched onto the new row), 13 release.
    with django_assert_num_queries(13):
        _post(alumnus, room, "see you all at the thursday meetup")


@pytest.mark.parametrize("members", [1, 3])
def test_read_marker_is_one_query(room, alumnus, members, django_assert_num_queries, make_members):
    make_members(room, members)
    message = _post(alumnus, room).message
    # 1 the conditional update of this member's marker (never moves back).
    with django_assert_num_queries(1):
        actions.mark_read(member=alumnus, room=room, message_id=message.pk)


@pytest.fixture
def make_members(db):
    from tests.conftest import make_member

    def make(room, count):
        for i in range(count):
            member = make_member(f"extra{i}@example.org", f"Extra {i}")
            actions.join_room(member=member, room=room)

    return make
