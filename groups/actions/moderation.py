"""Reports and the review queue, held messages, the sanctions ladder, room
controls, watched words and crisis phrases."""

from datetime import timedelta

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from community import ratelimit
from community.actions import notify, record_audit
from community.models import Notification, User
from community.permissions import is_site_moderator
from community.realtime import broadcast_on_commit, force_disconnect_on_commit

from .. import detector, permissions, queries
from ..errors import DENIAL_DETAIL, ChatError
from ..models import (
    CrisisAlert,
    CrisisPhrase,
    Membership,
    Message,
    Report,
    Room,
    Sanction,
    WatchedWord,
)
from .common import (
    _get_message,
    _message_event,
    _notify_moderators,
    member_frame_on_commit,
    next_seq,
    posting_frame,
    room_settings_changed,
)
from .crisis import open_crisis_alert
from .rooms import _activate_membership

# --- Reports and the review queue ----------------------------------------------------


@transaction.atomic
def report_message(*, reporter: User, room: Room, message_id, reason: str, note: str = "") -> Report:
    """Report a message to moderators. The reported member never learns who
    reported. Side effects: `report` notifications to the room's and site
    moderators; a "worried about this person" report opens a crisis alert."""
    membership = permissions.get_membership(reporter, room)
    if not permissions.can_read_room(reporter, room, membership):
        raise ChatError("forbidden", DENIAL_DETAIL["forbidden"])
    message = _get_message(room, message_id)
    if not isinstance(reason, str) or reason not in Report.Reason.values or reason == Report.Reason.WATCHED_WORD:
        raise ChatError("invalid", "Choose a reason for the report.")
    if reason == Report.Reason.OTHER and not note.strip():
        raise ChatError("invalid", "Please say a few words about what is wrong.")
    if message.author_id == reporter.pk:
        raise ChatError("invalid", "You cannot report your own message.")
    existing = Report.objects.filter(message=message, reporter=reporter, status__in=["open", "claimed"]).first()
    if existing is not None:
        return existing
    # Each report pages every moderator of the room: a burst of reports must
    # not become a way to flood them.
    wait = ratelimit.hit(f"report:{reporter.pk}", limit=10, window=600)
    if wait:
        raise ChatError(
            "rate_limited", "You've sent a lot of reports. Moderators are on it; try again later.", retry_after=wait
        )
    report = Report.objects.create(message=message, reporter=reporter, reason=reason, note=note.strip()[:1000])
    _notify_moderators(
        room, Notification.Kind.REPORT, f"New report in {room.name}: {report.get_reason_display()}", "/moderation/"
    )
    if reason == Report.Reason.WORRIED and message.author is not None:
        open_crisis_alert(member=message.author, room=room, message=message, source=CrisisAlert.Source.REPORT)
    return report


def _get_report_for_moderator(moderator: User, report: Report) -> Report:
    if not permissions.reports_visible_to(moderator).filter(pk=report.pk).exists():
        raise PermissionDenied
    return Report.objects.select_for_update(of=("self",)).select_related("message__room").get(pk=report.pk)


@transaction.atomic
def claim_report(*, moderator: User, report: Report) -> Report:
    report = _get_report_for_moderator(moderator, report)
    if not report.is_open:
        raise ValidationError("This report was already handled.")
    report.status = Report.Status.CLAIMED
    report.claimed_by = moderator
    report.save(update_fields=["status", "claimed_by"])
    record_audit(actor=moderator, action="report.claim", target=report)
    return report


@transaction.atomic
def close_report(*, moderator: User, report: Report, note: str, dismiss: bool = False) -> Report:
    """Resolve or dismiss a report with a note. Side effect: the reporter is
    told it was handled (not how, and not by whom)."""
    report = _get_report_for_moderator(moderator, report)
    if not report.is_open:
        raise ValidationError("This report was already handled.")
    report.status = Report.Status.DISMISSED if dismiss else Report.Status.RESOLVED
    report.handled_by = moderator
    report.handled_at = timezone.now()
    report.resolution_note = note.strip()[:1000]
    report.save(update_fields=["status", "handled_by", "handled_at", "resolution_note"])
    record_audit(
        actor=moderator,
        action="report.dismiss" if dismiss else "report.resolve",
        target=report,
        details={"note": report.resolution_note},
    )
    if report.reporter is not None:
        notify(
            recipient=report.reporter,
            kind=Notification.Kind.REPORT_HANDLED,
            text="Thank you — a moderator has handled the message you reported.",
        )
    return report


@transaction.atomic
def approve_held_message(*, moderator: User, message: Message) -> Message:
    """Release a held message into the room, in place: the same id, with its
    reports, crisis alert and mentions still attached. It takes the next seq
    of the room (its place is when the room first sees it), so a client
    resuming after the seq it last saw receives it.

    Side effects: `message` broadcast to the room; audit row."""
    held = Message.objects.select_for_update(of=("self",)).select_related("room", "author").get(pk=message.pk)
    room = held.room
    if not permissions.can_moderate_room(moderator, room, permissions.get_membership(moderator, room)):
        raise PermissionDenied
    if held.status != Message.Status.HELD:
        raise ValidationError("This message is not waiting for review.")
    held.status = Message.Status.VISIBLE
    held.seq = next_seq(room)
    held.save(update_fields=["status", "seq"])
    Room.objects.filter(pk=room.pk).update(last_message_at=timezone.now())
    record_audit(actor=moderator, action="message.approve", target=held, details={"room": room.slug})
    released = Message.objects.for_frames().get(pk=held.pk)
    broadcast_on_commit(room.group_name, _message_event(released))
    return released


@transaction.atomic
def reject_held_message(*, moderator: User, message: Message, note: str = "") -> Message:
    """Keep a held message out of the room. Side effect: its author is told, with the note."""
    message = Message.objects.select_for_update(of=("self",)).select_related("room", "author").get(pk=message.pk)
    if not permissions.can_moderate_room(moderator, message.room, permissions.get_membership(moderator, message.room)):
        raise PermissionDenied
    if message.status != Message.Status.HELD:
        raise ValidationError("This message is not waiting for review.")
    message.status = Message.Status.REJECTED
    message.delete_reason = note.strip()[:300]
    message.save(update_fields=["status", "delete_reason"])
    record_audit(actor=moderator, action="message.reject", target=message, details={"note": message.delete_reason})
    if message.author is not None:
        notify(
            recipient=message.author,
            kind=Notification.Kind.GENERAL,
            text=f"A moderator did not approve your message in {message.room.name}."
            + (f" Note: {message.delete_reason}" if message.delete_reason else ""),
            url=message.room.get_absolute_url(),
        )
    return message


# --- Sanctions ladder ----------------------------------------------------------------


def _require_moderator(moderator: User, room: Room | None) -> None:
    if room is None:
        if not is_site_moderator(moderator):
            raise PermissionDenied
    elif not permissions.can_moderate_room(moderator, room, permissions.get_membership(moderator, room)):
        raise PermissionDenied


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give a reason: it is kept in the member's history.")
    return reason[:1000]


def _sanctionable(moderator: User, member: User) -> None:
    if member.pk == moderator.pk:
        raise ValidationError("You cannot sanction yourself.")
    if is_site_moderator(member) and not permissions.is_staff(moderator):
        raise PermissionDenied


@transaction.atomic
def warn_member(*, moderator: User, member: User, room: Room | None, reason: str) -> Sanction:
    """A private warning: only the member (and moderators) see it."""
    _require_moderator(moderator, room)
    _sanctionable(moderator, member)
    reason = _require_reason(reason)
    sanction = Sanction.objects.create(
        member=member, room=room, kind=Sanction.Kind.WARNING, reason=reason, created_by=moderator
    )
    record_audit(
        actor=moderator, action="member.warn", target=member, details={"room": room and room.slug, "reason": reason}
    )
    notify(
        recipient=member,
        kind=Notification.Kind.GENERAL,
        text=f"A moderator sent you a private warning{f' about {room.name}' if room else ''}: {reason}",
    )
    return sanction


@transaction.atomic
def mute_member(*, moderator: User, member: User, room: Room, minutes: int, reason: str) -> Sanction:
    """Mute in one room for `minutes` (1 minute to 30 days): the member reads
    but gets `muted` with the end time when posting."""
    _require_moderator(moderator, room)
    _sanctionable(moderator, member)
    reason = _require_reason(reason)
    if not isinstance(minutes, int) or not 1 <= minutes <= 60 * 24 * 30:
        raise ValidationError("A mute lasts from 1 minute to 30 days.")
    membership = Membership.objects.select_for_update().filter(room=room, user=member, left_at__isnull=True).first()
    if membership is None:
        raise ValidationError("That member is not in this room.")
    ends = timezone.now() + timedelta(minutes=minutes)
    membership.muted_until = ends
    membership.save(update_fields=["muted_until"])
    sanction = Sanction.objects.create(
        member=member, room=room, kind=Sanction.Kind.MUTE, reason=reason, ends_at=ends, created_by=moderator
    )
    record_audit(
        actor=moderator,
        action="member.mute",
        target=member,
        details={"room": room.slug, "minutes": minutes, "reason": reason},
    )
    notify(
        recipient=member,
        kind=Notification.Kind.GENERAL,
        text=f"You are muted in {room.name} until {timezone.localtime(ends):%b %d %H:%M}. Reason: {reason}",
        url=room.get_absolute_url(),
    )
    # An open page greys its composer out now, rather than failing a send.
    member_frame_on_commit(member.pk, room, posting_frame(member, room, membership))
    return sanction


@transaction.atomic
def ban_member(*, moderator: User, member: User, room: Room, reason: str, days: int | None = None) -> Sanction:
    """Ban from a room, for `days` or permanently. Side effect: the member's
    sockets in the room close at once."""
    _require_moderator(moderator, room)
    _sanctionable(moderator, member)
    reason = _require_reason(reason)
    if days is not None and (not isinstance(days, int) or not 1 <= days <= 3650):
        raise ValidationError("A timed ban lasts from 1 day to 10 years; leave it empty for permanent.")
    # A ban never grants access: someone banned from a room they are not in
    # gets a membership that has already ended, which carries the ban and
    # nothing else (when it lapses they are still not a member).
    membership, _ = Membership.objects.select_for_update().get_or_create(
        room=room, user=member, defaults={"left_at": timezone.now()}
    )
    ends = timezone.now() + timedelta(days=days) if days else None
    membership.banned_until = ends
    membership.banned_permanently = days is None
    membership.save(update_fields=["banned_until", "banned_permanently"])
    sanction = Sanction.objects.create(
        member=member, room=room, kind=Sanction.Kind.BAN, reason=reason, ends_at=ends, created_by=moderator
    )
    record_audit(
        actor=moderator, action="member.ban", target=member, details={"room": room.slug, "days": days, "reason": reason}
    )
    force_disconnect_on_commit(member.pk, code=4403, room=room.slug)
    return sanction


@transaction.atomic
def suspend_member(*, staff: User, member: User, reason: str) -> Sanction:
    """Suspend from the whole site (staff). Side effects: every session of the
    member ends and every socket closes."""
    if not permissions.is_staff(staff):
        raise PermissionDenied
    _sanctionable(staff, member)
    reason = _require_reason(reason)
    User.objects.filter(pk=member.pk).update(suspended_at=timezone.now(), suspension_reason=reason)
    sanction = Sanction.objects.create(member=member, kind=Sanction.Kind.SUSPENSION, reason=reason, created_by=staff)
    record_audit(actor=staff, action="member.suspend", target=member, details={"reason": reason})
    _end_sessions(member)
    force_disconnect_on_commit(member.pk, code=4401)
    return sanction


def _end_sessions(member: User) -> None:

    keys = list(UserSession.objects.filter(user=member).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=member).delete()


@transaction.atomic
def lift_sanction(*, moderator: User, sanction: Sanction, reason: str) -> Sanction:
    """Lift a mute, ban or suspension early; recorded like the sanction itself."""
    sanction = Sanction.objects.select_for_update(of=("self",)).select_related("member", "room").get(pk=sanction.pk)
    if sanction.kind == Sanction.Kind.SUSPENSION:
        if not permissions.is_staff(moderator):
            raise PermissionDenied
    else:
        _require_moderator(moderator, sanction.room)
    if not sanction.is_active:
        raise ValidationError("This sanction is no longer in force.")
    reason = _require_reason(reason)
    sanction.lifted_at = timezone.now()
    sanction.lifted_by = moderator
    sanction.lift_reason = reason
    sanction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    if sanction.kind == Sanction.Kind.MUTE:
        Membership.objects.filter(room=sanction.room, user=sanction.member).update(muted_until=None)
        membership = permissions.get_membership(sanction.member, sanction.room)
        member_frame_on_commit(
            sanction.member_id, sanction.room, posting_frame(sanction.member, sanction.room, membership)
        )
    elif sanction.kind == Sanction.Kind.BAN:
        Membership.objects.filter(room=sanction.room, user=sanction.member).update(
            banned_until=None, banned_permanently=False
        )
    elif sanction.kind == Sanction.Kind.SUSPENSION:
        User.objects.filter(pk=sanction.member_id).update(suspended_at=None, suspension_reason="")
    record_audit(
        actor=moderator,
        action=f"member.{sanction.kind}.lift",
        target=sanction.member,
        details={"room": sanction.room.slug if sanction.room else None, "reason": reason},
    )
    return sanction


# --- Room controls --------------------------------------------------------------------


@transaction.atomic
def update_room_settings(
    *, moderator: User, room: Room, is_locked: bool, slow_mode_seconds: int, guidelines: str, description: str
) -> Room:
    """Lock/unlock, slow mode, guidelines and description, as one audited change.
    Side effect: `room.updated` to the room's sockets."""
    _require_moderator(moderator, room)
    if not isinstance(slow_mode_seconds, int) or not 0 <= slow_mode_seconds <= 3600:
        raise ValidationError("Slow mode is from 0 (off) to 3,600 seconds.")
    # A browser's textarea sends CRLF line ends: compare and keep the text as
    # typed, so saving the form unchanged never asks everyone to re-accept.
    guidelines = guidelines.replace("\r\n", "\n").replace("\r", "\n")
    description = description.replace("\r\n", "\n").replace("\r", "\n")
    room = Room.objects.select_for_update().get(pk=room.pk)
    before = {
        "is_locked": room.is_locked,
        "slow_mode_seconds": room.slow_mode_seconds,
        "guidelines_changed": False,
        "description_changed": False,
    }
    changes = {
        "is_locked": is_locked != room.is_locked,
        "slow_mode_seconds": slow_mode_seconds != room.slow_mode_seconds,
        "guidelines_changed": guidelines.strip() != room.guidelines.strip(),
        "description_changed": description.strip() != room.description.strip(),
    }
    room.is_locked = is_locked
    room.slow_mode_seconds = slow_mode_seconds
    room.guidelines = guidelines.strip()
    room.description = description.strip()[:300]
    room.save(update_fields=["is_locked", "slow_mode_seconds", "guidelines", "description"])
    if changes["guidelines_changed"]:
        # Everyone reads the new guidelines before their next post.
        Membership.objects.filter(room=room).update(accepted_guidelines_at=None)
    record_audit(
        actor=moderator,
        action="room.settings",
        target=room,
        details={
            "before": before,
            "after": {"is_locked": is_locked, "slow_mode_seconds": slow_mode_seconds},
            "changed": [k for k, v in changes.items() if v],
        },
    )
    room_settings_changed(room, guidelines_changed=changes["guidelines_changed"] and bool(room.guidelines))
    return room


@transaction.atomic
def pin_message(*, moderator: User, room: Room, message_id: int | None) -> Room:
    _require_moderator(moderator, room)
    message = None
    if message_id is not None:
        message = Message.objects.visible().filter(room=room, pk=message_id, deleted_at__isnull=True).first()
        if message is None:
            raise ValidationError("That message is not in this room.")
    Room.objects.filter(pk=room.pk).update(pinned_message=message)
    record_audit(
        actor=moderator, action="room.pin" if message else "room.unpin", target=room, details={"message": message_id}
    )
    room_settings_changed(room)
    return Room.objects.get(pk=room.pk)


@transaction.atomic
def set_room_moderator(*, staff: User, room: Room, member: User, is_moderator: bool) -> Membership:
    """Appoint or stand down a room moderator (staff)."""
    if not permissions.is_staff(staff):
        raise PermissionDenied
    membership = _activate_membership(member, room)
    membership.role = Membership.Role.MODERATOR if is_moderator else Membership.Role.MEMBER
    membership.save(update_fields=["role"])
    record_audit(
        actor=staff,
        action="room.moderator.appoint" if is_moderator else "room.moderator.remove",
        target=room,
        details={"member": member.pk},
    )
    force_disconnect_on_commit(member.pk, code=4000, room=room.slug)
    return membership


# --- Watched words and crisis phrases (staff) ------------------------------------------


@transaction.atomic
def add_watched_word(*, staff: User, word: str, action: str):

    if not permissions.is_staff(staff):
        raise PermissionDenied
    word = " ".join(word.split()).lower()
    if not word or action not in WatchedWord.Action.values:
        raise ValidationError("Give a word and what to do with it.")
    if WatchedWord.objects.filter(word=word).exists():
        raise ValidationError("That word is already watched.")
    row = WatchedWord.objects.create(word=word, action=action, created_by=staff)
    record_audit(actor=staff, action="watched_word.add", target=row, details={"action": action})
    transaction.on_commit(detector.forget_lists)
    return row


@transaction.atomic
def remove_watched_word(*, staff: User, word) -> None:
    if not permissions.is_staff(staff):
        raise PermissionDenied
    record_audit(actor=staff, action="watched_word.remove", details={"word": word.word})
    word.delete()
    transaction.on_commit(detector.forget_lists)


@transaction.atomic
def add_crisis_phrase(*, staff: User, phrase: str, level: str):

    if not permissions.is_staff(staff):
        raise PermissionDenied
    phrase = " ".join(phrase.split()).lower()
    if not phrase or level not in CrisisPhrase.Level.values:
        raise ValidationError("Give a phrase and its level.")
    if CrisisPhrase.objects.filter(phrase=phrase).exists():
        raise ValidationError("That phrase is already on the list.")
    row = CrisisPhrase.objects.create(phrase=phrase, level=level)
    record_audit(actor=staff, action="crisis_phrase.add", target=row, details={"level": level})
    transaction.on_commit(detector.forget_lists)
    return row


@transaction.atomic
def remove_crisis_phrase(*, staff: User, phrase) -> None:
    if not permissions.is_staff(staff):
        raise PermissionDenied
    record_audit(actor=staff, action="crisis_phrase.remove", details={"phrase": phrase.phrase})
    phrase.delete()
    transaction.on_commit(detector.forget_lists)


@transaction.atomic
def read_report_context(*, moderator: User, report: Report) -> list:
    """The reported message and the ten before it, for a moderator reading a
    report from a two-person conversation — the only way a moderator ever
    reads one, so every reading is in the audit log (`report.context`, with
    how many messages it showed)."""
    if not permissions.can_see_report_context(moderator, report):
        raise PermissionDenied
    shown = queries.report_context(report)
    record_audit(
        actor=moderator,
        action="report.context",
        target=report,
        details={"room": report.message.room_id, "messages": len(shown)},
    )
    return shown
