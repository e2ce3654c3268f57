"""Room directory, room page, join/leave/guidelines, create, search."""

import uuid

import pytest
from django.urls import reverse

from groups import actions, queries
from groups.models import Membership, Message, Room


def post_as(user, room, body):
    return actions.post_message(author=user, room=room, body=body, client_id=uuid.uuid4()).message


@pytest.fixture
def three_rooms(room, staff, alumnus):
    rooms = [room]
    for name in ("Family", "Evenings"):
        extra = actions.create_room(creator=staff, name=name)
        actions.join_room(member=alumnus, room=extra)
        post_as(alumnus, extra, "hello")
        rooms.append(extra)
    return rooms


def test_directory_with_one_room(client, room, alumnus, django_assert_num_queries):
    client.force_login(alumnus)
    # 1 session, 2 user, 3 their rooms with unread counts, 4 count of rooms to
    # join (none: no page of them is read), 5 unread notification count
    with django_assert_num_queries(5):
        response = client.get(reverse("groups:directory"))
    assert response.status_code == 200
    assert [r.slug for r in response.context["rooms"]] == ["anxiety"]


def test_directory_with_three_rooms_costs_the_same(client, three_rooms, alumnus, django_assert_num_queries):
    client.force_login(alumnus)
    with django_assert_num_queries(5):
        response = client.get(reverse("groups:directory"))
    assert sorted(r.slug for r in response.context["rooms"]) == ["anxiety", "evenings", "family"]


def test_directory_counts_unread_messages_from_others(client, room, alumnus, alumnus2):
    post_as(alumnus, room, "mine does not count")
    post_as(alumnus2, room, "one")
    post_as(alumnus2, room, "two")
    client.force_login(alumnus)
    rooms = client.get(reverse("groups:directory")).context["rooms"]
    assert [r.unread for r in rooms] == [2]


def test_directory_counts_nothing_in_rooms_the_member_left_or_never_joined(client, room, alumnus, alumnus2, outsider):
    actions.leave_room(member=alumnus, room=room)
    post_as(alumnus2, room, "one")
    for member in (alumnus, outsider):
        client.force_login(member)
        response = client.get(reverse("groups:directory"))
        assert [(r.slug, r.my_membership_id, r.unread) for r in response.context["rooms"]] == [("anxiety", None, 0)]
        assert '<span class="visually-hidden"> unread</span>' not in response.content.decode()


def test_directory_links_open_for_members_and_join_for_others(client, room, staff, alumnus, outsider):
    private = actions.create_room(creator=staff, name="Quiet corner", kind=Room.Kind.PRIVATE)
    actions.invite_to_private_room(moderator=staff, room=private, member=alumnus)
    open_url, join_url = reverse("groups:room", args=["anxiety"]), reverse("groups:join", args=["anxiety"])

    client.force_login(alumnus)
    html = client.get(reverse("groups:directory")).content.decode()
    assert f'<a class="button secondary" href="{open_url}">Open' in html
    assert f'href="{reverse("groups:room", args=[private.slug])}">Open' in html
    assert join_url not in html

    client.force_login(outsider)
    html = client.get(reverse("groups:directory")).content.decode()
    assert f'<h3><a href="{open_url}">Anxiety</a></h3>' in html
    assert f'<form method="post" action="{join_url}">' in html
    assert "Quiet corner" not in html
    assert private.slug not in html


def test_directory_hides_rooms_the_member_may_not_see(client, room, staff, cohort, other_cohort, outsider):
    actions.create_room(creator=staff, name="Spring", kind=Room.Kind.COHORT, cohort=cohort)
    actions.create_room(creator=staff, name="Moderators", kind=Room.Kind.STAFF)
    client.force_login(outsider)
    response = client.get(reverse("groups:directory"))
    assert [r.slug for r in response.context["rooms"]] == ["anxiety"]
    assert b"Spring" not in response.content
    assert b"Moderators" not in response.content


@pytest.fixture
def thirty_rooms(staff):
    """Thirty topic rooms besides "anxiety", named so their order is known."""
    return [
        Room.objects.create(name=f"Circle {i:02d}", slug=f"circle-{i:02d}", kind=Room.Kind.TOPIC, created_by=staff)
        for i in range(30)
    ]


def test_directory_shows_all_of_mine_and_a_page_of_the_rest(client, room, thirty_rooms, alumnus, outsider):
    from groups.views import ROOMS_PER_PAGE

    mine = thirty_rooms[5:8]
    for r in mine:
        actions.join_room(member=alumnus, room=r)
    client.force_login(alumnus)
    response = client.get(reverse("groups:directory"))
    # Every room of theirs ("anxiety" too), then the first page of the others.
    assert [r.slug for r in response.context["mine"]] == ["anxiety", *(r.slug for r in mine)]
    to_join = [r.slug for r in thirty_rooms if r not in mine]
    assert [r.slug for r in response.context["others"]] == to_join[:ROOMS_PER_PAGE]
    html = response.content.decode()
    assert '<nav class="pagination" aria-label="Pages of rooms to join">' in html
    assert f"Page 1 of {-(-len(to_join) // ROOMS_PER_PAGE)}" in html
    assert 'href="?page=2" rel="next"' in html

    second = client.get(reverse("groups:directory"), {"page": 2})
    assert [r.slug for r in second.context["mine"]] == ["anxiety", *(r.slug for r in mine)]
    assert [r.slug for r in second.context["others"]] == to_join[ROOMS_PER_PAGE:]
    # A page number that is not one gives the first page; past the end, the last.
    assert client.get(reverse("groups:directory"), {"page": "x"}).context["others"] == response.context["others"]
    assert [r.slug for r in client.get(reverse("groups:directory"), {"page": 99}).context["others"]] == to_join[
        ROOMS_PER_PAGE:
    ]


def test_directory_costs_the_same_on_any_page(client, room, thirty_rooms, outsider, django_assert_num_queries):
    client.force_login(outsider)
    # 1 session, 2 user, 3 their rooms, 4 count and 5 page of rooms to join,
    # 6 unread notification count
    for page in (1, 2):
        with django_assert_num_queries(6):
            response = client.get(reverse("groups:directory"), {"page": page})
        assert response.context["others"]


def test_directory_finds_rooms_to_join_by_name_or_topic(client, room, thirty_rooms, alumnus, outsider):
    Room.objects.filter(pk=thirty_rooms[3].pk).update(description="For early mornings and sleep trouble.")
    actions.join_room(member=alumnus, room=thirty_rooms[1])
    client.force_login(alumnus)
    found = client.get(reverse("groups:directory"), {"q": "  CIRCLE 0 "})
    # Case does not matter, spaces around the words are dropped; only rooms
    # to join are listed under the filter, "Your rooms" stays whole.
    assert [r.slug for r in found.context["others"]] == [f"circle-{i:02d}" for i in range(10) if i != 1]
    assert [r.slug for r in found.context["mine"]] == ["anxiety", "circle-01"]
    html = found.content.decode()
    assert "9 rooms to join match “CIRCLE 0”." in html
    assert 'value="  CIRCLE 0 "' in html  # what they typed, to change

    by_topic = client.get(reverse("groups:directory"), {"q": "sleep"})
    assert [r.slug for r in by_topic.context["others"]] == ["circle-03"]

    none = client.get(reverse("groups:directory"), {"q": "knitting"})
    assert none.context["others"] == []
    assert "No room to join matches “knitting”." in none.content.decode()

    # The filter is kept on the other pages' links.
    many = client.get(reverse("groups:directory"), {"q": "circle"})
    assert 'href="?q=circle&amp;page=2" rel="next"' in many.content.decode()


def test_a_filter_too_long_is_refused_with_the_reason(client, room, thirty_rooms, outsider):
    client.force_login(outsider)
    response = client.get(reverse("groups:directory"), {"q": "x" * 101})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "at most 100 characters" in html
    assert f'value="{"x" * 101}"' in html  # kept, to shorten
    # Nothing is filtered: the first page of every room to join.
    assert len(response.context["others"]) == 24


def test_the_filter_finds_only_rooms_the_member_may_see(
    client, room, staff, cohort, other_cohort, alumnus, outsider, moderator
):
    from tests.conftest import make_member

    relative = make_member("pat@example.org", "Pat", role="family")
    # Every kind of room, all named "Haven": who finds which to join?
    private = actions.create_room(creator=staff, name="Haven private", kind=Room.Kind.PRIVATE)
    actions.create_room(creator=staff, name="Haven staff", kind=Room.Kind.STAFF)
    actions.create_room(creator=staff, name="Haven spring", kind=Room.Kind.COHORT, cohort=cohort)
    actions.create_room(creator=staff, name="Haven autumn", kind=Room.Kind.COHORT, cohort=other_cohort)
    actions.create_room(creator=staff, name="Haven families", kind=Room.Kind.FAMILY)
    actions.create_room(creator=staff, name="Haven topic", kind=Room.Kind.TOPIC)
    actions.invite_to_private_room(moderator=staff, room=private, member=alumnus)
    actions.leave_room(member=alumnus, room=private)  # left: no longer hers to see
    direct, _, _ = actions.request_direct(sender=moderator, recipient=alumnus, body="Haven: checking in")

    def found(member):
        client.force_login(member)
        response = client.get(reverse("groups:directory"), {"q": "haven"})
        names = [r.name for r in response.context["others"]] + [r.name for r in response.context["mine"]]
        assert response.status_code == 200
        return sorted(n for n in names if n.startswith("Haven"))

    visible = {
        member: sorted(r.name for r in Room.objects.visible_to(member).exclude(kind=Room.Kind.DIRECT))
        for member in (alumnus, outsider, moderator, relative)
    }
    for member, names in visible.items():
        assert found(member) == [n for n in names if n.startswith("Haven")]
    assert found(alumnus) == ["Haven spring", "Haven topic"]
    assert found(outsider) == ["Haven autumn", "Haven topic"]  # the other cohort's member
    assert found(relative) == ["Haven families"]
    # Site moderators see every group room (Room.objects.visible_to).
    assert found(moderator) == [
        "Haven autumn",
        "Haven families",
        "Haven private",
        "Haven spring",
        "Haven staff",
        "Haven topic",
    ]
    # A direct conversation is on the Messages page, never in the directory.
    for member in (alumnus, moderator):
        client.force_login(member)
        assert direct.slug not in client.get(reverse("groups:directory")).content.decode()


def test_directory_filter_escapes_what_it_repeats(client, room, outsider):
    client.force_login(outsider)
    html = client.get(reverse("groups:directory"), {"q": '<script>alert("x")</script>'}).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("count", [1, 3])
def test_room_page_query_count_does_not_grow_with_messages(
    client, room, alumnus, alumnus2, django_assert_num_queries, count
):
    for i in range(count):
        message = post_as(alumnus2, room, f"message {i}")
        actions.toggle_reaction(member=alumnus, room=room, message_id=message.pk, emoji="heart")
    actions.post_message(author=alumnus2, room=room, body="a reply", client_id=uuid.uuid4(), reply_to_id=message.pk)
    client.force_login(alumnus)
    # 1 session, 2 user, 3 room (+pinned message), 4 membership,
    # 5 messages (+author, reply_to and its author), 6 reactions (prefetch),
    # 7 blocked members, 8 the read marker moves to the newest message,
    # for the menu's "Message" item (authors on screen she may write to):
    # 9 blocks either way, 10 open direct rooms with them, 11 live
    # mentorships with them; 12 unread notification count
    with django_assert_num_queries(12):
        response = client.get(reverse("groups:room", args=[room.slug]))
    assert len(response.context["initial_messages"]) == count + 1
    newest = response.context["initial_messages"][-1]["id"]
    assert Membership.objects.get(room=room, user=alumnus).last_read_message_id == newest
    # Opened again with nothing new: the marker is already there, no write.
    with django_assert_num_queries(11):
        client.get(reverse("groups:room", args=[room.slug]))
    assert Membership.objects.get(room=room, user=alumnus).last_read_message_id == newest


def test_room_page_starts_with_the_latest_page_of_messages(client, room, alumnus, alumnus2, settings):
    settings.RATE_LIMIT_BURST = 100
    ids = [post_as(alumnus2, room, f"message {i}").pk for i in range(55)]
    client.force_login(alumnus)

    response = client.get(reverse("groups:room", args=[room.slug]))

    assert [m["id"] for m in response.context["initial_messages"]] == ids[-50:]
    assert response.context["config"]["hasMore"] is True
    page = response.content.decode()
    assert '"message 4"' not in page
    assert '"message 5"' in page
    assert '"message 54"' in page


def test_room_page_never_shows_emails(client, room, alumnus, alumnus2):
    post_as(alumnus2, room, "hello")
    client.force_login(alumnus)
    content = client.get(reverse("groups:room", args=[room.slug])).content.decode()
    assert "bob@example.org" not in content
    assert "Bob" in content


def test_room_page_is_404_for_outsider_and_banned(client, room, outsider, banned):
    for user in (outsider, banned):
        client.force_login(user)
        assert client.get(reverse("groups:room", args=[room.slug])).status_code == 404


def test_room_page_requires_login(client, room):
    response = client.get(reverse("groups:room", args=[room.slug]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- write views -----------------------------------------------------------------

WRITE_VIEWS = ["groups:join", "groups:leave", "groups:accept_guidelines"]


@pytest.mark.parametrize("name", WRITE_VIEWS)
def test_write_views_reject_get(client, room, alumnus, name):
    client.force_login(alumnus)
    assert client.get(reverse(name, args=[room.slug])).status_code == 405


@pytest.mark.parametrize("name", WRITE_VIEWS)
def test_write_views_require_login(client, room, name):
    response = client.post(reverse(name, args=[room.slug]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_join_topic_room(client, room, outsider):
    client.force_login(outsider)
    response = client.post(reverse("groups:join", args=[room.slug]))
    assert response["Location"] == room.get_absolute_url()
    assert Membership.objects.get(room=room, user=outsider).left_at is None
    assert Room.objects.get(pk=room.pk).member_count == 5  # staff, Alice, Bob, Dana, Charlie


def test_outsider_cannot_join_another_cohorts_room(client, staff, cohort, outsider):
    spring = actions.create_room(creator=staff, name="Spring", kind=Room.Kind.COHORT, cohort=cohort)
    client.force_login(outsider)
    assert client.post(reverse("groups:join", args=[spring.slug])).status_code == 404
    assert not Membership.objects.filter(room=spring, user=outsider).exists()


def test_banned_member_cannot_rejoin(client, room, banned):
    client.force_login(banned)
    assert client.post(reverse("groups:join", args=[room.slug])).status_code == 404


def test_leave_room(client, room, alumnus):
    client.force_login(alumnus)
    client.post(reverse("groups:leave", args=[room.slug]))
    assert Membership.objects.get(room=room, user=alumnus).left_at is not None
    assert client.get(reverse("groups:room", args=[room.slug])).status_code == 404


def test_accept_guidelines(client, room, alumnus):
    Room.objects.filter(pk=room.pk).update(guidelines="Be kind.")
    client.force_login(alumnus)
    page = client.get(reverse("groups:room", args=[room.slug]))
    assert page.context["denial"] == "guidelines"
    client.post(reverse("groups:accept_guidelines", args=[room.slug]))
    assert Membership.objects.get(room=room, user=alumnus).accepted_guidelines_at is not None
    assert client.get(reverse("groups:room", args=[room.slug])).context["denial"] is None


def test_outsider_cannot_accept_guidelines(client, room, outsider):
    client.force_login(outsider)
    assert client.post(reverse("groups:accept_guidelines", args=[room.slug])).status_code == 404


def test_create_room_by_moderator(client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("groups:create"), {"name": "Grief & loss", "kind": "topic", "description": "", "guidelines": ""}
    )
    room = Room.objects.get(name="Grief & loss")
    assert response["Location"] == room.get_absolute_url()
    assert room.slug == "grief-loss"
    assert Membership.objects.get(room=room, user=moderator).role == "moderator"


def test_create_room_refused_for_alumnus(client, alumnus):
    client.force_login(alumnus)
    assert client.post(reverse("groups:create"), {"name": "Mine", "kind": "topic"}).status_code == 403
    assert not Room.objects.filter(name="Mine").exists()


def test_create_room_bad_input_saves_nothing(client, moderator):
    client.force_login(moderator)
    response = client.post(reverse("groups:create"), {"name": "", "kind": "cohort"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"name", "kind"}
    assert Room.objects.count() == 0


def test_search_finds_only_readable_rooms(client, room, staff, alumnus, alumnus2):
    secret = actions.create_room(creator=staff, name="Hidden", kind=Room.Kind.PRIVATE)
    post_as(staff, secret, "the walrus plan")
    post_as(alumnus2, room, "my walrus drawing")
    client.force_login(alumnus)
    results = client.get(reverse("groups:search"), {"q": "walrus"}).context["results"]
    assert [m.body for m in results] == ["my walrus drawing"]
    assert Message.objects.count() == 2


@pytest.mark.parametrize("count", [1, 3])
def test_history_frame_query_count_does_not_grow(room, alumnus, alumnus2, django_assert_num_queries, count):
    from groups.consumers import _history

    for i in range(count):
        message = post_as(alumnus2, room, f"m{i}")
        actions.toggle_reaction(member=alumnus, room=room, message_id=message.pk, emoji="hug")
    post_as(alumnus, room, "reply")
    # 1 messages (+author, reply_to and its author), 2 reactions (prefetch)
    with django_assert_num_queries(2):
        messages, has_more = _history(room, None, 50)
    assert (len(messages), has_more) == (count + 1, False)


def test_search_matches_word_forms_and_ignores_query_syntax(client, room, alumnus, alumnus2):
    post_as(alumnus2, room, "Meditating every morning helps")
    post_as(alumnus2, room, "NEAR walrus OR AND * ( cooking")
    client.force_login(alumnus)
    results = client.get(reverse("groups:search"), {"q": "meditating morning"}).context["results"]
    assert [m.body for m in results] == ["Meditating every morning helps"]
    results = client.get(reverse("groups:search"), {"q": 'NEAR( "walrus" OR'}).context["results"]
    assert [m.body for m in results] == ["NEAR walrus OR AND * ( cooking"]


def test_search_skips_deleted_and_edited_away_words(client, room, alumnus, alumnus2):
    gone = post_as(alumnus2, room, "pineapple story")
    actions.delete_message(actor=alumnus2, room=room, message_id=gone.pk)
    edited = post_as(alumnus2, room, "mango story")
    actions.edit_message(author=alumnus2, room=room, message_id=edited.pk, body="kiwi story")
    client.force_login(alumnus)
    assert client.get(reverse("groups:search"), {"q": "pineapple"}).context["results"] == []
    assert client.get(reverse("groups:search"), {"q": "mango"}).context["results"] == []
    assert [m.pk for m in client.get(reverse("groups:search"), {"q": "kiwi"}).context["results"]] == [edited.pk]


@pytest.fixture
def private_room(moderator):
    return actions.create_room(creator=moderator, name="Night shift", kind=Room.Kind.PRIVATE)


def test_add_member_rejects_get(client, private_room, moderator):
    client.force_login(moderator)
    assert client.get(reverse("groups:add_member", args=[private_room.slug])).status_code == 405


def test_add_member_requires_login(client, private_room):
    response = client.post(reverse("groups:add_member", args=[private_room.slug]), {"display_name": "Alice"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_room_moderator_adds_a_member_who_is_notified(client, private_room, moderator, alumnus):
    client.force_login(moderator)
    client.post(reverse("groups:add_member", args=[private_room.slug]), {"display_name": "alice"})
    assert Membership.objects.get(room=private_room, user=alumnus).left_at is None
    assert alumnus.notifications.get().text == "Mo the moderator added you to the private room Night shift"


def test_unknown_display_name_changes_nothing(client, private_room, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("groups:add_member", args=[private_room.slug]), {"display_name": "nobody"}, follow=True
    )
    assert "No member has that display name." in response.content.decode()
    assert Membership.objects.filter(room=private_room).count() == 1


def test_member_of_private_room_cannot_add_others(client, private_room, moderator, alumnus, outsider):
    actions.invite_to_private_room(moderator=moderator, room=private_room, member=alumnus)
    client.force_login(alumnus)
    response = client.post(reverse("groups:add_member", args=[private_room.slug]), {"display_name": "Charlie"})
    assert response.status_code == 403
    assert not Membership.objects.filter(room=private_room, user=outsider).exists()


def test_outsider_cannot_see_private_room(client, private_room, outsider):
    client.force_login(outsider)
    assert (
        client.post(reverse("groups:add_member", args=[private_room.slug]), {"display_name": "Charlie"}).status_code
        == 404
    )


def test_search_leaves_out_a_room_the_member_is_banned_from_for_now(client, room, alumnus, alumnus2, moderator):
    post_as(alumnus2, room, "the walrus story")
    actions.ban_member(moderator=moderator, member=alumnus, room=room, reason="cool-off", days=7)
    client.force_login(alumnus)
    assert client.get(reverse("groups:search"), {"q": "walrus"}).context["results"] == []


def test_opening_a_room_clears_its_unread_badge(client, room, alumnus, alumnus2):
    for i in range(3):
        newest = post_as(alumnus2, room, f"message {i}")
    client.force_login(alumnus)

    def unread():
        return next(r.unread for r in queries.directory_rooms(alumnus) if r.slug == room.slug)

    assert unread() == 3
    client.get(reverse("groups:room", args=[room.slug]))
    assert unread() == 0
    assert Membership.objects.get(room=room, user=alumnus).last_read_message_id == newest.pk


def test_search_hides_members_one_blocked_and_keeps_content_notes_closed(client, room, alumnus, alumnus2, cohort):
    from tests.conftest import make_member

    carol = make_member("carol@example.org", "Carol", cohort=cohort)
    actions.join_room(member=carol, room=room)
    post_as(alumnus2, room, "walrus facts from bob")
    actions.post_message(
        author=carol, room=room, body="my walrus relapse story", client_id=uuid.uuid4(), content_note="relapse"
    )
    actions.block_member(member=alumnus, other=alumnus2)
    client.force_login(alumnus)
    response = client.get(reverse("groups:search"), {"q": "walrus"})
    assert [m.body for m in response.context["results"]] == ["my walrus relapse story"]
    html = response.content.decode()
    assert "walrus facts from bob" not in html
    # The content note comes first; the text waits behind it, as in the room.
    assert html.index("Content note: relapse") < html.index("my walrus relapse story")
    assert '<details class="content-note">' in html
