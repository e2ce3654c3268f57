"""Web Push: a member's subscriptions (one per browser or installed app) and
what they want pushed.

A subscription is the browser's push endpoint (a capability URL at the
browser's push service) and the two keys that encrypt for it (RFC 8291).
It is tied to the session it was made in: when that session ends (signing
out, an ended session, expiry) the next push finds it gone and deletes the
subscription, so a shared device stops receiving a member's notifications
once they sign out.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone


class Category(models.TextChoices):
    """What a member switches on or off; each notification kind falls in one."""

    MENTIONS = "mentions", "Mentions of me"
    DIRECT = "direct", "Direct messages"
    MEETUPS = "meetups", "Meetup reminders and changes"
    MENTORSHIP = "mentorship", "Mentorship news, and a moderator reaching out to me"
    CRISIS = "crisis", "Crisis alerts and requests to talk to a moderator"
    OTHER = "other", "Everything else (check-in reminders, milestones, notices)"


# Notification kinds (community.models.Notification.Kind values) by category.
KIND_CATEGORY = {
    "mention": Category.MENTIONS,
    "dm": Category.DIRECT,
    "dm_request": Category.DIRECT,
    "reminder": Category.MEETUPS,
    "meetup": Category.MEETUPS,
    "match": Category.MENTORSHIP,
    "support": Category.MENTORSHIP,
    "crisis_alert": Category.CRISIS,
    "moderator_request": Category.CRISIS,
}
# Only for moderators and staff (the settings page offers it to them alone).
MODERATOR_CATEGORIES = {Category.CRISIS}
DEFAULT_CATEGORIES = [Category.MENTIONS, Category.DIRECT, Category.MEETUPS, Category.MENTORSHIP, Category.CRISIS]


def category_of(kind: str) -> str:
    return KIND_CATEGORY.get(kind, Category.OTHER)


class PushSettings(models.Model):
    """One member's choices, for every device they turned push on for."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_settings")
    categories = models.JSONField(default=list, blank=True)
    # Off by default: a phone's lock screen is not private.
    previews = models.BooleanField("show message previews", default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "push settings"

    def __str__(self) -> str:
        return f"push settings of member#{self.member_id}"

    def wants(self, kind: str) -> bool:
        return category_of(kind) in self.categories


class PushSubscriptionQuerySet(models.QuerySet):
    def of(self, member):
        return self.filter(member=member)


class PushSubscription(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    # Push services' endpoints run to a few hundred characters (FCM's ~190,
    # Mozilla's ~260, Apple's ~200); 2000 leaves room.
    endpoint = models.CharField(max_length=2000, unique=True)
    p256dh = models.CharField("browser public key", max_length=100)
    auth = models.CharField("auth secret", max_length=50)
    session_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    # Failures since the last success (a 404 or 410 deletes the row instead).
    failures = models.PositiveIntegerField(default=0)

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["member"], name="push_subscription_member_idx")]

    def __str__(self) -> str:
        return f"push to {self.service} for member#{self.member_id}"

    @property
    def service(self) -> str:
        """The push service's host: safe to log and show (the path is the secret)."""
        return urlsplit(self.endpoint).hostname or "?"

    def as_subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushPreview(models.Model):
    """The words of a message, for a member who turned previews on, kept only
    until the push task has sent them (and deleted with the notification).
    Not kept in the task's own arguments, which the task table stores for good."""

    notification = models.OneToOneField(
        "community.Notification", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    text = models.TextField()

    def __str__(self) -> str:
        return f"preview for notification#{self.notification_id}"
