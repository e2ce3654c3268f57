"""A member present in every table: the data erasure must reach.

`seed_member_everywhere` gives the member a row behind every foreign key to
the user model (checked by `user_foreign_keys`), in both directions where a
model has two (who blocked whom, who reported whom), and writes the text
that real actions write about a member into *other* people's rows:
"Alice mentioned you", "Alice may be in crisis", a mentorship room called
"Alice & Bob", a moderator's follow-up stamp, audit labels. Other members'
private data that must not leak into the export is seeded too (Bob's
email, Bob's mentee goals).

The member was called FORMER_NAME for a while: the crisis alert that every
moderator and staff member was notified of, and an @mention by Bob, were
written under that name.
"""

from dataclasses import dataclass, field
from datetime import time, timedelta

from django.apps import apps
from django.conf import settings
from django.test import Client
from django.utils import timezone

BOB_GOALS = "Bob-private-goal: stay sober through the holidays"
BOB_REPORT_NOTE = "Bob-private-note: this upset me"
FORMER_NAME = "Zelda Quill"


def user_foreign_keys() -> list[tuple[type, str]]:
    """Every (model, field name) that points at the user model, auto-created
    many-to-many tables included. A new model shows up here by itself."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.get_fields():
            if f.is_relation and f.concrete and (f.many_to_one or f.one_to_one) and f.related_model is user_model:
                found.append((model, f.name))
    return found


@dataclass
class Seeded:
    member: object
    room: object
    member_message: object
    bob_message: object
    occurrence: object
    mentorship_room: object
    session_keys: list = field(default_factory=list)


def _login(user) -> Client:
    """A signed-in browser with its allauth user session, as a real sign-in makes."""
    from allauth.usersessions.models import UserSession

    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/128.0")
    client.force_login(user)
    key = client.session.session_key
    UserSession.objects.get_or_create(
        session_key=key, defaults={"user": user, "ip": "203.0.113.9", "user_agent": "Firefox/128.0 Windows"}
    )
    return client


def seed_member_everywhere(*, member, bob, moderator, staff, outsider, room) -> Seeded:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from community import actions as community_actions
    from community.models import FocusArea, Invitation, Notification, User
    from community.push.models import PushSettings, PushSubscription
    from events.models import RSVP, CalendarFeed, Event, Occurrence, SentReminder
    from groups import actions as chat
    from groups.models import (
        Block,
        CrisisAlert,
        DirectRequest,
        Membership,
        Message,
        ModeratorDuty,
        Reaction,
        Report,
        Room,
        Sanction,
        WatchedWord,
    )
    from mentorship.models import CheckInPrompt, EndFeedback, MentorProfile, MentorRequest, Mentorship, PairBlock
    from recovery import actions as recovery_actions

    now = timezone.now()

    # --- community and allauth
    area = FocusArea.objects.create(name="Sleep", slug="sleep")
    member.focus_areas.add(area)
    member.pronouns, member.bio = "she/her", "Three years in recovery and still learning."
    member.save(update_fields=["pronouns", "bio"])
    member.groups.add(Group.objects.create(name="Helpers"))
    member.user_permissions.add(Permission.objects.get(codename="view_user"))
    EmailAddress.objects.create(user=member, email="alice.alt@example.net", verified=True, primary=False)
    Authenticator.objects.create(user=member, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    accepted = Invitation.objects.create(email=member.email, invited_by=staff, accepted_at=now, accepted_by=member)
    Invitation.objects.create(email="newcomer@example.org", invited_by=member)
    community_actions.record_audit(actor=staff, action="invitation.create", target=accepted)
    community_actions.record_audit(actor=staff, action="member.role", target=member, details={"note": "Alice asked"})
    Notification.objects.create(recipient=member, kind="general", text="Welcome to the community")
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.create(
        user=staff,
        content_type=user_type,
        object_id=str(member.pk),
        object_repr=str(member),
        action_flag=CHANGE,
        change_message="[]",
    )
    LogEntry.objects.create(
        user=member,
        content_type=user_type,
        object_id=str(bob.pk),
        object_repr=str(bob),
        action_flag=CHANGE,
        change_message="[]",
    )
    clients = [_login(member), _login(member)]
    # Web Push: her phone, tied to her first session, and her choices.
    PushSubscription.objects.create(
        member=member,
        endpoint="https://fcm.googleapis.com/fcm/send/alice-phone",
        p256dh="B" * 87,
        auth="A" * 22,
        session_key=clients[0].session.session_key,
    )
    PushSettings.objects.create(member=member, categories=["mentions"], previews=True)

    # --- chat
    chat.add_crisis_phrase(staff=staff, phrase="unsafe tonight", level="crisis")
    bob_message = chat.post_message(
        author=bob, room=room, body="Thanks for listening @Alice", client_id="5f0f6a53-6c5b-4a4e-9d1e-2b7d3c1e0a01"
    ).message
    # A while under another name: the crisis alert and one @mention name her so.
    community_actions.update_profile(member=member, changes={"display_name": FORMER_NAME})
    member_message = chat.post_message(
        author=member,
        room=room,
        body="Hi @Bob, I feel unsafe tonight",
        client_id="5f0f6a53-6c5b-4a4e-9d1e-2b7d3c1e0a02",
    ).message
    chat.post_message(
        author=bob, room=room, body=f"Here for you @{FORMER_NAME}", client_id="5f0f6a53-6c5b-4a4e-9d1e-2b7d3c1e0a04"
    )
    community_actions.update_profile(member=member, changes={"display_name": "Alice"})
    member.refresh_from_db()
    other_message = chat.post_message(
        author=bob, room=room, body="A second thought", client_id="5f0f6a53-6c5b-4a4e-9d1e-2b7d3c1e0a03"
    ).message
    Message.objects.filter(pk=other_message.pk).update(deleted_at=now, deleted_by=member)
    Reaction.objects.create(message=bob_message, user=member, emoji="heart")
    Reaction.objects.create(message=member_message, user=bob, emoji="hug")
    own_room = Room.objects.create(slug="quiet-corner", name="Quiet corner", created_by=member)
    Membership.objects.create(room=own_room, user=member)
    # Direct messages: a moderator opens a conversation with her; a request
    # she sent, one she declined.
    chat.request_direct(sender=moderator, recipient=member, body="Checking in: how are you?")
    DirectRequest.objects.create(sender=member, recipient=outsider, body="Alice here: can we talk?")
    DirectRequest.objects.create(
        sender=outsider, recipient=member, body="Hello Alice", status="declined", created_at=now, decided_at=now
    )
    Block.objects.create(blocker=member, blocked=outsider)
    Block.objects.create(blocker=bob, blocked=member)
    Report.objects.create(message=bob_message, reporter=member, reason="other", note="Alice here: I know him")
    Report.objects.create(
        message=member_message,
        reporter=bob,
        reason="harassment",
        note=BOB_REPORT_NOTE,
        claimed_by=member,
        handled_by=member,
        resolution_note="Talked to Alice",
        status="resolved",
    )
    community_actions.record_audit(actor=member, action="report.claim", target=bob_message)
    Sanction.objects.create(
        member=member, room=room, kind="warning", reason="Alice, please be kind", created_by=moderator
    )
    Sanction.objects.create(
        member=outsider, kind="mute", room=room, reason="Spam", created_by=member, lifted_by=member, lifted_at=now
    )
    WatchedWord.objects.create(word="buy now", action="flag", created_by=member)
    ModeratorDuty.objects.create(moderator=member, on_duty=True)
    alert = CrisisAlert.objects.filter(member=member).first()
    assert alert is not None, "the crisis phrase opened an alert about the member"
    CrisisAlert.objects.filter(pk=alert.pk).update(follow_up="Called Alice; she is safe")
    CrisisAlert.objects.create(
        member=bob,
        room=room,
        source="request",
        acknowledged_by=member,
        acknowledged_at=now,
        follow_up="2026-01-05 10:00 Alice: talked with Bob",
        label="concern",
        labelled_by=member,
        labelled_at=now,
        labelled_text="I can't do this anymore",
    )

    # --- meetups
    event = Event.objects.create(
        title="Family night",
        time_zone="America/Chicago",
        start_date=timezone.localdate() + timedelta(days=7),
        start_time=time(19, 0),
        duration=timedelta(hours=1),
        format="virtual",
        capacity=1,
        host=member,
        created_by=member,
    )
    starts = now + timedelta(days=7)
    occurrence = Occurrence.objects.create(
        event=event,
        series_date=starts.date(),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        going_count=1,
        waitlist_count=1,
    )
    RSVP.objects.create(occurrence=occurrence, member=member, status="going")
    RSVP.objects.create(occurrence=occurrence, member=bob, status="waitlisted", waitlisted_at=now)
    SentReminder.objects.create(occurrence=occurrence, member=member, kind="24h")
    CalendarFeed.objects.create(member=member)

    # --- mentoring: the member mentors Bob, and is mentored by the moderator
    profile_fields = {
        "languages": ["en"],
        "availability": ["tue-evening"],
        "time_zone": "America/Chicago",
        "meeting_preferences": ["chat"],
        "bio": "Happy to listen.",
        "agreed_guidelines_at": now,
        "status": "approved",
    }
    MentorProfile.objects.create(user=member, decided_by=staff, **profile_fields)
    MentorProfile.objects.create(user=moderator, decided_by=member, **profile_fields)
    request_fields = {
        "languages": ["en"],
        "availability": ["tue-evening"],
        "time_zone": "America/Chicago",
        "meeting_preferences": ["chat"],
    }
    bob_request = MentorRequest.objects.create(mentee=bob, goals=BOB_GOALS, status="matched", **request_fields)
    alice_request = MentorRequest.objects.create(
        mentee=member, goals="Alice-goal: rebuild my routine", status="matched", **request_fields
    )
    mentorship_room = chat.create_mentorship_room(mentor=member, mentee=bob)
    mentoring = Mentorship.objects.create(
        mentor=member,
        mentee=bob,
        request=bob_request,
        status="active",
        source="self",
        started_at=now,
        room=mentorship_room,
        explanation={"mentee": ["Bob prefers chat"]},
    )
    mentored = Mentorship.objects.create(
        mentor=moderator,
        mentee=member,
        request=alice_request,
        status="ended",
        source="staff",
        started_at=now,
        ended_at=now,
        ended_by=member,
    )
    EndFeedback.objects.create(mentorship=mentored, author=member, body="Alice-feedback: it helped")
    CheckInPrompt.objects.create(mentorship=mentoring, fortnight=1)
    PairBlock.objects.create(mentor=member, mentee=outsider, created_by=member)
    PairBlock.objects.create(mentor=moderator, mentee=member, created_by=staff)

    # --- the member's own safety plan (it names her, as a real one might)
    recovery_actions.save_safety_plan(
        member=member,
        data={
            "reasons_for_living": "Alice-reason: my niece",
            "help_contacts": [{"name": "Bob, who calls Alice every Sunday", "phone": "555-010-2233"}],
        },
    )
    recovery_actions.save_relapse_plan(
        member=member,
        data={
            "rp_triggers": "Alice-trigger: payday",
            "rp_people": [{"name": "Alice's sponsor", "phone": "555-010-7777"}],
        },
    )
    # --- check-ins, the reminder, summaries shared both ways, a recovery date with milestones
    from recovery.models import CheckInReminder, CheckInSchedule, SummaryShare

    recovery_actions.save_checkin(
        member=member,
        data={
            "phq2_interest": "1",
            "phq2_down": "0",
            "gad2_nervous": "1",
            "gad2_worry": "1",
            "craving": "2",
            "sleep": "4",
            "stress": "2",
            "safety": "safe",
            "note": "Alice-note: told Alice's sister",
        },
    )
    CheckInSchedule.objects.create(member=member, weekday=6, time=time(18, 0))
    CheckInReminder.objects.create(member=member, week_start=timezone.localdate() - timedelta(days=70), kind="reminder")
    SummaryShare.objects.create(member=member, viewer=bob)
    SummaryShare.objects.create(member=bob, viewer=member)
    recovery_actions.add_recovery_date(
        member=member, label="Alice-free of alcohol", start_date=timezone.localdate() - timedelta(days=40)
    )

    # --- the families' side: a request she made and one she decided (as if she
    # had been staff then), a relative linked to her, and a link that has her on
    # the family side (each foreign key to the user model holds her once)
    from alumni.models import FamilyLink, FamilyRequest
    from community.models import User

    relative = User.objects.create_user(
        email="fran.relative@example.org", password="pw-12345678", display_name="Fran", role=User.Role.FAMILY
    )
    FamilyRequest.objects.create(alumnus=member, email="fran.relative@example.org", relationship="Alice-sister")
    FamilyRequest.objects.create(
        alumnus=bob, email="bobs.dad@example.org", relationship="father", status="declined", decided_by=member
    )
    FamilyLink.objects.create(
        alumnus=member, family_member=relative, relationship="Alice-sister", shares_milestones=True
    )
    FamilyLink.objects.create(alumnus=bob, family_member=member, relationship="friend")

    return Seeded(
        member=member,
        room=room,
        member_message=member_message,
        bob_message=bob_message,
        occurrence=occurrence,
        mentorship_room=mentorship_room,
        session_keys=[c.session.session_key for c in clients],
    )
