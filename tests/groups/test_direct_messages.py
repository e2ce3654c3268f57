"""Direct messages: a request, consent, and then an ordinary two-person room
over the real socket. Bob shares the topic room with Alice, who lets members
who share a room with her ask."""

import re
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from community.models import Notification, User
from groups import actions, permissions
from groups.errors import ChatError
from groups.models import Block, CrisisAlert, DirectRequest, Message, Room

from .conftest import open_socket, send_frame


def _open_to_rooms(*members):
    User.objects.filter(pk__in=[m.pk for m in members]).update(direct_messages_from="shared_room")
    for member in members:
        member.refresh_from_db()


def _ask(sender, recipient, body="Hi, would you like to talk?"):
    return actions.request_direct(sender=sender, recipient=recipient, body=body)


def _page(client, path) -> str:
    """The page without what changes on every response (CSP nonce, CSRF token)."""
    html = client.get(path).content.decode()
    return re.sub(r'(nonce|value)="[^"]{20,}"', r'\1=""', html)


def _kinds(member):
    return list(Notification.objects.filter(recipient=member).values_list("kind", flat=True))


# --- the request ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_first_message_is_a_request_and_opens_nothing(room, alumnus, alumnus2):
    _open_to_rooms(alumnus)

    opened, request, _tier = _ask(alumnus2, alumnus, "Hi Alice, coffee after group?")

    assert opened is None
    assert request.status == "pending"
    assert request.body == "Hi Alice, coffee after group?"
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()
    assert _kinds(alumnus) == ["dm_request"]
    assert list(permissions.visible_direct_requests(alumnus)) == [request]


@pytest.mark.django_db
def test_accepting_opens_the_room_with_the_request_as_its_first_message(room, alumnus, alumnus2):
    _open_to_rooms(alumnus)
    _, request, _ = _ask(alumnus2, alumnus, "Hi Alice, coffee after group?")

    direct = actions.accept_direct_request(member=alumnus, request=request)

    assert direct.kind == Room.Kind.DIRECT
    assert direct.pair_key == permissions.pair_key(alumnus, alumnus2)
    assert set(direct.memberships.filter(left_at__isnull=True).values_list("user_id", flat=True)) == {
        alumnus.pk,
        alumnus2.pk,
    }
    first = Message.objects.get(room=direct)
    assert (first.author_id, first.body, first.seq) == (alumnus2.pk, "Hi Alice, coffee after group?", 1)
    assert not DirectRequest.objects.exists()
    # The sender hears of it; the member who accepted gets no notice of what she just read.
    assert Notification.objects.get(recipient=alumnus2, kind="dm").url == direct.get_absolute_url()
    assert _kinds(alumnus) == ["dm_request"]


@pytest.mark.django_db
def test_declining_is_silent_and_the_sender_cannot_ask_again_for_30_days(room, alumnus, alumnus2):
    _open_to_rooms(alumnus)
    _, request, _ = _ask(alumnus2, alumnus, "First try")
    bob = Client()
    bob.force_login(alumnus2)
    before = _page(bob, "/messages/requests/")

    actions.decline_direct_request(member=alumnus, request=request)

    request.refresh_from_db()
    assert request.status == "declined"
    assert _kinds(alumnus2) == []  # nobody told him
    after = _page(bob, "/messages/requests/")
    assert after == before  # his page is what it was, to the byte (but per-response tokens)
    assert "First try" in after
    assert "declined" not in after.lower()
    assert list(permissions.visible_direct_requests(alumnus)) == []

    # Asking again changes nothing, tells nobody, and still reads "sent".
    opened, again, _ = _ask(alumnus2, alumnus, "Second try")
    again.refresh_from_db()
    assert (opened, again.pk, again.status, again.body) == (None, request.pk, "declined", "First try")
    assert _kinds(alumnus) == ["dm_request"]
    page = bob.get(f"/messages/new/{alumnus.pk}/").content.decode()
    assert "Your message request was sent" in page
    assert "First try" in page

    # 30 days after the decline the same row asks again, as new.
    month_ago = timezone.now() - timedelta(days=31)
    DirectRequest.objects.filter(pk=request.pk).update(created_at=month_ago, decided_at=month_ago)
    _, fresh, _ = _ask(alumnus2, alumnus, "A month later")
    assert (fresh.pk, fresh.status, fresh.body) == (request.pk, "pending", "A month later")
    assert _kinds(alumnus) == ["dm_request", "dm_request"]


@pytest.mark.django_db
def test_an_unanswered_request_looks_like_a_declined_one_after_the_cool_down(room, alumnus, alumnus2):
    _open_to_rooms(alumnus)
    _, request, _ = _ask(alumnus2, alumnus)
    DirectRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=31))

    assert list(permissions.visible_direct_requests(alumnus)) == []
    bob = Client()
    bob.force_login(alumnus2)
    assert "You have no requests waiting" in bob.get("/messages/requests/").content.decode()


@pytest.mark.django_db
def test_writing_back_to_someone_who_asked_you_is_consent(room, alumnus, alumnus2):
    _open_to_rooms(alumnus, alumnus2)
    _ask(alumnus2, alumnus, "Hi from Bob")

    opened, request, _ = _ask(alumnus, alumnus2, "Hi Bob!")

    assert request is None
    assert list(Message.objects.filter(room=opened).values_list("body", flat=True)) == ["Hi from Bob", "Hi Bob!"]


@pytest.mark.django_db
def test_a_moderator_opens_a_conversation_at_once_with_the_default_setting(room, alumnus, moderator):
    opened, request, _ = _ask(moderator, alumnus, "Checking in after your message earlier.")

    assert request is None
    assert opened.kind == Room.Kind.DIRECT
    assert Notification.objects.get(recipient=alumnus, kind="dm").url == opened.get_absolute_url()
    from community.models import AuditLog

    assert AuditLog.objects.filter(action="direct.open", actor=moderator).count() == 1
    # And again later: the same room, never a second.
    again, _, _ = _ask(moderator, alumnus, "And again")
    assert again.pk == opened.pk


@pytest.mark.django_db
def test_a_request_the_setting_forbids_is_refused(room, alumnus, alumnus2, outsider):
    with pytest.raises(PermissionDenied):
        _ask(alumnus2, alumnus)  # default: mentors and moderators only
    _open_to_rooms(alumnus)
    with pytest.raises(PermissionDenied):
        _ask(outsider, alumnus)  # shares no room with her
    assert not DirectRequest.objects.exists()


@pytest.mark.django_db
def test_a_block_hides_a_waiting_request_and_refuses_acceptance(room, alumnus, alumnus2):
    _open_to_rooms(alumnus)
    _, request, _ = _ask(alumnus2, alumnus)

    actions.block_member(member=alumnus, other=alumnus2)

    assert list(permissions.visible_direct_requests(alumnus)) == []
    alice = Client()
    alice.force_login(alumnus)
    assert alice.post(f"/messages/requests/{request.pk}/accept/").status_code == 404
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


@pytest.mark.django_db
def test_requests_are_rate_limited(room, alumnus2, cohort):
    from tests.conftest import make_member

    targets = []
    for i in range(6):
        member = make_member(f"t{i}@example.org", f"Target {i}", cohort=cohort)
        actions.join_room(member=member, room=room)
        targets.append(member)
    _open_to_rooms(*targets)
    for target in targets[:5]:
        _ask(alumnus2, target)

    with pytest.raises(ChatError) as refused:
        _ask(alumnus2, targets[5])
    assert refused.value.code == "rate_limited"
    assert DirectRequest.objects.count() == 5


@pytest.mark.django_db
def test_a_blocked_word_refuses_the_request(room, alumnus, alumnus2, staff):
    actions.add_watched_word(staff=staff, word="zzbad", action="block")
    _open_to_rooms(alumnus)
    with pytest.raises(ChatError) as refused:
        _ask(alumnus2, alumnus, "zzbad words")
    assert refused.value.code == "watched_word"
    assert not DirectRequest.objects.exists()


@pytest.mark.django_db
def test_a_crisis_request_still_goes_out_and_alerts_moderators(room, alumnus, alumnus2, moderator):
    _open_to_rooms(alumnus)
    _, request, tier = _ask(alumnus2, alumnus, "I want to kill myself tonight")

    assert request.status == "pending"
    assert tier == "crisis"
    assert CrisisAlert.objects.filter(member=alumnus2, status="open").exists()


# --- pages -----------------------------------------------------------------------


def _direct_room(a, b, body="hello"):
    _open_to_rooms(a)
    _, request, _ = _ask(b, a, body)
    return actions.accept_direct_request(member=a, request=request)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_messages_page_lists_conversations_at_a_fixed_cost(
    room, alumnus, alumnus2, moderator, cohort, count, django_assert_num_queries
):
    from tests.conftest import make_member

    others = [alumnus2] + [make_member(f"o{i}@example.org", f"Other {i}", cohort=cohort) for i in range(count - 1)]
    for other in others:
        if other != alumnus2:
            actions.join_room(member=other, room=room)
        _direct_room(alumnus, other, f"hello from {other.display_name}")
    client = Client()
    client.force_login(alumnus)
    client.get("/messages/")  # warms the session
    # 1 session, 2 the member, 3 conversations with names and unread counts,
    # 4 waiting requests, 5 unread notifications (header).
    with django_assert_num_queries(5):
        response = client.get("/messages/")
    page = response.content.decode()
    for other in others:
        assert other.display_name in page
    assert page.count('<span class="visually-hidden"> unread</span>') == count


@pytest.mark.django_db
def test_direct_room_page_shows_the_other_members_name(room, alumnus, alumnus2):
    direct = _direct_room(alumnus, alumnus2)
    client = Client()
    client.force_login(alumnus)
    page = client.get(direct.get_absolute_url()).content.decode()
    assert "<h1>Bob</h1>" in page
    assert "Leave room" not in page


@pytest.mark.django_db
def test_direct_rooms_are_not_in_the_room_directory(room, alumnus, alumnus2):
    _direct_room(alumnus, alumnus2)
    client = Client()
    client.force_login(alumnus)
    assert "Direct messages" not in client.get("/rooms/").content.decode()


@pytest.mark.django_db
def test_profile_shows_message_only_when_allowed(room, alumnus, alumnus2):
    User.objects.filter(pk=alumnus.pk).update(in_directory=True)
    bob = Client()
    bob.force_login(alumnus2)
    assert f'href="/messages/new/{alumnus.pk}/"' not in bob.get(f"/members/{alumnus.pk}/").content.decode()
    _open_to_rooms(alumnus)
    assert f'href="/messages/new/{alumnus.pk}/"' in bob.get(f"/members/{alumnus.pk}/").content.decode()


@pytest.mark.django_db
def test_room_page_lists_the_authors_one_may_message(room, alumnus, alumnus2):
    actions.post_message(author=alumnus2, room=room, body="hi", client_id=uuid.uuid4())
    alice = Client()
    alice.force_login(alumnus)
    assert alice.get(f"/rooms/{room.slug}/").context["config"]["messageable"] == []
    _open_to_rooms(alumnus2)
    assert alice.get(f"/rooms/{room.slug}/").context["config"]["messageable"] == [alumnus2.pk]


@pytest.mark.django_db
def test_the_profile_form_sets_who_may_message_me(alumnus):
    client = Client()
    client.force_login(alumnus)
    data = {"display_name": "Alice", "time_zone": "America/Chicago", "direct_messages_from": "nobody"}
    assert client.post("/profile/", data).status_code == 302
    alumnus.refresh_from_db()
    assert alumnus.direct_messages_from == "nobody"


@pytest.mark.django_db
def test_family_members_have_no_direct_messages(alumnus):
    from tests.conftest import make_member

    family = make_member("fam@example.org", "Fam", role="family")
    client = Client()
    client.force_login(family)
    assert client.get("/messages/").status_code in (403, 404)
    assert client.get(f"/messages/new/{alumnus.pk}/").status_code in (403, 404)


@pytest.mark.django_db
def test_the_new_message_page_refuses_who_may_not_be_asked(room, alumnus, alumnus2, outsider):
    charlie = Client()
    charlie.force_login(outsider)
    assert charlie.get(f"/messages/new/{alumnus.pk}/").status_code == 404
    assert charlie.post(f"/messages/new/{alumnus.pk}/", {"body": "hi"}).status_code == 404
    assert not DirectRequest.objects.exists()


# --- reports ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_report_shows_moderators_the_message_and_the_ten_before_it_only(room, alumnus, alumnus2, moderator):
    direct = _direct_room(alumnus, alumnus2, "message 0")
    for i in range(1, 15):
        author = alumnus if i % 2 else alumnus2
        actions.post_message(author=author, room=direct, body=f"message {i}", client_id=uuid.uuid4())
    reported = Message.objects.get(room=direct, body="message 12")
    report = actions.report_message(reporter=alumnus, room=direct, message_id=reported.pk, reason="harassment")
    mod = Client()
    mod.force_login(moderator)

    assert mod.get(direct.get_absolute_url()).status_code == 404  # never the room itself
    queue = mod.get("/moderation/").content.decode()
    assert f"/moderation/reports/{report.pk}/context/" in queue
    page = mod.get(f"/moderation/reports/{report.pk}/context/").content.decode()
    shown = [i for i in range(15) if f"<p>message {i}</p>" in page]
    assert shown == list(range(2, 13))


@pytest.mark.django_db
def test_only_moderators_see_a_report_context(room, alumnus, alumnus2, outsider):
    direct = _direct_room(alumnus, alumnus2, "hello")
    message = Message.objects.get(room=direct)
    report = actions.report_message(reporter=alumnus, room=direct, message_id=message.pk, reason="spam")
    for member in (alumnus, alumnus2, outsider):
        client = Client()
        client.force_login(member)
        assert client.get(f"/moderation/reports/{report.pk}/context/").status_code in (403, 404)


# --- the conversation over the socket ---------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_the_pair_talks_live_and_nobody_else_can_listen(room, alumnus, alumnus2, outsider, moderator):
    direct = await database_sync_to_async(_direct_room)(alumnus, alumnus2, "hi Alice")
    alice = await open_socket(alumnus, direct.slug)
    bob = await open_socket(alumnus2, direct.slug)

    await alice.send(send_frame("hi Bob, good to hear from you"))
    got = await bob.recv_type("message")
    assert got["message"]["body"] == "hi Bob, good to hear from you"
    assert got["message"]["seq"] == 2

    for stranger in (outsider, moderator):
        connected, code, _c = await open_socket(stranger, direct.slug, expect_ok=False)
        assert (connected, code) == (False, 4403)

    # Bob resumes after the first message: the second comes back, in order.
    await bob.close()
    bob = await open_socket(alumnus2, direct.slug, after_seq=1, changes=0)
    resumed = await bob.recv_type("message")
    assert resumed["message"]["body"] == "hi Bob, good to hear from you"
    assert (await bob.recv_type("resumed"))["last_seq"] == 2
    await alice.close()
    await bob.close()


@pytest.mark.django_db(transaction=True)
async def test_a_block_closes_the_conversation_for_both_in_the_same_words(room, alumnus, alumnus2):
    direct = await database_sync_to_async(_direct_room)(alumnus, alumnus2, "hi")
    alice = await open_socket(alumnus, direct.slug)
    bob = await open_socket(alumnus2, direct.slug)

    await database_sync_to_async(actions.block_member)(member=alumnus, other=alumnus2)

    told_alice = await alice.recv_type("posting")
    told_bob = await bob.recv_type("posting")
    assert told_alice["denial"] == told_bob["denial"] == "closed"
    assert told_alice["detail"] == told_bob["detail"]
    await bob.send(send_frame("are you there?"))
    error = await bob.recv_type("error")
    assert error["code"] == "closed"
    await bob.send(
        {"type": "reaction.toggle", "id": (await database_sync_to_async(Message.objects.first)()).pk, "emoji": "heart"}
    )
    assert (await bob.recv_type("error"))["code"] == "forbidden"
    assert await database_sync_to_async(Message.objects.filter(room=direct).count)() == 1
    await alice.close()
    await bob.close()


@pytest.mark.django_db(transaction=True)
async def test_crisis_words_in_a_direct_message_bring_the_card_and_an_alert(room, alumnus, alumnus2, moderator):
    direct = await database_sync_to_async(_direct_room)(alumnus, alumnus2, "hi")
    bob = await open_socket(alumnus2, direct.slug)

    await bob.send(send_frame("I want to kill myself tonight"))

    card = await bob.recv_type("crisis.resources")
    assert card["tier"] == "crisis"
    alert = await database_sync_to_async(CrisisAlert.objects.get)(member=alumnus2)
    assert alert.room_id == direct.pk
    await bob.close()


@pytest.mark.django_db
def test_a_message_notifies_the_other_once_per_unread_stretch(room, alumnus, alumnus2):
    direct = _direct_room(alumnus, alumnus2, "hi")
    alumnus2_notices = Notification.objects.filter(recipient=alumnus2, kind="dm").count()

    first = actions.post_message(author=alumnus, room=direct, body="one", client_id=uuid.uuid4()).message
    actions.post_message(author=alumnus, room=direct, body="two", client_id=uuid.uuid4())
    assert Notification.objects.filter(recipient=alumnus2, kind="dm").count() == alumnus2_notices + 1

    actions.mark_read(member=alumnus2, room=direct, message_id=first.pk + 10)
    actions.post_message(author=alumnus, room=direct, body="three", client_id=uuid.uuid4())
    assert Notification.objects.filter(recipient=alumnus2, kind="dm").count() == alumnus2_notices + 2


@pytest.mark.django_db
def test_erasure_closes_the_conversation_and_forgets_the_pair(room, alumnus, alumnus2, outsider):
    from alumni import privacy

    direct = _direct_room(alumnus, alumnus2, "hi")
    Block.objects.all().delete()
    _open_to_rooms(outsider)
    DirectRequest.objects.create(sender=alumnus, recipient=outsider, body="Alice here")

    privacy.erase_member(member=alumnus, password_confirmed=True, keep_messages=False)

    direct.refresh_from_db()
    assert (direct.pair_key, direct.is_locked) == (None, True)
    assert not DirectRequest.objects.exists()
    assert permissions.post_denial(alumnus2, direct, permissions.get_membership(alumnus2, direct)) == "closed"


@pytest.mark.django_db
def test_nothing_waits_for_review_in_a_conversation_moderators_cannot_read(room, alumnus, alumnus2, staff):
    from groups.models import Report

    actions.add_watched_word(staff=staff, word="zzheld", action="hold")
    direct = _direct_room(alumnus, alumnus2, "hi")
    User.objects.filter(pk=alumnus.pk).update(date_joined=timezone.now())  # a new member's link
    alumnus.refresh_from_db()

    link = actions.post_message(author=alumnus, room=direct, body="see https://example.org", client_id=uuid.uuid4())
    held_word = actions.post_message(author=alumnus, room=direct, body="zzheld here", client_id=uuid.uuid4())

    assert link.message.status == held_word.message.status == "visible"
    # Nor is anything filed that would let moderators read it.
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_requests_past_the_cool_down_are_forgotten(room, alumnus, alumnus2, outsider):
    from groups.tasks import forget_old_direct_requests

    _open_to_rooms(alumnus)
    _, old, _ = _ask(alumnus2, alumnus, "old")
    # Unanswered for 30 days, then 30 quiet days after its end.
    DirectRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=61))
    fresh = DirectRequest.objects.create(sender=outsider, recipient=alumnus, body="fresh")

    forget_old_direct_requests.enqueue()

    assert list(DirectRequest.objects.all()) == [fresh]


@pytest.mark.django_db
def test_a_moderator_can_message_a_member_from_their_moderation_page(room, alumnus, moderator):
    client = Client()
    client.force_login(moderator)
    page = client.get(f"/moderation/members/{alumnus.pk}/").content.decode()
    assert f'href="/messages/new/{alumnus.pk}/"' in page
