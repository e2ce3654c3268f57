"""Chat rooms, memberships, messages and reactions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from community import permissions
from community.models import Cohort

REACTIONS = {
    "heart": "❤️",
    "hug": "🤗",
    "strong": "💪",
    "pray": "🙏",
    "clap": "👏",
    "smile": "🙂",
}


class RoomQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Rooms the user may see in the directory (and open).

        Topic rooms: every member. Cohort rooms: that cohort. Private and
        moderator rooms: their members. Site moderators see every room.
        """

        if permissions.is_family(user):
            return self.filter(kind=Room.Kind.FAMILY)
        if not permissions.is_active_member(user):
            return self.none()
        member_of = Membership.objects.filter(room=OuterRef("pk"), user=user, left_at__isnull=True)
        if permissions.is_site_moderator(user):
            return self.filter(~Q(kind__in=Room.MEMBERS_ONLY) | Exists(member_of))
        # EXISTS rather than a join + DISTINCT: annotations on the result
        # (unread counts in the directory) then run once per room, not once
        # per membership row.
        return self.filter(
            Q(kind=Room.Kind.TOPIC)
            | Q(kind=Room.Kind.COHORT, cohort_id=user.cohort_id, cohort__isnull=False)
            | (Q(kind__in=[Room.Kind.PRIVATE, *Room.MEMBERS_ONLY]) & Exists(member_of))
        )


def room_group(room_id: int) -> str:
    """The channel-layer group of a room's sockets (Room.group_name, without
    making a Room: a model instance costs its every field's default)."""
    return f"room.{room_id}"


class Room(models.Model):
    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic room"
        COHORT = "cohort", "Cohort room"
        PRIVATE = "private", "Private room"
        STAFF = "staff", "Moderators & staff"
        MENTORSHIP = "mentorship", "Mentorship"
        SUPPORT = "support", "Private support conversation"
        # Families & friends: family members and site moderators only; no
        # alumnus sees it (permissions.can_see_room).
        FAMILY = "family", "Families & friends room"
        # Two members who agreed to talk (groups.actions.direct): one per pair.
        DIRECT = "direct", "Direct messages"

    # Rooms only their members ever see: not in any directory, not even a site
    # moderator's (a moderator joins a support conversation through its alert).
    # These are the two-person conversations: one code path for all three.
    MEMBERS_ONLY = (Kind.MENTORSHIP, Kind.SUPPORT, Kind.DIRECT)

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.TOPIC)
    description = models.CharField(max_length=300, blank=True)
    guidelines = models.TextField(
        blank=True,
        help_text="Shown before a member's first post in this room.",
    )
    cohort = models.OneToOneField(Cohort, null=True, blank=True, on_delete=models.CASCADE, related_name="room")
    is_default = models.BooleanField(default=False, help_text="Every new member joins this room.")
    is_locked = models.BooleanField(default=False)
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    pinned_message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    # The room's two counters, both advanced under its row lock (so they
    # commit in order): `last_seq` numbers messages as they become visible
    # (contiguous, never reused: a client detects a gap at once), and
    # `last_change` numbers every later change — an edit, a removal, a
    # reaction, a held message leaving, a room setting — so a reconnecting
    # client is sent everything that changed since the last one it saw.
    last_seq = models.BigIntegerField(default=0)
    last_change = models.BigIntegerField(default=0)
    settings_change = models.BigIntegerField(default=0)
    # Direct conversations only: "<lower id>:<higher id>" of the two members,
    # unique, so two people racing to open one share it. Cleared on erasure.
    pair_key = models.CharField(max_length=41, null=True, blank=True, editable=False)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="cohort") | Q(cohort__isnull=False), name="cohort_room_has_cohort"
            ),
            models.UniqueConstraint(
                fields=["pair_key"], condition=Q(pair_key__isnull=False), name="one_direct_room_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:room", args=[self.slug])

    @property
    def group_name(self) -> str:
        return room_group(self.pk)


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        MODERATOR = "moderator", "Room moderator"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    accepted_guidelines_at = models.DateTimeField(null=True, blank=True)
    last_read_message_id = models.BigIntegerField(default=0)
    banned_until = models.DateTimeField(null=True, blank=True)
    banned_permanently = models.BooleanField(default=False)
    muted_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_membership_per_room"),
        ]
        indexes = [models.Index(fields=["user", "left_at"], name="membership_user_active_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"

    @property
    def is_active(self) -> bool:
        return self.left_at is None

    @property
    def is_banned(self) -> bool:
        return self.banned_permanently or (self.banned_until is not None and self.banned_until > timezone.now())

    @property
    def is_muted(self) -> bool:
        return self.muted_until is not None and self.muted_until > timezone.now()


class MessageQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(status=Message.Status.VISIBLE)

    def for_frames(self):
        """What serialising a message needs: one query, plus one for the
        reactions of all its rows (attach_reactions). Not Django's
        prefetch_related: for a page of 50 messages its per-row queryset
        building cost 4 ms, more than the rest of the room page's queries."""
        qs = self.select_related("author", "reply_to__author")
        qs._with_reactions = True
        return qs

    def _clone(self):
        clone = super()._clone()
        clone._with_reactions = getattr(self, "_with_reactions", False)
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and getattr(self, "_with_reactions", False) and self._result_cache:
            rows = [m for m in self._result_cache if isinstance(m, Message)]
            if rows:
                attach_reactions(rows)


class Message(models.Model):
    class Status(models.TextChoices):
        VISIBLE = "visible", "Visible"
        HELD = "held", "Held for review"
        REJECTED = "rejected", "Rejected"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="messages")
    client_id = models.UUIDField(default=uuid.uuid4)
    body = models.TextField()
    html = models.TextField()
    content_note = models.CharField(max_length=60, blank=True)
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VISIBLE)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delete_reason = models.CharField(max_length=300, blank=True)
    crisis_level = models.CharField(max_length=10, blank=True)
    # Its place in the room (Room.last_seq when it became visible); none while held.
    seq = models.BigIntegerField(null=True, blank=True)
    # Room.last_change at its latest edit, removal or reaction (0: never changed).
    changed = models.BigIntegerField(default=0)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            # Re-sending a client_id must never create a second message, even
            # when two sends race: the database is the referee.
            # Unique per author *and room*: re-sending a client_id into another
            # room is a new message there, never the first room's.
            models.UniqueConstraint(fields=["author", "room", "client_id"], name="one_message_per_client_id_in_room"),
            models.UniqueConstraint(fields=["room", "seq"], name="message_seq_unique_in_room"),
        ]
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_id_idx"),
            # The room page's latest visible messages, the socket's resume and
            # the directory's unread counts all ask for one room's *visible*
            # messages in id order. With status in the index the planner walks
            # it backwards and stops after a page, even without table
            # statistics; on (room, id) alone PostgreSQL fetched and sorted
            # the room's whole history (10 ms at 5,000 messages).
            models.Index(fields=["room", "status", "id"], name="message_room_status_id_idx"),
            models.Index(fields=["room", "changed"], name="message_room_changed_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.room_id}"

    def get_absolute_url(self) -> str:
        return reverse("groups:room", args=[self.room.slug]) + f"?around={self.pk}#m{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def attach_reactions(messages) -> None:
    """Read the reactions of these messages in one query and keep them on
    each one (`reaction_rows`: (emoji, user id) in the order given)."""
    by_message = {m.pk: [] for m in messages}
    rows = (
        Reaction.objects.filter(message_id__in=list(by_message))
        .order_by("id")
        .values_list("message_id", "emoji", "user_id")
    )
    for message_id, emoji, user_id in rows:
        by_message[message_id].append((emoji, user_id))
    for m in messages:
        m.reaction_rows = by_message[m.pk]


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16, choices=list(REACTIONS.items()))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="one_reaction_each"),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"


class Mention(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="one_mention_each")]

    def __str__(self) -> str:
        return f"mention of {self.user_id} in {self.message_id}"


class DirectRequest(models.Model):
    """A first message from someone new, waiting for its recipient's consent.

    Accepting opens the pair's direct room with this text as its first
    message (and deletes the request: the text now lives there). Declining is
    silent: the row stays, the sender still sees "sent", and they cannot ask
    again until DIRECT_REQUEST_COOLDOWN has passed — after which a pending
    request is treated exactly like a declined one, so the sender can never
    tell the two apart."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        DECLINED = "declined", "Declined"

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="direct_requests_sent")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="direct_requests_received"
    )
    body = models.TextField()
    client_id = models.UUIDField(default=uuid.uuid4)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One request per sender and recipient: asking again after the
            # cool-down reuses the row.
            models.UniqueConstraint(fields=["sender", "recipient"], name="one_direct_request_per_pair"),
            models.CheckConstraint(condition=~Q(sender=models.F("recipient")), name="no_direct_request_to_self"),
        ]
        indexes = [models.Index(fields=["recipient", "status", "created_at"], name="direct_request_inbox_idx")]

    def __str__(self) -> str:
        return f"Message request {self.pk} ({self.status})"


# --- Moderation ---------------------------------------------------------------------


class Block(models.Model):
    """One member no longer sees another's messages or mentions."""

    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_each"),
            models.CheckConstraint(condition=~Q(blocker=models.F("blocked")), name="no_self_block"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Report(models.Model):
    class Reason(models.TextChoices):
        HARASSMENT = "harassment", "Harassment"
        SPAM = "spam", "Spam"
        WORRIED = "worried", "I'm worried about this person"
        TRIGGERING = "triggering", "Triggering content without a content note"
        OTHER = "other", "Something else"
        WATCHED_WORD = "watched_word", "Flagged word (automatic)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLAIMED = "claimed", "Claimed"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    # Never shown to the reported member, nor to anyone but moderators.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports_made"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue_idx")]
        constraints = [
            # One open report per member per message: a second click is not a second report.
            models.UniqueConstraint(
                fields=["message", "reporter"],
                condition=Q(status__in=["open", "claimed"]),
                name="one_open_report_per_reporter",
            )
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.reason})"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.CLAIMED)


class Sanction(models.Model):
    """A step on the sanctions ladder, kept as the member's history."""

    class Kind(models.TextChoices):
        WARNING = "warning", "Private warning"
        MUTE = "mute", "Mute"
        BAN = "ban", "Room ban"
        SUSPENSION = "suspension", "Site suspension"

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.TextField(max_length=1000)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty for permanent (bans) or not applicable.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.member_id}"

    @property
    def is_active(self) -> bool:
        if self.lifted_at is not None or self.kind == self.Kind.WARNING:
            return False
        return self.ends_at is None or self.ends_at > timezone.now()


class WatchedWord(models.Model):
    class Action(models.TextChoices):
        BLOCK = "block", "Block (the sender gets an error)"
        HOLD = "hold", "Hold for review"
        FLAG = "flag", "Flag (posts, and a report is opened)"

    word = models.CharField(
        max_length=100, unique=True, help_text="A word or phrase; matched as whole words, any case."
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["word"]

    def __str__(self) -> str:
        return f"{self.word} ({self.action})"


class CrisisPhrase(models.Model):
    """A staff-editable pattern for the crisis detector, added to the built-in ones."""

    class Level(models.TextChoices):
        CRISIS = "crisis", "Crisis (self-harm, suicide, overdose, immediate danger)"
        CONCERN = "concern", "Concern (relapse, cravings, hopelessness)"
        EXCLUDE = "exclude", "Exclusion (a known false alarm: never raises anything by itself)"

    phrase = models.CharField(
        max_length=120, unique=True, help_text="Whole words, any case; * matches any word ending."
    )
    level = models.CharField(max_length=8, choices=Level.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["level", "phrase"]

    def __str__(self) -> str:
        return self.phrase


class ModeratorDuty(models.Model):
    moderator = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty")
    on_duty = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.moderator_id} {'on' if self.on_duty else 'off'} duty"


class CrisisAlert(models.Model):
    """A person who may be in crisis: open until a moderator acknowledges and
    follows up. Unacknowledged alerts escalate to every moderator and staff."""

    class Source(models.TextChoices):
        MESSAGE = "message", "Message wording"
        REPORT = "report", "Worried-about-this-person report"
        REQUEST = "request", "Asked to talk to a moderator"
        CHECKIN = "checkin", "Weekly check-in: said they are in danger now"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Followed up"

    class Label(models.TextChoices):
        """The handling moderator's judgement, which the detector learns from."""

        CRISIS = "crisis", "Real crisis"
        CONCERN = "concern", "Concern, not crisis"
        FALSE_ALARM = "false_alarm", "False alarm"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="crisis_alerts"
    )
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # A person asked for a human ("talk to a moderator now"): the most urgent case.
    urgent = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True)
    # Further crisis messages from the member while the alert is open move it
    # to the top of the console without paging everyone again.
    last_activity_at = models.DateTimeField(default=timezone.now)
    activity_count = models.PositiveIntegerField(default=1)
    latest_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    support_room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="support_alerts"
    )
    label = models.CharField(max_length=12, choices=Label.choices, blank=True)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    labelled_at = models.DateTimeField(null=True, blank=True)
    # The text the label judged, kept for retraining the detector after the
    # message itself is edited or erased (names scrubbed on erasure).
    labelled_text = models.TextField(blank=True)
    detector_tier = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="crisis_alert_queue_idx")]
        constraints = [
            # Two crisis messages sent at once must not page everyone twice.
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(status="open"), name="one_open_crisis_alert_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"Crisis alert {self.pk} ({self.status})"

    @property
    def time_to_acknowledge(self):
        return self.acknowledged_at - self.created_at if self.acknowledged_at else None

    @property
    def time_to_acknowledge_text(self) -> str:
        delta = self.time_to_acknowledge
        if delta is None:
            return "—"
        minutes = int(delta.total_seconds() // 60)
        if minutes < 1:
            return "under a minute"
        if minutes < 120:
            return f"{minutes} min"
        return f"{minutes // 60} h {minutes % 60} min"
