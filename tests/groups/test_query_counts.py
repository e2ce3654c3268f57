"""The storing path and the read marker at fixed query counts (no N+1)."""

import uuid

import pytest

from groups import actions


def _post(alumnus, room, body="hello"):
    return actions.post_message(author=alumnus, room=room, body=body, client_id=uuid.uuid4())


def _under_lock(queries):
    """The statements from the one that takes the room's lock (the seq update)
    to the end of the transaction (its commit, or in a test the savepoint's
    release)."""
    sql = [q["sql"] for q in queries]
    start = next(i for i, q in enumerate(sql) if q.startswith("UPDATE") and "last_seq" in q and "RETURNING" in q)
    end = next(i for i in range(start, len(sql)) if sql[i].startswith(("RELEASE SAVEPOINT", "COMMIT")))
    return sql[start:end]


@pytest.mark.parametrize("earlier", [1, 3])
def test_post_message_costs_the_same_however_busy_the_room(room, alumnus, alumnus2, earlier, django_assert_num_queries):
    for i in range(earlier):
        _post(alumnus2, room, f"earlier {i}")
    _post(alumnus, room, "warms the word lists' cache")
    # Before the lock: 1 the author's membership (the checks, the rate limit,
    # the word lists and the crisis detector need no query). The transaction:
    # 2 savepoint (BEGIN outside a test), 3 the room's seq and activity time
    # in one statement, which takes the lock, 4 the membership again under
    # the lock (a mute or ban that committed meanwhile counts), 5 the insert,
    # 6 the author's read marker, 7 release (COMMIT). No query for the stored
    # copy, the new message's reactions or mentions nobody wrote.
    with django_assert_num_queries(7) as captured:
        _post(alumnus, room, "see you all at the thursday meetup")
    assert len(_under_lock(captured.captured_queries)) == 4


def test_the_socket_reads_user_room_and_membership_in_one_query(room, alumnus, django_assert_num_queries):
    from groups.consumers import _send

    _post(alumnus, room, "warms the word lists' cache")
    frame = {"type": "message.send", "body": "on my way", "client_id": str(uuid.uuid4())}
    # 1 the membership with its user and room (the refreshed user and room,
    # and post_message needs no membership query of its own); then post_message's
    # savepoint, seq, membership under the lock, insert, read marker and release.
    with django_assert_num_queries(7):
        _, _, result, stored = _send(alumnus, room.pk, frame)
    assert result.created
    assert stored is None
    assert result.message.body == "on my way"


@pytest.mark.parametrize("members", [2, 6])
def test_a_mention_loads_the_named_member_only(room, alumnus, members, make_members, django_assert_num_queries):
    make_members(room, members)
    _post(alumnus, room, "warms the word lists' cache")
    # 1 membership, 2 the members whose name starts with the @-word, 3
    # savepoint, 4 seq, 5 membership under the lock, 6 insert, 7 read marker,
    # 8 the mention, 9 its notification, 10 release — the same for any size
    # of room.
    with django_assert_num_queries(10, exact=False) as captured:
        result = _post(alumnus, room, "thanks @Extra 1 for the ride")
    assert [m.user.display_name for m in result.message.mentions.select_related("user")] == ["Extra 1"]
    assert not any("Extra 0" in q["sql"] for q in captured.captured_queries)


def test_a_resend_is_found_by_the_constraint_and_changes_nothing(room, alumnus, django_assert_max_num_queries):
    client_id = uuid.uuid4()
    first = actions.post_message(author=alumnus, room=room, body="only once", client_id=client_id)
    seq = type(room).objects.get(pk=room.pk).last_seq
    again = actions.post_message(author=alumnus, room=room, body="only once", client_id=client_id)
    assert not again.created
    assert again.message.pk == first.message.pk
    assert room.messages.filter(client_id=client_id).count() == 1
    # The rolled-back attempt took no seq.
    assert type(room).objects.get(pk=room.pk).last_seq == seq


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


def test_opening_a_room_socket_reads_room_and_membership_together(room, alumnus, django_assert_num_queries):
    from groups.consumers import _load_room

    # 1 the membership with its room, 2 the authors this member blocked.
    with django_assert_num_queries(2):
        loaded, posting, blocked = _load_room(alumnus, room.slug)
    assert loaded == room
    assert posting["denial"] is None
    assert blocked == set()


def test_a_site_moderator_who_never_joined_costs_one_more(room, moderator, django_assert_num_queries):
    from groups.consumers import _load_room

    # 1 no membership, 2 the room by slug, 3 blocks (REQUIRE_MFA_FOR_STAFF is
    # off in tests; on, one more for the authenticator).
    with django_assert_num_queries(3):
        loaded, _, _ = _load_room(moderator, room.slug)
    assert loaded == room


def test_the_room_pages_first_screen_is_the_same_rows_compiled_once(
    room, alumnus, alumnus2, moderator, settings, django_assert_num_queries
):
    """The room page's newest messages come from a statement compiled once
    (queries.NEWEST_MESSAGES): the same messages, with their authors, replies
    and reactions, as the queryset path gives — in two queries."""
    from groups import queries
    from groups.models import Message

    settings.RATE_LIMIT_BURST = 1000
    first = None
    for n in range(queries.PAGE_MESSAGES + 5):
        author = alumnus if n % 2 else alumnus2
        reply_to = first.pk if first is not None and n % 7 == 0 else None
        stored = actions.post_message(
            author=author, room=room, body=f"message {n}", client_id=uuid.uuid4(), reply_to_id=reply_to
        ).message
        first = first or stored
        if n % 5 == 0:
            actions.toggle_reaction(member=alumnus, room=room, message_id=stored.pk, emoji="heart")
        if n % 11 == 3:
            actions.delete_message(actor=moderator, room=room, message_id=stored.pk, reason="test")
    Message.objects.filter(room=room, body="message 40").update(status=Message.Status.HELD)
    queries.messages_before(room, None, limit=queries.PAGE_MESSAGES)  # compiled on first use
    with django_assert_num_queries(2):
        fast, fast_more = queries.messages_before(room, None, limit=queries.PAGE_MESSAGES)
    # An id above every message takes the queryset path to the same rows.
    slow, slow_more = queries.messages_before(room, 10**12, limit=queries.PAGE_MESSAGES)
    assert (fast_more, len(fast)) == (slow_more, queries.PAGE_MESSAGES) == (True, queries.PAGE_MESSAGES)
    as_frames = [queries.message_dict(m, room_slug=room.slug) for m in fast]
    assert as_frames == [queries.message_dict(m, room_slug=room.slug) for m in slow]
    assert any(f["reply_to"] for f in as_frames)
    assert any(f["reactions"] for f in as_frames)
    assert "message 40" not in {f["body"] for f in as_frames}


def test_a_resumes_messages_and_changes_are_the_same_rows_compiled_once(
    room, alumnus, alumnus2, moderator, settings, django_assert_num_queries
):
    """What a resuming socket reads — the messages after its seq and the
    changes to those it holds — comes from statements compiled once
    (queries.MESSAGES_AFTER_SEQ, CHANGED_SINCE): the same rows, removed and
    held ones included, with authors, replies and reactions, as the queryset
    path gives, in two queries each."""
    from groups import queries
    from groups.models import Message

    settings.RATE_LIMIT_BURST = 1000
    first = None
    for n in range(30):
        author = alumnus if n % 2 else alumnus2
        reply_to = first.pk if first is not None and n % 7 == 0 else None
        stored = actions.post_message(
            author=author, room=room, body=f"message {n}", client_id=uuid.uuid4(), reply_to_id=reply_to
        ).message
        first = first or stored
    for n, m in enumerate(Message.objects.filter(room=room).order_by("seq")):
        if n % 5 == 0:
            actions.toggle_reaction(member=alumnus, room=room, message_id=m.pk, emoji="heart")
        if n % 11 == 3:
            actions.delete_message(actor=moderator, room=room, message_id=m.pk, reason="test")
        if n % 9 == 4:
            actions.edit_message(author=m.author, room=room, message_id=m.pk, body=f"edited {n}")
    Message.objects.filter(room=room, body="message 20").update(status=Message.Status.HELD)

    def frames(rows):
        return [queries.message_dict(m, room_slug=room.slug) | {"seq": m.seq, "changed": m.changed} for m in rows]

    queries.messages_after_seq(room, 3, limit=queries.RESUME_BATCH)  # compiled on first use
    queries.changed_since(room, 2, up_to_seq=25, limit=queries.RESUME_CHANGES)
    with django_assert_num_queries(2):
        fast = queries.messages_after_seq(room, 3, limit=queries.RESUME_BATCH)
    with django_assert_num_queries(2):
        fast_changes = queries.changed_since(room, 2, up_to_seq=25, limit=queries.RESUME_CHANGES)
    # Any other limit takes the queryset path, to the same rows.
    slow = queries.messages_after_seq(room, 3, limit=queries.RESUME_BATCH + 1)
    slow_changes = queries.changed_since(room, 2, up_to_seq=25, limit=queries.RESUME_CHANGES + 1)
    assert frames(fast) == frames(slow)
    assert [m.seq for m in fast] == list(range(4, 31))
    assert frames(fast_changes) == frames(slow_changes)
    assert [m.changed for m in fast_changes] == sorted(m.changed for m in fast_changes)
    assert {m.seq for m in fast_changes} <= set(range(1, 26))
    assert len(fast_changes) > 5
    as_frames = frames(fast) + frames(fast_changes)
    assert any(f["reply_to"] for f in as_frames)
    assert any(f["reactions"] for f in as_frames)
    assert any(f["deleted"] for f in as_frames)
    assert any(f["status"] == Message.Status.HELD for f in as_frames)
    assert any(f["edited_at"] for f in as_frames)
