"""The families' side: requests, approval, the link and its sharing, what a
family member can and cannot reach (rooms, meetups, members, sockets), and
the pages' query counts."""

import uuid
from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from alumni import family
from alumni.models import FamilyLink, FamilyRequest, FamilyResource
from community import actions as community_actions
from community.models import Invitation, Notification, User
from events import actions as event_actions
from events.models import Event, Occurrence
from groups import actions as chat
from groups.models import Room
from tests.conftest import make_member
from tests.groups.conftest import open_socket


@pytest.fixture
def relative(db):
    return make_member("pat@example.org", "Pat", role=User.Role.FAMILY)


@pytest.fixture
def family_room(db, staff, relative):
    room = chat.create_room(creator=staff, name="Families & friends", slug="families", kind=Room.Kind.FAMILY)
    chat.join_room(member=relative, room=room)
    return room


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _meetup(staff, title, audience, **extra):
    return event_actions.create_event(
        author=staff,
        title=title,
        description="",
        host=None,
        time_zone="America/Chicago",
        start_date=timezone.localdate() + timedelta(days=5),
        start_time=time(18, 0),
        duration=timedelta(minutes=60),
        format="virtual",
        address="",
        meeting_url="https://meet.example.org/x",
        capacity=None,
        audience=audience,
        frequency="once",
        **extra,
    )


# --- requests and links ---------------------------------------------------------------


def test_an_alumnus_asks_staff_approve_and_accepting_links_the_new_account(
    alumnus, staff, django_capture_on_commit_callbacks
):
    request = family.ask_for_family_member(alumnus=alumnus, email=" Mum@Example.org ", relationship="mother")
    assert (request.email, request.status) == ("mum@example.org", "pending")
    assert Notification.objects.filter(recipient=staff, kind="family").count() == 1
    assert "mum@example.org" not in Notification.objects.get(recipient=staff).text

    with django_capture_on_commit_callbacks(execute=True):
        family.decide_request(staff=staff, request=request, approve=True)
    request.refresh_from_db()
    invitation = request.invitation
    assert (request.status, invitation.role, invitation.cohort) == ("approved", "family", None)
    assert [m.to for m in mail.outbox] == [["mum@example.org"]]

    from alumni.onboarding import accept_invitation

    user = User.objects.create_user(email="mum@example.org", password="pw-1234567890", display_name="tmp")
    member = accept_invitation(invitation=invitation, user=user, display_name="Mum")
    link = FamilyLink.objects.get()
    assert (member.role, link.alumnus, link.family_member, link.shares_milestones) == (
        "family",
        alumnus,
        member,
        False,
    )
    # The alumnus heard both answers; nothing tells the family member anything of theirs.
    assert alumnus.notifications.filter(kind="family").count() == 2


def test_declining_notifies_the_alumnus_and_sends_nothing(alumnus, staff):
    request = family.ask_for_family_member(alumnus=alumnus, email="dad@example.org", relationship="father")
    family.decide_request(staff=staff, request=request, approve=False)
    request.refresh_from_db()
    assert (request.status, request.invitation, len(mail.outbox)) == ("declined", None, 0)
    assert not Invitation.objects.exists()
    with pytest.raises(ValidationError):
        family.decide_request(staff=staff, request=request, approve=True)


@pytest.mark.parametrize(
    ("email", "relationship", "field"),
    [
        ("not-an-address", "mother", "email"),
        ("mum@example.org", "", "relationship"),
        ("mum@example.org", "x" * 61, "relationship"),
        ("alice@example.org", "me", "email"),  # her own
    ],
)
def test_bad_requests_are_refused_and_change_nothing(alumnus, alumnus2, email, relationship, field):
    with pytest.raises(ValidationError) as error:
        family.ask_for_family_member(alumnus=alumnus, email=email, relationship=relationship)
    assert field in error.value.message_dict
    assert not FamilyRequest.objects.exists()


def test_the_same_address_twice_and_too_many_waiting_requests_are_refused(alumnus):
    family.ask_for_family_member(alumnus=alumnus, email="a@example.org", relationship="aunt")
    with pytest.raises(ValidationError):
        family.ask_for_family_member(alumnus=alumnus, email="A@example.org", relationship="aunt")
    for i in range(family.PENDING_LIMIT - 1):
        family.ask_for_family_member(alumnus=alumnus, email=f"p{i}@example.org", relationship="cousin")
    with pytest.raises(ValidationError):
        family.ask_for_family_member(alumnus=alumnus, email="one-more@example.org", relationship="cousin")
    assert FamilyRequest.objects.count() == family.PENDING_LIMIT


def test_only_staff_decide_and_a_family_member_cannot_ask(alumnus, moderator, relative):
    request = family.ask_for_family_member(alumnus=alumnus, email="x@example.org", relationship="uncle")
    with pytest.raises(PermissionDenied):
        family.decide_request(staff=moderator, request=request, approve=True)
    with pytest.raises(PermissionDenied):
        family.ask_for_family_member(alumnus=relative, email="y@example.org", relationship="friend")


def test_a_family_account_cannot_change_sides_and_a_family_invitation_has_no_cohort(staff, alumnus, relative, cohort):
    with pytest.raises(ValidationError):
        community_actions.set_role(staff=staff, member=relative, role=User.Role.ALUMNUS)
    with pytest.raises(ValidationError):
        community_actions.set_role(staff=staff, member=alumnus, role=User.Role.FAMILY)
    with pytest.raises(ValidationError):
        community_actions.invite_member(staff=staff, email="z@example.org", cohort=cohort, role=User.Role.FAMILY)
    relative.refresh_from_db()
    alumnus.refresh_from_db()
    assert (relative.role, alumnus.role) == ("family", "alumnus")


def test_a_family_member_can_never_join_the_directory(relative):
    with pytest.raises(ValidationError):
        community_actions.update_profile(member=relative, changes={"in_directory": True})
    response = _client(relative).post(
        "/profile/",
        {"display_name": "Pat", "time_zone": "America/Chicago", "in_directory": "on"},
    )
    assert response.status_code == 302
    relative.refresh_from_db()
    assert relative.in_directory is False


def _link(alumnus, relative, share=True):
    return FamilyLink.objects.create(
        alumnus=alumnus, family_member=relative, relationship="sister", shares_milestones=share
    )


def test_milestones_show_only_while_the_alumnus_shares_them(alumnus, relative):
    from recovery import actions as recovery_actions

    first = recovery_actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=timezone.localdate() - timedelta(days=400)
    )
    recovery_actions.begin_again(
        member=alumnus, recovery_date=first, start_date=timezone.localdate() - timedelta(days=35)
    )
    link = _link(alumnus, relative, share=False)
    page = _client(relative).get("/")
    assert page.status_code == 200
    assert b"Alcohol-free" not in page.content

    family.set_milestone_sharing(alumnus=alumnus, link=link, share=True)
    shown = family.shared_milestones(relative)
    assert [(s.name, [d.label for d in s.dates]) for s in shown] == [("Alice", ["Alcohol-free"])]
    assert shown[0].dates[0].days == 35
    assert "30 days" in shown[0].dates[0].reached
    assert "1 year" not in shown[0].dates[0].reached  # the earlier date's history is Alice's own
    assert b"Alcohol-free" in _client(relative).get("/").content

    family.end_link(member=relative, link=link)
    assert family.shared_milestones(relative) == []
    with pytest.raises(PermissionDenied):
        family.set_milestone_sharing(alumnus=alumnus, link=link, share=True)


def test_sharing_is_the_alumnus_choice_only(alumnus, alumnus2, relative):
    link = _link(alumnus, relative, share=False)
    with pytest.raises(PermissionDenied):
        family.set_milestone_sharing(alumnus=alumnus2, link=link, share=True)
    # Over HTTP: the family member and another alumnus get a 404, Alice a redirect.
    assert _client(relative).post(f"/me/family/links/{link.pk}/sharing/", {"share": "1"}).status_code == 403
    assert _client(alumnus2).post(f"/me/family/links/{link.pk}/sharing/", {"share": "1"}).status_code == 404
    assert _client(alumnus).post(f"/me/family/links/{link.pk}/sharing/", {"share": "maybe"}).status_code == 400
    link.refresh_from_db()
    assert link.shares_milestones is False
    assert _client(alumnus).post(f"/me/family/links/{link.pk}/sharing/", {"share": "1"}).status_code == 302
    link.refresh_from_db()
    assert link.shares_milestones is True


# --- what a family member reaches ------------------------------------------------------


def test_a_family_member_sees_only_family_rooms(relative, room, family_room, alumnus, moderator):
    assert list(Room.objects.visible_to(relative)) == [family_room]
    assert family_room not in Room.objects.visible_to(alumnus)
    assert family_room in Room.objects.visible_to(moderator)
    client = _client(relative)
    assert client.get(f"/rooms/{family_room.slug}/").status_code == 200
    assert client.get(f"/rooms/{room.slug}/").status_code == 404
    assert client.post(f"/rooms/{room.slug}/join/").status_code == 404
    assert _client(alumnus).get(f"/rooms/{family_room.slug}/").status_code == 404
    assert _client(alumnus).post(f"/rooms/{family_room.slug}/join/").status_code == 404
    directory = client.get("/rooms/").content.decode()
    assert "Families &amp; friends" in directory
    assert "Anxiety" not in directory


def test_a_family_member_reaches_nothing_of_the_alumni_side(relative, alumnus, alumnus2, room):
    alumnus2.in_directory = True
    alumnus2.save()
    client = _client(relative)
    for path in (
        "/members/",
        f"/members/{alumnus2.pk}/",
        "/mentors/",
        "/me/safety-plan/",
        "/me/check-in/",
        "/me/milestones/",
        "/me/family/",
        "/staff/",
    ):
        response = client.get(path)
        assert response.status_code in (403, 404), (path, response.status_code)
        assert b"Bob" not in response.content
    # Her own account pages and the shared ones work.
    for path in ("/", "/profile/", "/notifications/", "/account/data/", "/crisis/", "/family/resources/", "/meetups/"):
        assert client.get(path).status_code == 200, path


def test_family_members_are_not_listed_and_alumni_cannot_open_their_profiles(relative, alumnus, moderator):
    relative.in_directory = True  # even if a row said so
    relative.save()
    assert b"Pat" not in _client(alumnus).get("/members/").content
    assert _client(alumnus).get(f"/members/{relative.pk}/").status_code == 404
    assert _client(moderator).get(f"/members/{relative.pk}/").status_code == 200


def test_meetup_audiences(staff, relative, alumnus, moderator):
    alumni_only = _meetup(staff, "Weekly alumni group", Event.Audience.ALL)
    families = _meetup(staff, "Family education evening", Event.Audience.FAMILIES)
    mixed = _meetup(staff, "Picnic for alumni and families", Event.Audience.MIXED)
    assert set(Event.objects.visible_to(relative)) == {families, mixed}
    assert set(Event.objects.visible_to(alumnus)) == {alumni_only, mixed}
    assert set(Event.objects.visible_to(moderator)) == {alumni_only, families, mixed}
    client = _client(relative)
    occurrence = Occurrence.objects.get(event=alumni_only)
    assert client.get(f"/meetups/{occurrence.pk}/").status_code == 404
    assert client.post(f"/meetups/{occurrence.pk}/rsvp/", {"status": "going"}).status_code == 404
    mine = Occurrence.objects.get(event=families)
    assert client.post(f"/meetups/{mine.pk}/rsvp/", {"status": "going"}).status_code == 302
    assert mine.rsvps.get().member == relative
    assert _client(alumnus).get(f"/meetups/{mine.pk}/").status_code == 404
    agenda = client.get("/meetups/").content
    assert b"Family education evening" in agenda
    assert b"Weekly alumni group" not in agenda


def test_a_mixed_meetup_has_no_discussion_room_and_a_family_one_gets_a_family_room(staff):
    with pytest.raises(ValidationError):
        _meetup(staff, "Mixed", Event.Audience.MIXED, create_discussion_room=True)
    event = _meetup(staff, "Families", Event.Audience.FAMILIES, create_discussion_room=True)
    assert event.discussion_room.kind == Room.Kind.FAMILY


def test_default_rooms_gain_only_their_own_side(staff, alumnus, relative):
    alumni_room = chat.create_room(creator=staff, name="Everyone", kind=Room.Kind.TOPIC, is_default=True)
    families = chat.create_room(creator=staff, name="Families", kind=Room.Kind.FAMILY, is_default=True)
    assert set(alumni_room.memberships.values_list("user", flat=True)) == {staff.pk, alumnus.pk}
    assert set(families.memberships.values_list("user", flat=True)) == {staff.pk, relative.pk}


@pytest.mark.django_db(transaction=True)
async def test_room_sockets_follow_the_same_sides(relative, family_room, room, alumnus):
    connected, _code, _socket = await open_socket(relative, room.slug, expect_ok=False)
    assert not connected
    connected, _code, _socket = await open_socket(alumnus, family_room.slug, expect_ok=False)
    assert not connected
    socket = await open_socket(relative, family_room.slug)
    await socket.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": "Hello families"})
    frame = await socket.recv_type("message")
    assert frame["message"]["body"] == "Hello families"
    await socket.close()
    from groups.models import Message

    assert await Message.objects.filter(room=family_room, author=relative).acount() == 1


def test_a_crisis_message_in_a_family_room_raises_an_alert_and_shows_the_card_without_a_plan(
    relative, family_room, moderator, alumnus, room
):
    from groups.models import CrisisAlert

    result = chat.post_message(
        author=relative,
        room=family_room,
        body="I can't do this anymore, I want to end my life tonight",
        client_id=str(uuid.uuid4()),
    )
    assert CrisisAlert.objects.filter(member=relative).exists()
    (card,) = [f for f in result.private_frames if f["type"] == "crisis.resources"]
    assert card["plan_url"] == ""  # a family member has no safety plan here
    assert card["resources"]
    alumnus_card = chat.post_message(
        author=alumnus, room=room, body="I want to end my life tonight", client_id=str(uuid.uuid4())
    ).private_frames[0]
    assert alumnus_card["plan_url"] == "/me/safety-plan/card/"


# --- pages: query counts with 1 and 3 items -------------------------------------------


def _queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _family_items(relative, staff, start, stop):
    from recovery import actions as recovery_actions

    for i in range(start, stop):
        other = make_member(f"al{i}@example.org", f"Al {i}")
        _link(other, relative)
        recovery_actions.add_recovery_date(member=other, label=f"Date {i}", start_date=timezone.localdate())
        FamilyResource.objects.create(title=f"R{i}", body="b")
        chat.create_room(creator=staff, name=f"Fam {i}", kind=Room.Kind.FAMILY)
        _meetup(staff, f"Family {i}", Event.Audience.FAMILIES)


def test_family_home_queries_do_not_grow(relative, staff):
    client = _client(relative)
    _family_items(relative, staff, 0, 1)
    one = _queries(client, "/")
    _family_items(relative, staff, 1, 3)
    assert _queries(client, "/") == one


def test_staff_family_page_queries_do_not_grow(alumnus, staff):
    client = _client(staff)
    family.ask_for_family_member(alumnus=alumnus, email="f0@example.org", relationship="friend")
    FamilyResource.objects.create(title="R0", body="b")
    one = _queries(client, "/staff/family/")
    for i in (1, 2):
        done = family.ask_for_family_member(alumnus=alumnus, email=f"f{i}@example.org", relationship="friend")
        family.decide_request(staff=staff, request=done, approve=i == 1)
        FamilyResource.objects.create(title=f"R{i}", body="b")
    family.ask_for_family_member(alumnus=alumnus, email="f3@example.org", relationship="friend")
    assert _queries(client, "/staff/family/") == one


def test_my_family_page_queries_do_not_grow(alumnus):
    client = _client(alumnus)
    family.ask_for_family_member(alumnus=alumnus, email="f0@example.org", relationship="friend")
    _link(alumnus, make_member("fam0@example.org", "Fam 0", role=User.Role.FAMILY))
    one = _queries(client, "/me/family/")
    for i in (1, 2):
        family.ask_for_family_member(alumnus=alumnus, email=f"f{i}@example.org", relationship="friend")
        _link(alumnus, make_member(f"fam{i}@example.org", f"Fam {i}", role=User.Role.FAMILY))
    assert _queries(client, "/me/family/") == one


# --- the sides hold on every way into a room (outside review) -------------------------


def test_no_invitation_or_appointment_puts_anyone_across_the_sides(staff, alumnus, alumnus2, relative, family_room):
    from groups.forms import AddMemberForm
    from groups.models import Membership

    private = chat.create_room(creator=staff, name="Sober parents", kind=Room.Kind.PRIVATE)
    chat.invite_to_private_room(moderator=staff, room=private, member=alumnus)
    chat.set_room_moderator(staff=staff, room=private, member=alumnus, is_moderator=True)
    # The add-member form never finds a family member (and so tells nothing about one).
    form = AddMemberForm({"display_name": "Pat"})
    assert not form.is_valid()
    with pytest.raises(ValidationError):
        chat.invite_to_private_room(moderator=alumnus, room=private, member=relative)
    with pytest.raises(ValidationError):
        chat.set_room_moderator(staff=staff, room=private, member=relative, is_moderator=True)
    with pytest.raises(ValidationError):
        chat.set_room_moderator(staff=staff, room=family_room, member=alumnus2, is_moderator=True)
    assert not Membership.objects.filter(room=private, user=relative).exists()
    assert not Membership.objects.filter(room=family_room, user=alumnus2).exists()
    # A membership written across the sides by hand still moderates nothing and mentions nobody.
    Membership.objects.create(room=private, user=relative, role=Membership.Role.MODERATOR)
    from groups import permissions as chat_permissions

    membership = Membership.objects.get(room=private, user=relative)
    assert not chat_permissions.can_moderate_room(relative, private, membership)
    assert _client(relative).get(f"/moderation/rooms/{private.slug}/").status_code in (403, 404)


def test_mentions_reach_only_people_who_can_read_the_room(staff, alumnus, alumnus2, banned, room):
    result = chat.post_message(author=alumnus, room=room, body="@Bob and @Dana hello", client_id=str(uuid.uuid4()))
    assert result.message.mentions.count() == 1
    assert alumnus2.notifications.filter(kind="mention").count() == 1
    assert banned.notifications.filter(kind="mention").count() == 0


def test_asking_never_says_whether_an_address_has_an_account(alumnus, alumnus2, staff):
    request = family.ask_for_family_member(alumnus=alumnus, email="bob@example.org", relationship="friend")
    assert request.status == "pending"  # the same answer as for any address
    page = _client(staff).get("/staff/family/").content.decode()
    assert "An account already uses this address" in page
    with pytest.raises(ValidationError):
        family.decide_request(staff=staff, request=request, approve=True)
    request.refresh_from_db()
    assert request.status == "pending"


def test_withdrawing_and_asking_again_is_bounded(alumnus):
    for i in range(family.RECENT_LIMIT):
        row = family.ask_for_family_member(alumnus=alumnus, email=f"w{i}@example.org", relationship="friend")
        family.withdraw_request(alumnus=alumnus, request=row)
    with pytest.raises(ValidationError):
        family.ask_for_family_member(alumnus=alumnus, email="again@example.org", relationship="friend")


def test_a_meetup_with_a_discussion_room_keeps_its_side_and_hosts_are_alumni(staff, relative):
    from events.forms import EventForm

    event = _meetup(staff, "Families", Event.Audience.FAMILIES, create_discussion_room=True)
    with pytest.raises(ValidationError):
        event_actions.update_event(editor=staff, event=event, audience=Event.Audience.ALL)
    event.refresh_from_db()
    assert event.audience == Event.Audience.FAMILIES
    assert relative not in EventForm(user=staff).fields["host"].queryset


def test_a_family_member_gets_no_cohort(staff, relative, cohort):
    with pytest.raises(ValidationError):
        community_actions.set_member_cohort(staff=staff, member=relative, cohort=cohort)


def test_erasure_removes_another_alumnus_request_naming_the_erased_address(alumnus, relative, alumnus2):
    from alumni import privacy

    FamilyRequest.objects.create(alumnus=alumnus2, email="pat@example.org", relationship="friend")
    _link(alumnus, relative)
    privacy.erase_member(member=relative, password_confirmed=True, keep_messages=False)
    assert not FamilyRequest.objects.filter(email="pat@example.org").exists()
    assert not FamilyLink.objects.exists()


def test_family_members_block_and_search_within_their_own_rooms(staff, relative, family_room, room, alumnus):
    from groups.models import Block

    other = make_member("quinn@example.org", "Quinn", role=User.Role.FAMILY)
    chat.join_room(member=other, room=family_room)
    chat.post_message(author=other, room=family_room, body="families hello", client_id=str(uuid.uuid4()))
    chat.post_message(author=alumnus, room=room, body="alumni hello", client_id=str(uuid.uuid4()))
    client = _client(relative)
    found = client.get("/rooms/search/?q=hello").content.decode()
    assert "families hello" in found
    assert "alumni hello" not in found
    assert client.post(f"/rooms/members/{other.pk}/block/").status_code == 302
    assert Block.objects.filter(blocker=relative, blocked=other).exists()
    assert client.post(f"/rooms/members/{alumnus.pk}/block/").status_code == 404  # not someone she can see
