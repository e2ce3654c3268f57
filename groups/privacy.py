"""Export and erasure of a member's chat data: called by alumni.privacy in a
fixed order (mentorship, meetups, chat, then the members app)."""

import re

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from community import ratelimit
from community.privacy import Erasure, after_commit_guard, pseudonym
from community.privacy import iso as _iso
from community.privacy import unname as _unname
from community.realtime import presence

from .models import (
    Block,
    CrisisAlert,
    DirectRequest,
    Membership,
    Mention,
    Message,
    ModeratorDuty,
    Reaction,
    Report,
    Room,
    Sanction,
)


def export(member) -> dict:
    """The member's rooms, messages, reactions, mentions, blocks, reports,
    sanctions, the crisis alerts they raised, moderator duty, and the message
    requests they sent and received."""
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
    requests_sent = DirectRequest.objects.filter(sender=member).select_related("recipient").order_by("pk")
    # Not a request asked again while the member's decline keeps it quiet
    # (stored declined, sent after the decline): they never see those.
    requests_received = (
        DirectRequest.objects.filter(recipient=member)
        .exclude(status=DirectRequest.Status.DECLINED, created_at__gt=F("decided_at"))
        .select_related("sender")
        .order_by("pk")
    )
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
        # A request the member sent reads "sent" whatever its recipient did:
        # declining is silent, in the export too.
        "message_requests_sent": [
            {"to": r.recipient.display_name, "body": r.body, "status": "sent", "created_at": _iso(r.created_at)}
            for r in requests_sent
        ],
        "message_requests_received": [
            {
                "from": r.sender.display_name,
                "body": r.body,
                "status": r.status,
                "created_at": _iso(r.created_at),
                "decided_at": _iso(r.decided_at),
            }
            for r in requests_received
        ],
    }


def erase(erasure: Erasure) -> set[tuple[str, str]]:
    """See alumni.privacy.erase_member for the whole list of side effects."""
    member, keep_messages = erasure.member, erasure.keep_messages
    now = timezone.now()
    patterns = erasure.patterns
    alias = pseudonym(member.pk)
    # Other members' messages that @mention the member: the mention is a
    # reference to them, so it goes; the rest of the text is the writer's.
    # The Mention row says it is them; the text may carry an earlier name.
    names = "|".join(re.escape(name) for name in erasure.display_names)
    mention = re.compile(r"(?<![\w@])@(?:" + names + r")(?!\w)", re.IGNORECASE)
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
    # A label the moderators gave keeps teaching the detector (the words, with
    # the member's names and addresses scrubbed), never who wrote them.
    for alert in CrisisAlert.objects.filter(member=member).exclude(labelled_text="").only("pk", "labelled_text"):
        CrisisAlert.objects.filter(pk=alert.pk).update(labelled_text=_unname(alert.labelled_text, patterns))
    CrisisAlert.objects.filter(member=member).update(member=None, follow_up="")
    named = Q()
    for name in erasure.display_names:
        named |= Q(follow_up__icontains=name)
    for alert in CrisisAlert.objects.filter(named).only("pk", "follow_up"):
        follow_up = alert.follow_up
        for pattern in patterns:
            follow_up = pattern.sub(alias, follow_up)
        CrisisAlert.objects.filter(pk=alert.pk).update(follow_up=follow_up)

    Sanction.objects.filter(member=member).delete()
    ModeratorDuty.objects.filter(moderator=member).delete()
    active_rooms = list(Membership.objects.filter(user=member, left_at__isnull=True).values_list("room_id", flat=True))
    Room.objects.filter(pk__in=active_rooms, member_count__gt=0).update(member_count=F("member_count") - 1)
    room_ids = list(Membership.objects.filter(user=member).values_list("room_id", flat=True))
    # Support conversations name the member in their description; the
    # moderators keep the history, locked, without the name.
    Room.objects.filter(pk__in=room_ids, kind=Room.Kind.SUPPORT).update(
        description="A private support conversation with a former member.", is_locked=True
    )
    # Direct conversations: the other member keeps them, closed; the pair key
    # (which held the member's id) goes, and so do message requests either way.
    Room.objects.filter(pk__in=room_ids, kind=Room.Kind.DIRECT).update(pair_key=None, is_locked=True)
    DirectRequest.objects.filter(Q(sender=member) | Q(recipient=member)).delete()
    Membership.objects.filter(user=member).delete()
    member_id = member.pk
    transaction.on_commit(lambda: _forget_live_state(member_id, room_ids))
    return set()


def _forget_live_state(member_id: int, room_ids: list[int]) -> None:
    """Presence entries and rate-limit counters (memory or Redis) expire on
    their own; erasure does not wait for them. Runs after commit, so a Redis
    hiccup is logged, never raised."""
    with after_commit_guard():
        presence.forget_user(member_id)
    with after_commit_guard():
        windows = [(f"send:{member_id}", settings.RATE_LIMIT_BURST / settings.RATE_LIMIT_PER_SECOND)]
        for room_id, seconds in Room.objects.filter(pk__in=room_ids, slow_mode_seconds__gt=0).values_list(
            "pk", "slow_mode_seconds"
        ):
            windows.append((f"slow:{room_id}:{member_id}", seconds))
        ratelimit.forget(windows)
