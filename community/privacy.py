"""A member's own data: everything the platform holds about them, to export
or to erase.

Both live here, next to each other, on purpose: a new model that holds
something about a member needs a line in the export and a line in the
erasure, and `tests/privacy/test_erasure_everywhere.py` fails until both
exist. `erase_member` is therefore an action that lives outside
`actions.py`; it follows the same anatomy (one transaction, permission,
write, broadcast on commit) and its docstring lists every side effect.

What the export never contains: other members' private data. Other people
appear by display name only; reports made *about* the member (and who made
them), blocks made *against* them, a mentee's request (when the member is
the mentor), match explanations, session keys, MFA secrets and the calendar
feed token stay out.
"""

import logging
import re
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import AuditLog, Invitation, Notification, User
from .realtime import close_session_sockets, force_disconnect_on_commit

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "alumni-community-export/1"
FORMER_MEMBER_TEXT = "A former member"


def pseudonym(member_id: int) -> str:
    """What the audit log calls an erased member."""
    return f"member#{member_id}"


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value.isoformat()


# --- Export ------------------------------------------------------------------------


def export_member_data(member: User) -> dict:
    """Everything the platform holds about `member`, as JSON-ready data.

    One function per app section; a fixed number of queries whatever the
    amount of data (tests/privacy/test_export.py counts them).
    """
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "member_id": member.pk,
        **_community_section(member),
        **_account_section(member),
        **_groups_section(member),
        **_events_section(member),
        **_mentorship_section(member),
    }


def _community_section(member: User) -> dict:
    profile = {
        "email": member.email,
        "display_name": member.display_name,
        "role": member.role,
        "pronouns": member.pronouns,
        "bio": member.bio,
        "cohort": member.cohort.name if member.cohort_id else None,
        "graduation_date": _iso(member.graduation_date),
        "time_zone": member.time_zone,
        "focus_areas": [a.name for a in member.focus_areas.order_by("name")],
        "in_directory": member.in_directory,
        "email_notification_kinds": list(member.email_notification_kinds or []),
        "joined_at": _iso(member.date_joined),
        "last_sign_in": _iso(member.last_login),
        "suspended_at": _iso(member.suspended_at),
        "suspension_reason": member.suspension_reason,
    }
    invitation = Invitation.objects.filter(accepted_by=member).first()
    notifications = [
        {"kind": n.kind, "text": n.text, "url": n.url, "created_at": _iso(n.created_at), "read_at": _iso(n.read_at)}
        for n in Notification.objects.filter(recipient=member).order_by("created_at", "pk")
    ]
    # Actions the member took as moderator or staff, and actions taken about
    # them. Labels and details are left out: they can name other people
    # (an invitation's label is someone's email address).
    audit = AuditLog.objects.filter(Q(actor=member) | Q(target_type="user", target_id=str(member.pk)))
    return {
        "profile": profile,
        "invitation": {
            "sent_at": _iso(invitation.created_at),
            "accepted_at": _iso(invitation.accepted_at),
            "role": invitation.role,
        }
        if invitation
        else None,
        "notifications": notifications,
        "audit_log": [
            {
                "action": row.action,
                "by_you": row.actor_id == member.pk,
                "about_you": row.target_type == "user" and row.target_id == str(member.pk),
                "target_type": row.target_type,
                "created_at": _iso(row.created_at),
            }
            for row in audit.order_by("created_at", "pk")
        ],
    }


def _account_section(member: User) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    return {
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=member).order_by("pk")
        ],
        # Types and dates only: the secrets and recovery codes stay out of a
        # file that may end up in a downloads folder.
        "two_factor": [
            {"type": a.type, "created_at": _iso(a.created_at), "last_used_at": _iso(a.last_used_at)}
            for a in Authenticator.objects.filter(user=member).order_by("pk")
        ],
        "sessions": [
            {
                "signed_in_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
                "ip": s.ip,
                "browser": s.user_agent,
            }
            for s in UserSession.objects.filter(user=member).order_by("created_at", "pk")
        ],
    }


def _groups_section(member: User) -> dict:
    from groups.models import (
        Block,
        CrisisAlert,
        Membership,
        Mention,
        Message,
        ModeratorDuty,
        Reaction,
        Report,
        Sanction,
    )

    memberships = Membership.objects.filter(user=member).select_related("room").order_by("joined_at", "pk")
    messages = Message.objects.filter(author=member).select_related("room").order_by("pk")
    reactions = Reaction.objects.filter(user=member).select_related("message__room").order_by("pk")
    mentions = Mention.objects.filter(user=member).select_related("message__room").order_by("pk")
    blocks = Block.objects.filter(blocker=member).select_related("blocked").order_by("pk")
    reports = Report.objects.filter(reporter=member).select_related("message__room").order_by("pk")
    sanctions = Sanction.objects.filter(member=member).select_related("room").order_by("created_at", "pk")
    # Alerts the member raised themselves. Alerts opened by someone else's
    # "worried about this person" report would reveal that report.
    alerts = (
        CrisisAlert.objects.filter(member=member)
        .exclude(source=CrisisAlert.Source.REPORT)
        .select_related("room")
        .order_by("created_at", "pk")
    )
    duty = ModeratorDuty.objects.filter(moderator=member).first()
    return {
        "rooms": [
            {
                "room": m.room.name,
                "role": m.role,
                "joined_at": _iso(m.joined_at),
                "left_at": _iso(m.left_at),
                "accepted_guidelines_at": _iso(m.accepted_guidelines_at),
                "muted_until": _iso(m.muted_until),
                "banned_until": _iso(m.banned_until),
                "banned_permanently": m.banned_permanently,
            }
            for m in memberships
        ],
        "messages": [
            {
                "id": m.pk,
                "room": m.room.name,
                "created_at": _iso(m.created_at),
                "edited_at": _iso(m.edited_at),
                "body": m.body,
                "content_note": m.content_note,
                "reply_to": m.reply_to_id,
                "status": m.status,
                "deleted_at": _iso(m.deleted_at),
            }
            for m in messages
        ],
        "reactions": [
            {"message": r.message_id, "room": r.message.room.name, "emoji": r.emoji, "created_at": _iso(r.created_at)}
            for r in reactions
        ],
        "mentions_of_you": [{"message": m.message_id, "room": m.message.room.name} for m in mentions],
        "blocked_members": [{"display_name": b.blocked.display_name, "since": _iso(b.created_at)} for b in blocks],
        "reports_you_made": [
            {
                "message": r.message_id,
                "room": r.message.room.name,
                "reason": r.reason,
                "note": r.note,
                "status": r.status,
                "created_at": _iso(r.created_at),
                "handled_at": _iso(r.handled_at),
            }
            for r in reports
        ],
        "sanctions": [
            {
                "kind": s.kind,
                "room": s.room.name if s.room_id else None,
                "reason": s.reason,
                "created_at": _iso(s.created_at),
                "ends_at": _iso(s.ends_at),
                "lifted_at": _iso(s.lifted_at),
            }
            for s in sanctions
        ],
        "crisis_alerts": [
            {
                "source": a.source,
                "room": a.room.name if a.room_id else None,
                "status": a.status,
                "created_at": _iso(a.created_at),
                "acknowledged_at": _iso(a.acknowledged_at),
                "resolved_at": _iso(a.resolved_at),
            }
            for a in alerts
        ],
        "moderator_duty": {"on_duty": duty.on_duty, "changed_at": _iso(duty.changed_at)} if duty else None,
    }


def _events_section(member: User) -> dict:
    from events.models import RSVP, CalendarFeed, Event, SentReminder

    rsvps = RSVP.objects.filter(member=member).select_related("occurrence__event").order_by("occurrence__starts_at")
    reminders = SentReminder.objects.filter(member=member).select_related("occurrence__event").order_by("sent_at")
    feed = CalendarFeed.objects.filter(member=member).first()
    hosted = Event.objects.filter(Q(host=member) | Q(created_by=member)).order_by("start_date", "pk")
    return {
        "rsvps": [
            {
                "meetup": r.occurrence.event.title,
                "starts_at": _iso(r.occurrence.starts_at),
                "status": r.status,
                "waitlisted_at": _iso(r.waitlisted_at),
                "responded_at": _iso(r.responded_at),
                "attended": r.attended,
            }
            for r in rsvps
        ],
        "meetup_reminders": [
            {"meetup": r.occurrence.event.title, "kind": r.kind, "sent_at": _iso(r.sent_at)} for r in reminders
        ],
        # The token is a credential; the export only says the feed exists.
        "calendar_feed": {"created_at": _iso(feed.created_at)} if feed else None,
        "meetups_you_host_or_created": [
            {"title": e.title, "start_date": _iso(e.start_date), "host": e.host_id == member.pk} for e in hosted
        ],
    }


def _mentorship_section(member: User) -> dict:
    from mentorship.models import CheckInPrompt, EndFeedback, MentorProfile, MentorRequest, Mentorship, PairBlock

    profile = MentorProfile.objects.filter(user=member).prefetch_related("focus_areas").first()
    requests = MentorRequest.objects.filter(mentee=member).prefetch_related("focus_areas").order_by("created_at")
    mentorships = (
        Mentorship.objects.involving(member)
        .exclude(status=Mentorship.Status.DRAFT)
        .select_related("mentor", "mentee")
        .order_by("created_at", "pk")
    )
    feedback = EndFeedback.objects.filter(author=member).order_by("created_at")
    checkins = CheckInPrompt.objects.filter(mentorship__mentor=member).order_by("sent_at")
    pair_blocks = PairBlock.objects.filter(created_by=member).select_related("mentor", "mentee").order_by("pk")
    return {
        "mentorship": {
            "mentor_profile": {
                "status": profile.status,
                "focus_areas": sorted(a.name for a in profile.focus_areas.all()),
                "recovery_pathway": profile.recovery_pathway,
                "languages": profile.languages,
                "availability": profile.availability,
                "time_zone": profile.time_zone,
                "meeting_preferences": profile.meeting_preferences,
                "capacity": profile.capacity,
                "bio": profile.bio,
                "gender": profile.gender,
                "applied_at": _iso(profile.applied_at),
                "decided_at": _iso(profile.decided_at),
                "paused_at": _iso(profile.paused_at),
                "retired_at": _iso(profile.retired_at),
            }
            if profile
            else None,
            "requests": [
                {
                    "status": r.status,
                    "goals": r.goals,
                    "focus_areas": sorted(a.name for a in r.focus_areas.all()),
                    "languages": r.languages,
                    "availability": r.availability,
                    "time_zone": r.time_zone,
                    "meeting_preferences": r.meeting_preferences,
                    "gender": r.gender,
                    "prefer_same_gender": r.prefer_same_gender,
                    "created_at": _iso(r.created_at),
                    "closed_at": _iso(r.closed_at),
                }
                for r in requests
            ],
            # The other side by display name only; their request (goals,
            # preferences) is theirs and stays out.
            "mentorships": [
                {
                    "your_role": m.role_of(member),
                    "with": m.other(member).display_name,
                    "status": m.status,
                    "proposed_at": _iso(m.proposed_at),
                    "started_at": _iso(m.started_at),
                    "ended_at": _iso(m.ended_at),
                }
                for m in mentorships
            ],
            "feedback_you_wrote": [{"body": f.body, "created_at": _iso(f.created_at)} for f in feedback],
            "check_in_prompts": [{"fortnight": c.fortnight, "sent_at": _iso(c.sent_at)} for c in checkins],
            "pairs_you_asked_never_to_match": [
                {"mentor": b.mentor.display_name, "mentee": b.mentee.display_name} for b in pair_blocks
            ],
        }
    }


# --- Erasure -----------------------------------------------------------------------


def _word(text: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(text) + r"(?!\w)", re.IGNORECASE)


def _unname(text: str, patterns: list[re.Pattern]) -> str:
    """Replace the member's name and addresses (patterns, longest first) by
    "a former member", capitalised where it starts the text or a sentence."""
    for pattern in patterns:
        text = pattern.sub("a former member", text)
    return re.sub(r"(^|[.!?]\s+)a former member", lambda m: m.group(1) + FORMER_MEMBER_TEXT, text)


def _patterns(member: User, emails: list[str]) -> list[re.Pattern]:
    return [_word(v) for v in sorted([member.display_name, *emails], key=len, reverse=True) if v]


def erase_member(*, member: User, password_confirmed: bool, keep_messages: bool) -> str:
    """Erase a member's account, at their own request, in one transaction.

    `password_confirmed` must be True: the view re-checked the password.
    `keep_messages`: the member's chat messages stay, as "Former member"
    with no link to them; otherwise their text is removed too (the rows stay
    as "message removed" placeholders so conversations, and reports about
    them, keep their shape).

    Side effects, all or nothing:
    - messages: author unset (and text removed unless keep_messages); the
      member's @mentions in other people's messages read "@former member";
    - deleted: reactions, mentions, blocks either way, memberships (room
      counts follow), sanctions, moderator duty, RSVPs and waitlist places
      (a freed spot goes to the next on the waitlist, who is notified),
      sent reminders, calendar feed, mentor profile, mentor requests,
      mentorships, pair blocks and the member's end-of-mentorship feedback,
      notifications, invitations to their addresses, allauth email
      addresses, MFA authenticators, user sessions and Django sessions;
    - live or proposed mentorships end first: the other side is notified
      without naming anything private; mentorship rooms are locked and
      renamed;
    - kept without a link: reports the member made (note removed), reports
      about their messages, crisis alerts about them (follow-up notes
      removed), events and rooms they created, moderator work they did;
    - other members' notifications that named them say "A former member";
      moderator stamps in crisis follow-ups name "member#<id>";
    - audit rows keep "member#<id>" only (AuditLog.pseudonymise_erased_member);
    - the User row is deleted last (no tombstone: nothing would need one);
    - on commit: every socket of the member closes with 4401, their presence
      entries and rate-limit counters (memory or Redis) are removed.

    Returns the pseudonymous id that the audit log now uses.
    """
    if not password_confirmed:
        raise PermissionDenied("Re-enter your password to delete your account.")
    with transaction.atomic():
        member = User.objects.select_for_update().filter(pk=member.pk).first()
        if member is None:
            raise ValidationError("This account no longer exists.")
        if (
            member.role == User.Role.STAFF
            and not User.objects.filter(role=User.Role.STAFF, is_active=True, suspended_at__isnull=True)
            .exclude(pk=member.pk)
            .exists()
        ):
            # The same rule as for roles: one click must not leave the site without staff.
            raise ValidationError(
                "You are the only staff member. Ask for a second staff account before deleting yours."
            )
        from allauth.account.models import EmailAddress

        member_id = member.pk
        alias = pseudonym(member_id)
        emails = sorted(
            {
                member.email.lower(),
                *(e.lower() for e in EmailAddress.objects.filter(user=member).values_list("email", flat=True)),
            }
        )
        names = [*emails, member.display_name]
        targets: set[tuple[str, str]] = {("user", str(member_id))}
        room_ids = list(member.memberships.values_list("room_id", flat=True))

        targets |= _erase_mentorship(member)
        _erase_events(member)
        targets |= _erase_groups(member, keep_messages=keep_messages, emails=emails)
        targets |= _erase_community(member, emails=emails)
        session_keys = _erase_account(member)
        _scrub_admin_log(member_id, names)

        AuditLog.objects.pseudonymise_erased_member(member_id=member_id, targets=targets, names=names)
        member.delete()

        force_disconnect_on_commit(member_id, code=4401)
        transaction.on_commit(lambda: _forget_live_state(member_id, session_keys, room_ids))
    return alias


def _erase_mentorship(member: User) -> set[tuple[str, str]]:
    from groups.models import Room
    from mentorship.models import EndFeedback, MentorProfile, MentorRequest, Mentorship, PairBlock

    from .actions import notify

    targets = set()
    hub = "/mentors/"
    mentorships = list(
        Mentorship.objects.select_for_update().involving(member).select_related("mentor", "mentee", "request")
    )
    for m in mentorships:
        targets.add(("mentorship", str(m.pk)))
        other = m.other(member)
        if m.status == Mentorship.Status.ACTIVE:
            notify(
                recipient=other,
                kind=Notification.Kind.MATCH,
                text="One of your mentorships has ended: the other member left the community. "
                "Thank you for the time you shared.",
                url=hub,
            )
        elif m.status == Mentorship.Status.PROPOSED:
            text = (
                "A proposed mentor is no longer available. Your request is still open."
                if m.mentor_id == member.pk
                else "A proposed mentorship did not go ahead. No action needed."
            )
            notify(recipient=other, kind=Notification.Kind.MATCH, text=text, url=hub)
        if m.room_id:
            targets.add(("room", str(m.room_id)))
            # The other side keeps the history, read-only, under a name that
            # no longer carries the member's display name.
            Room.objects.filter(pk=m.room_id).update(name="Mentorship (ended)", is_locked=True)
    profile = MentorProfile.objects.filter(user=member).first()
    if profile is not None:
        targets.add(("mentorprofile", str(profile.pk)))
    for block in PairBlock.objects.filter(Q(mentor=member) | Q(mentee=member)):
        targets.add(("pairblock", str(block.pk)))
    EndFeedback.objects.filter(author=member).delete()
    Mentorship.objects.filter(pk__in=[m.pk for m in mentorships]).delete()
    MentorRequest.objects.filter(mentee=member).delete()
    PairBlock.objects.filter(Q(mentor=member) | Q(mentee=member)).delete()
    MentorProfile.objects.filter(user=member).delete()
    return targets


def _erase_events(member: User) -> None:
    from events import actions as event_actions
    from events.models import RSVP, CalendarFeed, Occurrence, SentReminder

    now = timezone.now()
    holding = RSVP.objects.filter(member=member, status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED])
    for rsvp in holding.select_related("occurrence"):
        occurrence = rsvp.occurrence
        if occurrence.ends_at > now:
            try:
                # The ordinary path: frees the spot and promotes the waitlist.
                with transaction.atomic():
                    event_actions.rsvp(member=member, occurrence=occurrence, status=RSVP.Status.NOT_GOING)
                continue
            except (ValidationError, PermissionDenied):
                pass  # RSVP closed (started, cancelled) or audience changed: counters by hand
        counter = "going_count" if rsvp.status == RSVP.Status.GOING else "waitlist_count"
        Occurrence.objects.filter(pk=occurrence.pk, **{f"{counter}__gt": 0}).update(**{counter: F(counter) - 1})
    RSVP.objects.filter(member=member).delete()
    SentReminder.objects.filter(member=member).delete()
    CalendarFeed.objects.filter(member=member).delete()


def _erase_groups(member: User, *, keep_messages: bool, emails: list[str]) -> set[tuple[str, str]]:
    from groups.models import (
        Block,
        CrisisAlert,
        Membership,
        Mention,
        Message,
        ModeratorDuty,
        Reaction,
        Report,
        Room,
        Sanction,
    )

    now = timezone.now()
    patterns = _patterns(member, emails)
    alias = pseudonym(member.pk)
    # Other members' messages that @mention the member: the mention is a
    # reference to them, so it goes; the rest of the text is the writer's.
    mention = re.compile(r"(?<![\w@])@" + re.escape(member.display_name) + r"(?!\w)", re.IGNORECASE)
    mentioned = Message.objects.filter(mentions__user=member).exclude(author=member).distinct()
    for message in mentioned.only("pk", "body", "html"):
        Message.objects.filter(pk=message.pk).update(
            body=mention.sub("@former member", message.body), html=mention.sub("@former member", message.html)
        )
    Mention.objects.filter(user=member).delete()
    Reaction.objects.filter(user=member).delete()
    Block.objects.filter(Q(blocker=member) | Q(blocked=member)).delete()

    own = Message.objects.filter(author=member)
    # Reports about the member's messages stay for moderator history; names
    # of the member in their notes go.
    for report in Report.objects.filter(message__in=own).exclude(reporter=member):
        note, resolution = _unname(report.note, patterns), _unname(report.resolution_note, patterns)
        if (note, resolution) != (report.note, report.resolution_note):
            Report.objects.filter(pk=report.pk).update(note=note, resolution_note=resolution)
    if keep_messages:
        own.update(author=None)
    else:
        own.filter(deleted_at__isnull=True).update(deleted_at=now)
        own.update(author=None, body="", html="", content_note="", crisis_level="")
    # Reports the member made: the row is moderation history, the note is
    # the member's own words.
    Report.objects.filter(reporter=member).update(reporter=None, note="")

    # Crisis alerts about the member keep their timings (how fast moderators
    # answered), not the notes about the member's health.
    CrisisAlert.objects.filter(member=member).update(member=None, follow_up="")
    for alert in CrisisAlert.objects.filter(follow_up__icontains=member.display_name).only("pk", "follow_up"):
        follow_up = alert.follow_up
        for pattern in patterns:
            follow_up = pattern.sub(alias, follow_up)
        CrisisAlert.objects.filter(pk=alert.pk).update(follow_up=follow_up)

    Sanction.objects.filter(member=member).delete()
    ModeratorDuty.objects.filter(moderator=member).delete()
    active_rooms = list(Membership.objects.filter(user=member, left_at__isnull=True).values_list("room_id", flat=True))
    Room.objects.filter(pk__in=active_rooms, member_count__gt=0).update(member_count=F("member_count") - 1)
    Membership.objects.filter(user=member).delete()
    return set()


def _erase_community(member: User, *, emails: list[str]) -> set[tuple[str, str]]:
    targets = set()
    email_match = Q(accepted_by=member)
    for email in emails:
        email_match |= Q(email__iexact=email)
    invitations = Invitation.objects.filter(email_match)
    for pk in invitations.values_list("pk", flat=True):
        targets.add(("invitation", str(pk)))
    invitations.delete()

    Notification.objects.filter(recipient=member).delete()
    # Other members' notifications that named the member ("Alice mentioned
    # you", "Alice may be in crisis") now name nobody.
    patterns = _patterns(member, emails)
    candidates = Q(text__icontains=member.display_name)
    for email in emails:
        candidates |= Q(text__icontains=email)
    for notification in Notification.objects.filter(candidates).only("pk", "text"):
        Notification.objects.filter(pk=notification.pk).update(text=_unname(notification.text, patterns))
    return targets


def _erase_account(member: User) -> list[str]:
    """allauth and Django session rows. Returns the session keys that ended."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session

    keys = list(UserSession.objects.filter(user=member).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=member).delete()
    Authenticator.objects.filter(user=member).delete()
    EmailAddress.objects.filter(user=member).delete()
    return keys


def _scrub_admin_log(member_id: int, names: list[str]) -> None:
    """Django admin's own log: entries about the member's user row name them."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.filter(content_type=user_type, object_id=str(member_id)).update(object_repr=pseudonym(member_id))
    for value in names:
        for entry in LogEntry.objects.filter(object_repr__icontains=value).only("pk", "object_repr"):
            LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=_word(value).sub(pseudonym(member_id), entry.object_repr)
            )


# --- Live state outside the database (runs after commit) ----------------------------


def _forget_live_state(member_id: int, session_keys: list[str], room_ids: list[int]) -> None:
    """Runs after commit: the account is already gone, so a Redis hiccup here
    is logged, never raised (presence entries and counters expire anyway)."""
    for step in (
        lambda: [close_session_sockets(key) for key in session_keys],
        lambda: _forget_presence(member_id),
        lambda: _forget_rate_limits(member_id, room_ids),
    ):
        try:
            step()
        except Exception:  # noqa: BLE001 - see the docstring
            logger.warning("erasure: could not clear live state of an erased member", exc_info=True)


def _forget_presence(member_id: int) -> None:
    from groups import presence

    presence.forget_user(member_id)


def _forget_rate_limits(member_id: int, room_ids: list[int]) -> None:
    from groups import ratelimit

    ratelimit.forget_member(member_id, room_ids)
