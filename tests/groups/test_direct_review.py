"""Direct messages after the outside review: crisis text in a request is
never dropped, "nobody" means nobody, a decline keeps the sender quiet for 30
days from the decline, the admin and watched words leave two-person
conversations alone, a block hides presence, and acceptance posts the
request as it was."""

import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import AuditLog, Notification, User
from groups import actions, detector, permissions
from groups.errors import ChatError
from groups.models import CrisisAlert, DirectRequest, Membership, Message, Report, Room
from groups.privacy import export

from ..conftest import make_member
from .conftest import open_socket

CRISIS_TEXT = "I want to kill myself tonight"


def _open_to_rooms(*members):
    User.objects.filter(pk__in=[m.pk for m in members]).update(direct_messages_from="shared_room")
    for member in members:
        member.refresh_from_db()


def _setting(member, value):
    User.objects.filter(pk=member.pk).update(direct_messages_from=value)
    member.refresh_from_db()


def _kinds(member):
    return list(Notification.objects.filter(recipient=member).values_list("kind", flat=True))


def _dm(alice, bob):
    _open_to_rooms(alice)
    _, request, _ = actions.request_direct(sender=bob, recipient=alice, body="hi")
    return actions.accept_direct_request(member=alice, request=request)


def _targets(room, cohort, count):
    targets = []
    for i in range(count):
        member = make_member(f"target{i}@example.org", f"Target {i}", cohort=cohort)
        actions.join_room(member=member, room=room)
        targets.append(member)
    _open_to_rooms(*targets)
    return targets


# --- H2: crisis text in a request is never dropped ---------------------------------


@pytest.mark.django_db
def test_crisis_text_posted_after_a_request_was_sent_alerts_and_shows_the_note(room, alumnus, alumnus2, moderator):
    _open_to_rooms(alumnus)
    bob = Client()
    bob.force_login(alumnus2)
    url = f"/messages/new/{alumnus.pk}/"
    assert bob.post(url, {"body": "hello"}).status_code == 302

    response = bob.post(url, {"body": CRISIS_TEXT}, follow=True)

    assert response.status_code == 200
    assert list(CrisisAlert.objects.values_list("member_id", "status")) == [(alumnus2.pk, "open")]
    assert "It sounds like things may be hard" in response.content.decode()
    # The first request stands, unchanged.
    assert list(DirectRequest.objects.values_list("body", "status")) == [("hello", "pending")]


@pytest.mark.django_db
def test_crisis_text_in_a_repeated_request_alerts_in_the_action_too(room, alumnus, alumnus2, moderator):
    _open_to_rooms(alumnus)
    actions.request_direct(sender=alumnus2, recipient=alumnus, body="hello")

    _, request, tier = actions.request_direct(sender=alumnus2, recipient=alumnus, body=CRISIS_TEXT)

    assert (tier, request.body) == ("crisis", "hello")
    assert CrisisAlert.objects.filter(member=alumnus2, status="open").count() == 1


@pytest.mark.django_db
def test_a_rate_limited_crisis_request_still_alerts(room, alumnus2, cohort, moderator):
    targets = _targets(room, cohort, 6)
    for target in targets[:5]:
        actions.request_direct(sender=alumnus2, recipient=target, body="hi")

    with pytest.raises(ChatError) as refused:
        actions.request_direct(sender=alumnus2, recipient=targets[5], body=CRISIS_TEXT)

    assert refused.value.code == "rate_limited"
    assert refused.value.crisis_tier == "crisis"
    assert CrisisAlert.objects.filter(member=alumnus2, status="open").count() == 1
    assert not DirectRequest.objects.filter(recipient=targets[5]).exists()


@pytest.mark.django_db
def test_a_rate_limited_crisis_request_page_shows_the_support_note(room, alumnus2, cohort, moderator):
    targets = _targets(room, cohort, 6)
    for target in targets[:5]:
        actions.request_direct(sender=alumnus2, recipient=target, body="hi")
    bob = Client()
    bob.force_login(alumnus2)

    response = bob.post(f"/messages/new/{targets[5].pk}/", {"body": CRISIS_TEXT})

    assert response.status_code == 429
    assert "It sounds like things may be hard" in response.content.decode()
    assert CrisisAlert.objects.filter(member=alumnus2).count() == 1


@pytest.mark.django_db
def test_a_refused_crisis_request_still_alerts(room, alumnus, alumnus2, moderator):
    _setting(alumnus, "nobody")

    with pytest.raises(PermissionDenied):
        actions.request_direct(sender=alumnus2, recipient=alumnus, body=CRISIS_TEXT)

    assert CrisisAlert.objects.filter(member=alumnus2, status="open").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("now", ["no longer allowed", "suspended", "no such member"])
def test_crisis_text_to_someone_one_cannot_write_to_still_alerts(room, alumnus, alumnus2, moderator, now):
    _open_to_rooms(alumnus)
    bob = Client()
    bob.force_login(alumnus2)
    target = alumnus.pk
    if now == "no longer allowed":
        _setting(alumnus, "nobody")  # changed while his form was open
    elif now == "suspended":
        User.objects.filter(pk=alumnus.pk).update(suspended_at=timezone.now())
    else:
        target = 999999

    response = bob.post(f"/messages/new/{target}/", {"body": CRISIS_TEXT})

    assert response.status_code == 404
    assert CrisisAlert.objects.filter(member=alumnus2, status="open").count() == 1
    assert not DirectRequest.objects.exists()
    # The note shows on the page he sees (the 404 page, or the next one).
    shown = response.content.decode() + bob.get("/messages/").content.decode()
    assert "It sounds like things may be hard" in shown


@pytest.mark.django_db
def test_a_stale_form_after_the_conversation_opened_posts_into_it(room, alumnus, alumnus2, moderator):
    direct = _dm(alumnus, alumnus2)
    bob = Client()
    bob.force_login(alumnus2)

    response = bob.post(f"/messages/new/{alumnus.pk}/", {"body": CRISIS_TEXT})

    assert response.url == direct.get_absolute_url()
    assert Message.objects.filter(room=direct).last().body == CRISIS_TEXT
    assert CrisisAlert.objects.filter(member=alumnus2, status="open").count() == 1


# --- M3: 30 quiet days from the decline, silently -----------------------------------


@pytest.mark.django_db
def test_asking_again_soon_after_a_late_decline_is_muted(room, alumnus, alumnus2):
    _open_to_rooms(alumnus)
    _, request, _ = actions.request_direct(sender=alumnus2, recipient=alumnus, body="hi")
    DirectRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=29, hours=23))
    actions.decline_direct_request(member=alumnus, request=request)  # declined today
    DirectRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=30, minutes=1))

    actions.request_direct(sender=alumnus2, recipient=alumnus, body="hi again")

    assert list(permissions.visible_direct_requests(alumnus)) == []
    assert _kinds(alumnus) == ["dm_request"]  # only the first one
    # The sender sees it "sent", like any request.
    bob = Client()
    bob.force_login(alumnus2)
    page = bob.get(f"/messages/new/{alumnus.pk}/").content.decode()
    assert "Your message request was sent" in page
    assert "hi again" in page
    # The recipient's own export does not show it either.
    assert [r["body"] for r in export(alumnus)["message_requests_received"]] == []

    # 30 days after the decline, a request is a request again.
    DirectRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=31), decided_at=timezone.now() - timedelta(days=31)
    )
    _, fresh, _ = actions.request_direct(sender=alumnus2, recipient=alumnus, body="a month on")
    assert list(permissions.visible_direct_requests(alumnus)) == [fresh]
    assert _kinds(alumnus) == ["dm_request", "dm_request"]


@pytest.mark.django_db
def test_an_unanswered_request_keeps_the_sender_quiet_for_30_days_after_its_end(room, alumnus, alumnus2):
    _open_to_rooms(alumnus)
    _, request, _ = actions.request_direct(sender=alumnus2, recipient=alumnus, body="hi")
    DirectRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=45))

    actions.request_direct(sender=alumnus2, recipient=alumnus, body="still there?")

    assert list(permissions.visible_direct_requests(alumnus)) == []
    assert _kinds(alumnus) == ["dm_request"]


@pytest.mark.django_db
def test_the_decline_confirmation_says_30_days_from_now(room, alumnus, alumnus2):
    _open_to_rooms(alumnus)
    _, request, _ = actions.request_direct(sender=alumnus2, recipient=alumnus, body="hi")
    alice = Client()
    alice.force_login(alumnus)

    page = alice.post(f"/messages/requests/{request.pk}/decline/", follow=True).content.decode()

    assert "in the next 30 days stays hidden" in page
    assert "ask again for 30 days" not in page


@pytest.mark.django_db
def test_quiet_time_rows_are_kept_until_it_ends(room, alumnus, alumnus2, outsider):
    from groups.tasks import forget_old_direct_requests

    _open_to_rooms(alumnus)
    _, declined, _ = actions.request_direct(sender=alumnus2, recipient=alumnus, body="a")
    actions.decline_direct_request(member=alumnus, request=declined)
    DirectRequest.objects.filter(pk=declined.pk).update(created_at=timezone.now() - timedelta(days=40))
    unanswered = DirectRequest.objects.create(
        sender=outsider, recipient=alumnus, body="b", created_at=timezone.now() - timedelta(days=45)
    )
    gone = DirectRequest.objects.create(
        sender=alumnus, recipient=alumnus2, body="c", created_at=timezone.now() - timedelta(days=61)
    )

    forget_old_direct_requests.enqueue()

    assert set(DirectRequest.objects.values_list("pk", flat=True)) == {declined.pk, unanswered.pk}
    assert gone.pk not in DirectRequest.objects.values_list("pk", flat=True)


# --- H1: "nobody" means nobody; either member may close a conversation ---------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["moderator", "staff"])
def test_nobody_means_moderators_and_staff_too(request, room, alumnus, role):
    sender = request.getfixturevalue(role)
    _setting(alumnus, "nobody")

    with pytest.raises(PermissionDenied):
        actions.request_direct(sender=sender, recipient=alumnus, body="hi from the team")

    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()
    assert permissions.direct_targets(sender, [alumnus]) == set()
    client = Client()
    client.force_login(sender)
    assert client.get(f"/messages/new/{alumnus.pk}/").status_code == 404
    assert _kinds(alumnus) == []


@pytest.mark.django_db
@pytest.mark.parametrize("setting", ["mentors", "shared_room"])
def test_moderators_still_open_at_once_when_the_setting_allows_them(room, alumnus, moderator, setting):
    _setting(alumnus, setting)

    opened, request, _ = actions.request_direct(sender=moderator, recipient=alumnus, body="checking in")

    assert request is None
    assert opened.kind == Room.Kind.DIRECT


@pytest.mark.django_db
def test_the_crisis_support_room_still_reaches_a_nobody_member(room, alumnus, moderator):
    _setting(alumnus, "nobody")
    alert = actions.open_crisis_alert(member=alumnus, room=room, message=None, source=CrisisAlert.Source.MESSAGE)

    alert = actions.acknowledge_alert(moderator=moderator, alert=alert)

    assert alert.support_room is not None
    assert Membership.objects.filter(room=alert.support_room, user=alumnus, left_at__isnull=True).exists()


@pytest.mark.django_db
def test_moderator_opens_are_rate_limited_like_requests(room, moderator, cohort):
    targets = _targets(room, cohort, 6)
    for target in targets[:5]:
        actions.request_direct(sender=moderator, recipient=target, body="checking in")

    with pytest.raises(ChatError) as refused:
        actions.request_direct(sender=moderator, recipient=targets[5], body="checking in")

    assert refused.value.code == "rate_limited"
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 5


@pytest.mark.django_db
def test_a_member_closes_a_moderators_conversation_for_both(room, alumnus, moderator):
    opened, _, _ = actions.request_direct(sender=moderator, recipient=alumnus, body="checking in")
    alice = Client()
    alice.force_login(alumnus)
    assert "Close conversation" in alice.get(opened.get_absolute_url()).content.decode()

    response = alice.post(reverse("groups:leave", args=[opened.slug]))

    assert response.status_code == 302
    assert alice.get(opened.get_absolute_url()).status_code == 404
    assert permissions.direct_closed(moderator, opened)
    with pytest.raises(ChatError) as refused:
        actions.post_message(author=moderator, room=opened, body="still there?", client_id=uuid.uuid4())
    assert refused.value.code == "closed"


@pytest.mark.django_db
@pytest.mark.parametrize("who_asks", ["the one who closed it", "the other"])
def test_a_closed_conversation_opens_again_only_by_a_new_accepted_request(room, alumnus, alumnus2, who_asks):
    direct = _dm(alumnus, alumnus2)
    _open_to_rooms(alumnus, alumnus2)
    actions.leave_room(member=alumnus, room=direct)
    sender, recipient = (alumnus, alumnus2) if who_asks == "the one who closed it" else (alumnus2, alumnus)

    opened, request, _ = actions.request_direct(sender=sender, recipient=recipient, body="can we talk?")

    assert opened is None
    assert permissions.direct_closed(alumnus2, direct)
    reopened = actions.accept_direct_request(member=recipient, request=request)
    assert reopened.pk == direct.pk
    assert not permissions.direct_closed(alumnus, direct)


# --- M1: the admin leaves members-only conversations out ---------------------------


def _superuser_client(staff):
    User.objects.filter(pk=staff.pk).update(is_superuser=True, is_staff=True)
    staff.refresh_from_db()
    client = Client()
    client.force_login(staff)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": 0},
        {"method": "mfa", "at": 9e9, "type": "totp"},
    ]
    session.save()
    return client


@pytest.mark.django_db
def test_the_admin_shows_no_members_only_room_message_or_membership(room, alumnus, alumnus2, staff, cohort):
    direct = _dm(alumnus, alumnus2)
    mentor = make_member("mo@example.org", "Mo", cohort=cohort)
    mentorship = actions.create_mentorship_room(mentor=mentor, mentee=alumnus)
    actions.post_message(author=mentor, room=mentorship, body="zqxmentorship", client_id=uuid.uuid4())
    dm_message = Message.objects.get(room=direct)
    Message.objects.filter(pk=dm_message.pk).update(body="zqxsecretdm")
    public = actions.post_message(author=alumnus, room=room, body="hello room", client_id=uuid.uuid4()).message
    client = _superuser_client(staff)

    assert client.get("/admin/").status_code == 200
    messages_listed = client.get("/admin/groups/message/").context["cl"].result_list
    rooms_listed = client.get("/admin/groups/room/").context["cl"].result_list
    memberships_listed = client.get("/admin/groups/membership/").context["cl"].result_list

    assert [m.pk for m in messages_listed] == [public.pk]
    assert [r.pk for r in rooms_listed] == [room.pk]
    assert {m.room_id for m in memberships_listed} == {room.pk}
    for url in (
        f"/admin/groups/message/{dm_message.pk}/change/",
        f"/admin/groups/room/{direct.pk}/change/",
        f"/admin/groups/room/{mentorship.pk}/change/",
        f"/admin/groups/membership/{Membership.objects.filter(room=direct).first().pk}/change/",
    ):
        response = client.get(url, follow=True)
        assert b"zqxsecretdm" not in response.content
        assert response.redirect_chain[0][0] == "/admin/"


# --- M2: no automatic reports from two-person conversations; readings audited -----


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["flag", "hold"])
def test_a_watched_word_in_a_conversation_files_nothing(
    room, alumnus, alumnus2, staff, moderator, action, django_capture_on_commit_callbacks
):
    direct = _dm(alumnus, alumnus2)
    with django_capture_on_commit_callbacks(execute=True):  # the lists' cache forgets them after commit
        actions.add_watched_word(staff=staff, word="okay", action=action)
    assert detector.watched_matches("okay") == {action: ["okay"]}

    sent = actions.post_message(author=alumnus2, room=direct, body="okay", client_id=uuid.uuid4())

    assert sent.message.status == "visible"
    assert not Report.objects.exists()
    assert _kinds(moderator) == []
    # The same word in a group room still does its job.
    actions.post_message(author=alumnus2, room=room, body="okay", client_id=uuid.uuid4())
    assert Report.objects.exists() or Message.objects.filter(room=room, status="held").exists()


@pytest.mark.django_db
def test_every_reading_of_a_report_context_is_audited(room, alumnus, alumnus2, moderator):
    direct = _dm(alumnus, alumnus2)
    message = Message.objects.get(room=direct)
    report = actions.report_message(reporter=alumnus, room=direct, message_id=message.pk, reason="harassment")
    mod = Client()
    mod.force_login(moderator)
    url = f"/moderation/reports/{report.pk}/context/"

    assert mod.get(url).status_code == 200
    assert mod.get(url).status_code == 200

    rows = AuditLog.objects.filter(action="report.context")
    assert list(rows.values_list("actor_id", "target_id")) == [(moderator.pk, str(report.pk))] * 2
    assert rows.first().details == {"room": direct.pk, "messages": 1}


# --- M4: a block hides the blocker's presence from the blocked --------------------


async def _presences(socket, quiet=1.0):
    """The online ids of every presence frame until the socket goes quiet
    (receive_nothing: a timed-out receive would cancel the application)."""
    seen = []
    while not await socket.c.receive_nothing(timeout=quiet):
        frame = await socket.recv()
        if frame["type"] == "presence":
            seen.append({u["id"] for u in frame["online"]})
    return seen


@pytest.mark.django_db(transaction=True)
async def test_the_blocked_member_never_sees_the_blocker_online(room, alumnus, alumnus2):
    direct = await database_sync_to_async(_dm)(alumnus, alumnus2)
    await database_sync_to_async(actions.block_member)(member=alumnus, other=alumnus2)
    bob = await open_socket(alumnus2, direct.slug)  # the blocked one keeps the closed conversation open
    alice = await open_socket(alumnus, direct.slug)  # the blocker opens it later

    seen_by_bob = await _presences(bob)
    seen_by_alice = await _presences(alice)

    assert seen_by_bob  # presence still comes, without her
    assert all(alumnus.pk not in online for online in seen_by_bob)
    assert all(alumnus2.pk not in online for online in seen_by_alice)
    await alice.close()
    await bob.close()


@pytest.mark.django_db(transaction=True)
async def test_without_a_block_the_pair_see_each_other_online(room, alumnus, alumnus2):
    direct = await database_sync_to_async(_dm)(alumnus, alumnus2)
    bob = await open_socket(alumnus2, direct.slug)
    alice = await open_socket(alumnus, direct.slug)

    seen_by_bob = await _presences(bob)

    assert any(alumnus.pk in online for online in seen_by_bob)
    await alice.close()
    await bob.close()


# --- L2/L3: acceptance posts the request as it was sent ---------------------------


@pytest.mark.django_db
def test_accepting_works_while_the_sender_is_rate_limited_elsewhere(room, alumnus, alumnus2):
    _open_to_rooms(alumnus)
    _, request, _ = actions.request_direct(sender=alumnus2, recipient=alumnus, body="hi")
    stopped = None
    for i in range(100):  # Bob sends in the group room until he is stopped
        try:
            actions.post_message(author=alumnus2, room=room, body=f"m{i}", client_id=uuid.uuid4())
        except ChatError as exc:
            stopped = exc.code
            break
    assert stopped == "rate_limited"
    alice = Client()
    alice.force_login(alumnus)

    response = alice.post(f"/messages/requests/{request.pk}/accept/")

    direct = Room.objects.get(kind=Room.Kind.DIRECT)
    assert response.url == direct.get_absolute_url()
    assert list(Message.objects.filter(room=direct).values_list("body", flat=True)) == ["hi"]
    assert not DirectRequest.objects.exists()


@pytest.mark.django_db
def test_accepting_posts_a_request_whose_word_was_blocked_after_it_was_sent(
    room, alumnus, alumnus2, staff, django_capture_on_commit_callbacks
):
    _open_to_rooms(alumnus)
    _, request, _ = actions.request_direct(sender=alumnus2, recipient=alumnus, body="hi, okay to talk?")
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_watched_word(staff=staff, word="okay", action="block")

    direct = actions.accept_direct_request(member=alumnus, request=request)

    assert list(Message.objects.filter(room=direct).values_list("body", flat=True)) == ["hi, okay to talk?"]


@pytest.mark.django_db
def test_accepting_a_crisis_request_raises_no_second_alert(room, alumnus, alumnus2, moderator):
    _open_to_rooms(alumnus)
    _, request, _ = actions.request_direct(sender=alumnus2, recipient=alumnus, body=CRISIS_TEXT)
    assert CrisisAlert.objects.count() == 1
    CrisisAlert.objects.update(status="resolved")  # handled days ago
    paged = _kinds(moderator)

    direct = actions.accept_direct_request(member=alumnus, request=request)

    assert CrisisAlert.objects.count() == 1
    assert CrisisAlert.objects.get().activity_count == 1
    assert _kinds(moderator) == paged
    assert Message.objects.get(room=direct).crisis_level == "crisis"
