"""Messages stored together (actions.store_posts, used by the socket's send
queue): a run of plain messages shares one transaction and one commit; each
message still gets exactly the outcome it would have had alone, in order."""

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from groups import actions
from groups.actions import moderation
from groups.errors import ChatError
from groups.models import CrisisAlert, Membership, Message, Room

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def broadcasts(monkeypatch):
    """The (group, message body) of every message broadcast, in order."""
    from community import realtime

    sent = []

    def record(group, event):
        if event.get("type") == "frame" and '"type":"message"' in event.get("text", ""):
            sent.append((group, event["text"]))

    monkeypatch.setattr(realtime, "send_now", record)
    return sent


@pytest.fixture
def rooms(room, staff, alumnus, alumnus2):
    """`room` and a second topic room, Alice and Bob in both."""
    other = actions.create_room(creator=staff, name="Sleep", slug="sleep", kind=Room.Kind.TOPIC)
    for member in (alumnus, alumnus2):
        actions.join_room(member=member, room=other)
    return room, other


@pytest.fixture
def commits(monkeypatch):
    """How many times the connection committed."""
    count = [0]
    real = connection.commit

    def counted():
        count[0] += 1
        return real()

    monkeypatch.setattr(connection, "commit", counted)
    return count


def _prepare(author, room, body, client_id=None, **extra):
    return actions.prepare_post(author=author, room=room, body=body, client_id=client_id or uuid.uuid4(), **extra)


def _bodies(room):
    return list(Message.objects.filter(room=room).order_by("seq").values_list("body", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_run_of_plain_messages_is_one_commit_and_keeps_each_rooms_order(settings, rooms, alumnus, alumnus2, commits):
    settings.RATE_LIMIT_BURST = 100
    first, second = rooms
    pendings = [
        _prepare(alumnus, second, "s1"),
        _prepare(alumnus, first, "f1"),
        _prepare(alumnus2, second, "s2"),
        _prepare(alumnus2, first, "f2"),
        _prepare(alumnus, first, "f3"),
    ]
    assert all(p.plain for p in pendings)
    before = commits[0]
    outcomes = actions.store_posts(pendings)
    assert commits[0] - before == 1
    assert [ok for ok, _ in outcomes] == [True] * 5
    assert [result.message.body for _, result in outcomes] == ["s1", "f1", "s2", "f2", "f3"]
    assert all(result.created for _, result in outcomes)
    assert _bodies(first) == ["f1", "f2", "f3"]
    assert _bodies(second) == ["s1", "s2"]
    assert list(Message.objects.filter(room=first).order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]
    # Each author has read their own last message in each room.
    alice_first = Membership.objects.get(room=first, user=alumnus)
    assert alice_first.last_read_message_id == Message.objects.get(body="f3").pk
    assert Membership.objects.get(room=second, user=alumnus2).last_read_message_id == Message.objects.get(body="s2").pk


def test_a_run_costs_four_statements_on_postgresql_and_one_more_per_room_elsewhere(settings, rooms, alumnus, alumnus2):
    """However many plain messages a run holds: the seqs are handed out (and
    the rooms locked) by one statement on PostgreSQL, one per room on
    SQLite; then one read of the authors' memberships under the locks, one
    INSERT of every message, and the read markers (one statement on
    PostgreSQL; one executemany on SQLite). The commit is shared."""
    settings.RATE_LIMIT_BURST = 100
    first, second = rooms
    for count in (2, 8):
        pendings = [
            _prepare(member, r, f"q{count}-{i}")
            for i, (member, r) in enumerate([(alumnus, first), (alumnus2, second)] * (count // 2))
        ]
        with CaptureQueriesContext(connection) as queries:
            outcomes = actions.store_posts(pendings)
        assert all(ok for ok, _ in outcomes)
        statements = [
            q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("BEGIN", "SAVEPOINT", "RELEASE"))
        ]
        assert len(statements) == (4 if connection.vendor == "postgresql" else 2 + 3), statements
    seqs = list(Message.objects.filter(room=first).order_by("id").values_list("seq", "body"))
    assert seqs == [(1, "q2-0"), (2, "q8-0"), (3, "q8-2"), (4, "q8-4"), (5, "q8-6")]
    top = Message.objects.filter(room=second).order_by("-id").first()
    assert (top.body, top.seq) == ("q8-7", 5)
    assert Membership.objects.get(room=second, user=alumnus2).last_read_message_id == top.pk


def test_a_site_moderator_without_membership_posts_in_a_run_and_a_lock_refuses_only_members(
    settings, rooms, alumnus, moderator
):
    """A site moderator who is no member of the room has no membership to
    read again: their message goes in the run; a lock that committed before
    the run refuses the member's message only (the run falls back)."""
    settings.RATE_LIMIT_BURST = 100
    first, second = rooms
    assert not Membership.objects.filter(room=first, user=moderator).exists()
    outcomes = actions.store_posts([_prepare(moderator, first, "mod note"), _prepare(alumnus, second, "hi")])
    assert [ok for ok, _ in outcomes] == [True, True]
    pendings = [_prepare(moderator, first, "still here"), _prepare(alumnus, first, "me too")]
    Room.objects.filter(pk=first.pk).update(is_locked=True)
    outcomes = actions.store_posts(pendings)
    assert outcomes[0][0]
    assert not outcomes[1][0]
    assert outcomes[1][1].code == "locked"
    assert _bodies(first) == ["mod note", "still here"]


def test_a_resent_client_id_in_a_run_answers_with_the_stored_copy_and_the_rest_are_stored(
    settings, room, alumnus, alumnus2
):
    settings.RATE_LIMIT_BURST = 100
    client_id = uuid.uuid4()
    original = actions.post_message(author=alumnus, room=room, body="once", client_id=client_id)
    # The re-send passes its checks (nothing refuses it) and meets the stored
    # copy only at the insert: the run falls back to one transaction each.
    pendings = [
        _prepare(alumnus2, room, "before"),
        _prepare(alumnus, room, "once", client_id=client_id),
        _prepare(alumnus2, room, "after"),
    ]
    outcomes = actions.store_posts(pendings)
    assert [ok for ok, _ in outcomes] == [True, True, True]
    assert [r.created for _, r in outcomes] == [True, False, True]
    assert outcomes[1][1].message.pk == original.message.pk
    assert _bodies(room) == ["once", "before", "after"]
    assert Message.objects.filter(client_id=client_id).count() == 1

    # The re-send gave its rate-limit count back, as alone: with a burst of
    # three, the original and two new messages fit.
    settings.RATE_LIMIT_BURST = 3
    assert actions.post_message(author=alumnus, room=room, body="two", client_id=uuid.uuid4()).created
    assert actions.post_message(author=alumnus, room=room, body="three", client_id=uuid.uuid4()).created


def test_a_mute_committed_before_the_run_refuses_only_that_message(settings, room, alumnus, alumnus2, moderator):
    settings.RATE_LIMIT_BURST = 100
    pendings = [_prepare(alumnus2, room, "bob 1"), _prepare(alumnus, room, "alice"), _prepare(alumnus2, room, "bob 2")]
    # The moderator acts after the checks and before the lock.
    moderation.mute_member(moderator=moderator, member=alumnus, room=room, minutes=10, reason="cool off")
    seq = Room.objects.get(pk=room.pk).last_seq
    outcomes = actions.store_posts(pendings)
    assert outcomes[0][0]
    assert outcomes[2][0]
    ok, error = outcomes[1]
    assert not ok
    assert isinstance(error, ChatError)
    assert error.code == "muted"
    assert _bodies(room) == ["bob 1", "bob 2"]
    assert Room.objects.get(pk=room.pk).last_seq == seq + 2  # no seq was spent on the refused one


def test_a_crisis_message_is_stored_alone_in_its_place(settings, room, alumnus, alumnus2, moderator, commits):
    settings.RATE_LIMIT_BURST = 100
    pendings = [
        _prepare(alumnus2, room, "hello all"),
        _prepare(alumnus, room, "I want to kill myself tonight"),
        _prepare(alumnus2, room, "how was your week"),
        _prepare(alumnus2, room, "anyone around?"),
    ]
    assert [p.plain for p in pendings] == [True, False, True, True]
    outcomes = actions.store_posts(pendings)
    assert all(ok for ok, _ in outcomes)
    assert _bodies(room) == ["hello all", "I want to kill myself tonight", "how was your week", "anyone around?"]
    crisis = outcomes[1][1]
    assert crisis.message.crisis_level == "crisis"
    assert [frame["type"] for frame in crisis.private_frames] == ["crisis.resources"]
    assert CrisisAlert.objects.filter(member=alumnus, message=crisis.message).exists()


def test_messages_that_notify_or_wait_are_not_plain(settings, room, alumnus, alumnus2, staff):
    settings.RATE_LIMIT_BURST = 100
    actions.add_watched_word(staff=staff, word="casino", action="flag")
    actions.add_watched_word(staff=staff, word="pills4sale", action="hold")
    assert _prepare(alumnus, room, "an ordinary evening").plain
    assert not _prepare(alumnus, room, "went past the casino").plain  # files a report
    assert not _prepare(alumnus, room, "pills4sale here").plain  # waits for a moderator
    assert not _prepare(alumnus, room, "I relapsed last night and I feel so ashamed").plain  # the support card
    mention = _prepare(alumnus, room, "hi @Bob")
    assert mention.draft.mentioned
    assert not mention.plain
    # A two-person conversation's message tells the other person (by kind).
    conversation = _prepare(alumnus, room, "plain words")
    conversation.room.kind = Room.Kind.DIRECT
    assert not conversation.plain
    conversation.notify_conversation = False
    assert conversation.plain


def test_read_markers_written_together_answer_in_their_own_order(room, alumnus, alumnus2, staff):
    messages = [
        actions.post_message(author=staff, room=room, body=f"m{i}", client_id=uuid.uuid4()).message for i in range(2)
    ]
    outsider_room = Room.objects.create(name="Elsewhere", slug="elsewhere", kind=Room.Kind.TOPIC)
    markers = [
        (alumnus2.pk, room.pk, messages[1].pk),
        (alumnus.pk, outsider_room.pk, messages[0].pk),  # no membership there
        (alumnus.pk, room.pk, messages[0].pk),
    ]
    assert actions.mark_read_many(markers) == [True, False, True]
    assert Membership.objects.get(room=room, user=alumnus2).last_read_message_id == messages[1].pk
    assert Membership.objects.get(room=room, user=alumnus).last_read_message_id == messages[0].pk


@pytest.mark.django_db(transaction=True)
def test_runs_in_opposite_room_order_and_read_markers_never_deadlock(settings, monkeypatch, rooms, alumnus, alumnus2):
    """Two processes' send queues store runs that name the same rooms in
    opposite orders while a read-marker batch writes the same memberships:
    rooms are locked in id order and markers written in (room, member) order,
    so none of them waits on another in a cycle (PostgreSQL would break the
    cycle after a second by failing one, and its run would fall back)."""
    import threading

    from django.db import connections

    from groups.actions import messages

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (runs in the suite's PostgreSQL pass)")
    settings.RATE_LIMIT_BURST = 10_000
    first, second = rooms
    fallbacks, errors = [], []
    real = messages._commit_post
    monkeypatch.setattr(messages, "_commit_post", lambda p: fallbacks.append(p) or real(p))
    barrier = threading.Barrier(3)

    def sender(order):
        try:
            barrier.wait()
            for i in range(25):
                pendings = [
                    _prepare(alumnus if n % 2 else alumnus2, r, f"{r.slug} {i} {n}") for n, r in enumerate(order)
                ]
                outcomes = actions.store_posts(pendings)
                errors.extend(value for ok, value in outcomes if not ok)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def reader():
        try:
            barrier.wait()
            for _ in range(25):
                top = Message.objects.order_by("-id").values_list("id", flat=True).first() or 1
                actions.mark_read_many(
                    [(alumnus2.pk, second.pk, top), (alumnus.pk, first.pk, top), (alumnus.pk, second.pk, top)]
                )
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=sender, args=([first, second, first, second],)),
        threading.Thread(target=sender, args=([second, first, second, first],)),
        threading.Thread(target=reader),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert fallbacks == []
    assert Message.objects.count() == 2 * 25 * 4
    for r in rooms:
        seqs = list(Message.objects.filter(room=r).order_by("id").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))


@pytest.mark.django_db(transaction=True)
def test_each_stored_message_is_broadcast_once_after_commit_also_when_a_run_falls_back(
    settings, rooms, alumnus, alumnus2, broadcasts
):
    settings.RATE_LIMIT_BURST = 100
    first, second = rooms
    resent = actions.post_message(author=alumnus, room=first, body="stored before", client_id=uuid.uuid4())
    broadcasts.clear()
    together = [_prepare(alumnus, first, "t1"), _prepare(alumnus2, second, "t2")]
    actions.store_posts(together)
    falling_back = [
        _prepare(alumnus2, second, "f1"),
        _prepare(alumnus, first, "stored before", client_id=resent.message.client_id),
        _prepare(alumnus, first, "f2"),
    ]
    actions.store_posts(falling_back)
    bodies = [
        next(b for b in ("t1", "t2", "f1", "f2", "stored before") if f'"body":"{b}"' in text) for _, text in broadcasts
    ]
    assert sorted(bodies) == ["f1", "f2", "t1", "t2"]  # once each; the re-send is not announced again
    assert [g for g, text in broadcasts if '"body":"f1"' in text] == [second.group_name]


@pytest.mark.django_db(transaction=True)
def test_a_failing_broadcast_after_the_commit_neither_unstores_the_run_nor_silences_the_others(
    settings, monkeypatch, rooms, alumnus, alumnus2
):
    from community import realtime

    settings.RATE_LIMIT_BURST = 100
    first, second = rooms
    heard = []

    def flaky(group, event):
        if group == first.group_name:
            raise RuntimeError("channel layer away")
        heard.append(group)

    monkeypatch.setattr(realtime, "send_now", flaky)
    outcomes = actions.store_posts([_prepare(alumnus, first, "a"), _prepare(alumnus2, second, "b")])
    assert [(ok, result.created) for ok, result in outcomes] == [(True, True), (True, True)]
    assert heard == [second.group_name]
    assert Message.objects.filter(body__in=["a", "b"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_resend_refused_by_its_checks_in_the_batch_of_its_original_gets_the_stored_copy(settings, room, alumnus):
    """The outbox re-sent on a new socket lands in the same batch as the
    original: the re-send (refused here by the burst of one) answers with
    the copy the original just stored, as it would have a moment later."""
    from groups import consumers

    settings.RATE_LIMIT_BURST = 1
    frame = {"type": "message.send", "body": "only once", "client_id": str(uuid.uuid4())}
    outcomes = consumers._send_many([(alumnus, room.pk, frame), (alumnus, room.pk, dict(frame))])
    assert [ok for ok, _ in outcomes] == [True, True]
    (_, _, first, _), (_, _, again, stored) = (value for _, value in outcomes)
    assert first.created
    assert not again.created
    assert again.message.pk == first.message.pk
    assert stored["id"] == first.message.pk
    assert Message.objects.filter(body="only once").count() == 1


def _send_frame(body):
    return {"type": "message.send", "body": body, "client_id": str(uuid.uuid4())}


def test_a_batch_of_sends_reads_the_same_however_many_it_holds(settings, rooms, alumnus, alumnus2):
    """The socket's batch (consumers._send_many) reads every sender's
    membership, user and room in one query and stores the run in four
    statements (PostgreSQL) or one per room and three more (SQLite): its
    statements do not grow with its size."""
    from groups import consumers

    settings.RATE_LIMIT_BURST = 100
    first, second = rooms
    counts = []
    for size in (3, 4, 12):  # the first fills the word lists' cache
        items = [
            (member, r.pk, _send_frame(f"{size}-{i}"))
            for i, (member, r) in enumerate([(alumnus, first), (alumnus2, second), (alumnus2, first)] * (size // 3 + 1))
        ][:size]
        with CaptureQueriesContext(connection) as queries:
            outcomes = consumers._send_many(items)
        assert [ok for ok, _ in outcomes] == [True] * size
        assert [value[2].message.body for _, value in outcomes] == [frame["body"] for *_, frame in items]
        counts.append(len([q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]))
    # The membership read, the seqs of two rooms (one statement on
    # PostgreSQL, one per room on SQLite), the re-read under the locks, the
    # INSERT, the read markers.
    assert counts[1:] == ([5, 5] if connection.vendor == "postgresql" else [6, 6]), counts


def test_a_batch_refuses_what_sends_one_by_one_would_refuse(settings, rooms, alumnus, alumnus2, outsider, moderator):
    """The send limit counted for the whole batch at once, a refused sender
    (no member) and a site moderator who is no member, mixed: each send gets
    the answer it gets alone, in order."""
    from groups import consumers

    settings.RATE_LIMIT_BURST = 2
    settings.RATE_LIMIT_PER_SECOND = 0.01
    first, _second = rooms
    plan = [alumnus, outsider, alumnus, moderator, alumnus, alumnus2, alumnus2, alumnus2, alumnus]
    outcomes = consumers._send_many([(who, first.pk, _send_frame(f"m{i}")) for i, who in enumerate(plan)])
    answers = ["ok" if ok else getattr(value, "code", type(value).__name__) for ok, value in outcomes]
    assert answers == ["ok", "forbidden", "ok", "ok", "rate_limited", "ok", "ok", "rate_limited", "rate_limited"]
    assert _bodies(first) == ["m0", "m2", "m3", "m5", "m6"]


def test_sends_refused_before_the_limit_are_not_counted_in_the_batch(
    settings, monkeypatch, room, alumnus, alumnus2, moderator
):
    """A muted member's burst never reaches the send limit: the batch counts
    only the sends that will (so nothing of it weighs on their sends
    elsewhere, even for the moment until the batch settles)."""
    from community import ratelimit
    from groups import consumers

    settings.RATE_LIMIT_BURST = 100
    moderation.mute_member(moderator=moderator, member=alumnus, room=room, minutes=10, reason="cool off")
    keys = []
    real = ratelimit.Batch.__init__

    def recorded(self, keys_, **kwargs):
        keys.append(list(keys_))
        real(self, keys_, **kwargs)

    monkeypatch.setattr(ratelimit.Batch, "__init__", recorded)
    items = [(alumnus, room.pk, _send_frame(f"m{i}")) for i in range(4)] + [(alumnus2, room.pk, _send_frame("bob"))]
    outcomes = consumers._send_many(items)
    assert [getattr(value, "code", "ok") if not ok else "ok" for ok, value in outcomes] == ["muted"] * 4 + ["ok"]
    assert keys == [[f"send:{alumnus2.pk}"]]


def test_a_failed_batch_read_leaves_each_send_to_read_its_own(settings, monkeypatch, rooms, alumnus, alumnus2):
    from groups import consumers

    settings.RATE_LIMIT_BURST = 100
    first, second = rooms

    def broken(pairs):
        raise RuntimeError("compile failed")

    monkeypatch.setattr(consumers.MEMBERS_IN_ROOMS, "all", broken)
    outcomes = consumers._send_many([(alumnus, first.pk, _send_frame("a")), (alumnus2, second.pk, _send_frame("b"))])
    assert [ok for ok, _ in outcomes] == [True, True]
    assert _bodies(first) == ["a"]
    assert _bodies(second) == ["b"]


def test_seqs_for_several_rooms_match_one_room_at_a_time(rooms, staff):
    """messages._take_seqs (one statement on PostgreSQL) hands out what
    _take_seq would room by room: each room's seq moves by its count, its
    activity time only forward, and its lock is read as it is now; a room
    that is gone fails the whole call."""
    from datetime import timedelta

    from django.utils import timezone

    from groups.actions import messages

    first, second = rooms
    Room.objects.filter(pk=second.pk).update(is_locked=True)
    later = timezone.now() + timedelta(hours=1)
    Room.objects.filter(pk=first.pk).update(last_seq=7, last_message_at=later)
    Room.objects.filter(pk=second.pk).update(last_seq=0, last_message_at=None)
    now = timezone.now()
    with transaction.atomic():
        taken = messages._take_seqs({second.pk: 3, first.pk: 2}, now)
    assert taken == {first.pk: (9, False), second.pk: (3, True)}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.last_seq, first.last_message_at) == (9, later)  # never moved back
    assert (second.last_seq, second.last_message_at) == (3, now)
    with pytest.raises(Room.DoesNotExist), transaction.atomic():
        messages._take_seqs({first.pk: 1, 999_999: 1}, now)
    first.refresh_from_db()
    assert first.last_seq == 9  # rolled back with the failure


def test_read_markers_of_a_run_move_forward_only(rooms, alumnus, alumnus2, staff):
    """messages._forward_markers (one statement on PostgreSQL) moves each
    marker to its message, never back."""
    from groups.actions import messages

    first, second = rooms
    a = Membership.objects.get(room=first, user=alumnus)
    b = Membership.objects.get(room=second, user=alumnus2)
    Membership.objects.filter(pk=a.pk).update(last_read_message_id=50)
    Membership.objects.filter(pk=b.pk).update(last_read_message_id=50)
    with transaction.atomic():
        messages._forward_markers([(40, 40, a.pk), (60, 60, b.pk)])  # (room, member) order: first, then second
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.last_read_message_id, b.last_read_message_id) == (50, 60)
