"""community.prepared: a hot-path read compiled once gives what the ORM gives."""

import threading
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from community.models import User
from community.prepared import Prepared
from groups.consumers import MEMBER_IN_ROOM
from groups.models import Membership, Room


def _values(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_member_in_room_is_the_orm_row_with_its_user_and_room(room, alumnus, django_assert_num_queries):
    Membership.objects.filter(room=room, user=alumnus).update(
        muted_until=timezone.now() + timedelta(minutes=5), last_read_message_id=7
    )
    Room.objects.filter(pk=room.pk).update(slow_mode_seconds=30, is_locked=True)
    orm = Membership.objects.select_related("user", "room").get(user=alumnus, room=room)
    MEMBER_IN_ROOM.first(alumnus.pk, room.pk)  # compiled on the first call
    with django_assert_num_queries(1):
        fast = MEMBER_IN_ROOM.first(alumnus.pk, room.pk)
        assert isinstance(fast, Membership)
        assert fast.pk == orm.pk
        # Every column, converted as the ORM converts it (aware datetimes,
        # booleans, JSON), and the related rows with no further query.
        assert _values(fast) == _values(orm)
        assert _values(fast.user) == _values(orm.user)
        assert _values(fast.room) == _values(orm.room)
        assert fast.room.is_locked is True
        assert fast.muted_until.tzinfo is not None
    assert fast._state.adding is False
    assert fast._state.db == "default"
    fast.last_read_message_id = 9
    fast.save(update_fields=["last_read_message_id"])  # a normal instance: it saves
    assert Membership.objects.get(pk=fast.pk).last_read_message_id == 9


def test_new_values_each_call_and_none_when_nothing_matches(room, alumnus, alumnus2, outsider):
    assert MEMBER_IN_ROOM.first(alumnus.pk, room.pk).user == alumnus
    assert MEMBER_IN_ROOM.first(alumnus2.pk, room.pk).user == alumnus2
    assert MEMBER_IN_ROOM.first(outsider.pk, room.pk) is None
    assert MEMBER_IN_ROOM.all(outsider.pk, room.pk) == []


def test_arguments_must_be_ids(room, alumnus):
    with pytest.raises(TypeError):
        MEMBER_IN_ROOM.first(str(alumnus.pk), room.pk)
    with pytest.raises(TypeError):
        MEMBER_IN_ROOM.first(alumnus.pk)


def test_a_builder_that_does_not_use_its_argument_as_given_fails_loudly(db):
    # The stand-in is turned into another value: there is no place to put a real id in.
    shifted = Prepared(lambda pk: User.objects.filter(pk=pk + 1))
    with pytest.raises(ValueError, match="must appear as given"):
        shifted.first(1)


def test_a_fixed_value_equal_to_a_stand_in_is_refused(db):
    from community import prepared

    # A constant that happens to equal the stand-in would be taken for the
    # argument and overwritten: refused when the statement is compiled.
    clash = Prepared(lambda pk: User.objects.filter(Q(pk=pk) | Q(pk=prepared._STAND_IN)))
    with pytest.raises(ValueError, match="changes with its arguments"):
        clash.first(1)


def test_an_argument_used_twice_fills_both_places(alumnus, alumnus2, outsider):
    from groups.models import Block

    twice = Prepared(lambda pk: Block.objects.filter(Q(blocker_id=pk) | Q(blocked_id=pk)).order_by("pk"))
    one = Block.objects.create(blocker=alumnus, blocked=alumnus2)
    two = Block.objects.create(blocker=outsider, blocked=alumnus)
    assert [b.pk for b in twice.all(alumnus.pk)] == [one.pk, two.pk]
    assert [b.pk for b in twice.all(alumnus2.pk)] == [one.pk]


@pytest.mark.django_db(transaction=True)
def test_each_thread_uses_its_own_connection(room, alumnus):
    found = []

    def read():
        from django.db import connection

        try:
            found.append(MEMBER_IN_ROOM.first(alumnus.pk, room.pk))
        finally:
            connection.close()

    MEMBER_IN_ROOM.first(alumnus.pk, room.pk)
    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert [m.user_id for m in found] == [alumnus.pk]


def test_prepared_insert_stores_what_save_stores(room, alumnus):
    from django.db import IntegrityError, transaction
    from django.db.models.signals import post_save, pre_save

    from community.prepared import PreparedInsert
    from groups.models import Message

    # It skips the model signals: none may be connected to Message.
    for signal in (pre_save, post_save):
        assert not signal.has_listeners(Message)
    insert = PreparedInsert(Message)
    when = timezone.now()
    fields = {"room": room, "author": alumnus, "body": "b", "html": "<p>b</p>", "created_at": when, "seq": 3}
    by_save = Message.objects.create(**fields)
    fast = insert.save_new(Message(**{**fields, "seq": 4}))
    assert isinstance(fast.pk, int)
    assert fast.pk > by_save.pk
    assert fast._state.adding is False
    stored = {m.pk: _values(m) for m in Message.objects.filter(pk__in=[by_save.pk, fast.pk])}
    a, b = stored[by_save.pk], stored[fast.pk]
    for differs in ("id", "client_id", "seq"):  # its own id, default uuid; the unique seq
        a.pop(differs)
        b.pop(differs)
    assert a == b
    # The unique constraint answers as it does for save().
    with pytest.raises(IntegrityError), transaction.atomic():
        insert.save_new(Message(**{**fields, "client_id": fast.client_id, "seq": 5}))
    with pytest.raises(ValueError, match="new, unsaved"):
        insert.save_new(fast)


def test_string_arguments_are_parameters(room, alumnus):
    from groups.consumers import MEMBERSHIP_BY_SLUG

    found = MEMBERSHIP_BY_SLUG.first(alumnus.pk, room.slug)
    assert found.room == room
    assert found.user_id == alumnus.pk
    assert MEMBERSHIP_BY_SLUG.first(alumnus.pk, "anxiety' OR '1'='1") is None
    assert MEMBERSHIP_BY_SLUG.first(alumnus.pk, "") is None
    with pytest.raises(TypeError):
        MEMBERSHIP_BY_SLUG.first(alumnus.pk, 5)


def test_querysets_it_cannot_reproduce_are_refused(db):
    from django.db.models import Count

    from groups.models import Message

    for build in (
        lambda pk: User.objects.filter(pk=pk).annotate(n=Count("memberships")),
        lambda pk: User.objects.filter(pk=pk).prefetch_related("memberships"),
        lambda pk: User.objects.filter(pk=pk).extra(select={"one": "1"}),
        lambda pk: User.objects.filter(pk=pk).values("id"),
        lambda pk: User.objects.filter(pk=pk).annotate(n=Count("memberships")).values_list("id", "n"),
        lambda pk: Message.objects.for_frames().filter(pk=pk),
    ):
        with pytest.raises(ValueError, match="only plain model querysets"):
            Prepared(build).first(1)


def test_a_family_reads_a_list_of_ids_with_one_query_per_chunk(room, alumnus, alumnus2, django_assert_num_queries):
    from community.prepared import PreparedFamily

    family = PreparedFamily(lambda *pks: Membership.objects.filter(pk__in=pks).order_by("pk"), chunk=2)
    pks = list(Membership.objects.order_by("pk").values_list("pk", flat=True))
    assert len(pks) >= 2
    expected = [_values(m) for m in Membership.objects.filter(pk__in=pks).order_by("pk")]
    with django_assert_num_queries((len(pks) + 1) // 2):
        found = family.all(pks)
    assert sorted((_values(m) for m in found), key=lambda v: v["id"]) == expected
    assert family.all([]) == []
    assert [m.pk for m in family.all([pks[0]])] == [pks[0]]


def test_a_family_of_pairs_reads_each_pair(room, alumnus, alumnus2, outsider):
    from community.prepared import PreparedFamily
    from groups.consumers import MEMBERS_IN_ROOMS

    other = Room.objects.create(name="Other", slug="other-pairs", kind=Room.Kind.TOPIC)
    Membership.objects.create(room=other, user=alumnus2)
    pairs = [(alumnus.pk, room.pk), (alumnus2.pk, other.pk), (outsider.pk, room.pk), (alumnus.pk, other.pk)]
    found = {(m.user_id, m.room_id): m for m in MEMBERS_IN_ROOMS.all(pairs)}
    # Only the pairs that are memberships, each with its own user and room.
    assert set(found) == {(alumnus.pk, room.pk), (alumnus2.pk, other.pk)}
    assert found[(alumnus2.pk, other.pk)].room.slug == "other-pairs"
    assert found[(alumnus.pk, room.pk)].user.display_name == alumnus.display_name
    with pytest.raises(TypeError):
        PreparedFamily(lambda *a: Membership.objects.filter(pk__in=a), per_item=2).all([(1,)])


def test_insert_many_gives_each_row_its_own_id_in_order(room, alumnus, alumnus2):
    from community.prepared import PreparedInsert
    from groups.models import Message

    insert = PreparedInsert(Message)
    when = timezone.now()
    rows = [
        Message(room=room, author=author, body=f"b{i}", html=f"<p>b{i}</p>", created_at=when, seq=10 + i)
        for i, author in enumerate([alumnus, alumnus2, alumnus, alumnus2, alumnus])
    ]
    saved = insert.save_new_many(rows)
    assert saved == rows
    assert [m.pk for m in rows] == sorted(m.pk for m in rows)
    for m in rows:
        stored = Message.objects.get(pk=m.pk)
        assert (stored.body, stored.seq, stored.author_id) == (m.body, m.seq, m.author_id)
        assert m._state.adding is False
    with pytest.raises(ValueError, match="new, unsaved"):
        insert.save_new_many([rows[0], Message(room=room, author=alumnus, body="x", html="", created_at=when)])


def test_values_list_gives_what_the_orm_gives(room, alumnus, alumnus2, outsider):
    in_room = lambda pk: Membership.objects.filter(room_id=pk).order_by("pk")  # noqa: E731
    pairs = Prepared(lambda pk: in_room(pk).values_list("user_id", "joined_at"))
    flat = Prepared(lambda pk: in_room(pk).values_list("user_id", flat=True))
    orm = Membership.objects.filter(room_id=room.pk).order_by("pk")
    assert pairs.all(room.pk) == list(orm.values_list("user_id", "joined_at"))
    assert pairs.all(room.pk)[0][1].tzinfo is not None  # converted as the ORM converts it
    assert flat.all(room.pk) == list(orm.values_list("user_id", flat=True))
    assert flat.all(10**9) == []


def test_a_padded_family_with_fixed_arguments(room, alumnus, alumnus2, outsider, django_assert_num_queries):
    from community.prepared import PreparedFamily

    in_room = PreparedFamily(
        lambda room_id, *users: Membership.objects.filter(room_id=room_id, user_id__in=users).values_list(
            "user_id", flat=True
        ),
        lead=(int,),
        pad=True,
        chunk=4,
    )
    ids = [alumnus.pk, alumnus2.pk, outsider.pk]
    members = set(Membership.objects.filter(room=room, user_id__in=ids).values_list("user_id", flat=True))
    with django_assert_num_queries(1):
        assert set(in_room.all(ids, room.pk)) == members
    # Three ids were padded to four: lengths 3 and 4 share one statement.
    assert set(in_room._by_length) == {4}
    with django_assert_num_queries(2):  # five ids: a chunk of four and one of one
        assert set(in_room.all([*ids, 10**9, alumnus.pk], room.pk)) == members
    assert set(in_room._by_length) == {1, 4}
    assert in_room.all([], room.pk) == []
    with pytest.raises(TypeError):
        in_room.all(ids)  # the fixed argument is missing
    strings = PreparedFamily(lambda *slugs: Room.objects.filter(slug__in=slugs).values_list("pk", flat=True), item=str)
    assert strings.all([room.slug, "no-such-room"]) == [room.pk]
