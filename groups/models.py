"""Chat rooms, memberships, messages and reactions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

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
        from community import permissions

        if not permissions.is_active_member(user):
            return self.none()
        if permissions.is_site_moderator(user):
            return self.exclude(kind=Room.Kind.MENTORSHIP)
        return self.filter(
            Q(kind=Room.Kind.TOPIC)
            | Q(kind=Room.Kind.COHORT, cohort_id=user.cohort_id, cohort__isnull=False)
            | Q(
                kind__in=[Room.Kind.PRIVATE, Room.Kind.MENTORSHIP],
                memberships__user=user,
                memberships__left_at__isnull=True,
            )
        ).distinct()


class Room(models.Model):
    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic room"
        COHORT = "cohort", "Cohort room"
        PRIVATE = "private", "Private room"
        STAFF = "staff", "Moderators & staff"
        MENTORSHIP = "mentorship", "Mentorship"

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

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="cohort") | Q(cohort__isnull=False), name="cohort_room_has_cohort"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:room", args=[self.slug])

    @property
    def group_name(self) -> str:
        return f"room.{self.pk}"


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
        """What serialising a message needs, in one query plus one for reactions."""
        return self.select_related("author", "reply_to__author").prefetch_related("reactions")


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

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            # Re-sending a client_id must never create a second message, even
            # when two sends race: the database is the referee.
            models.UniqueConstraint(fields=["author", "client_id"], name="one_message_per_client_id"),
        ]
        indexes = [models.Index(fields=["room", "id"], name="message_room_id_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.room_id}"

    def get_absolute_url(self) -> str:
        return reverse("groups:room", args=[self.room.slug]) + f"?around={self.pk}#m{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


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
