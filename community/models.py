"""Members: users and their profiles, cohorts, invitations, notifications,
the audit log and crisis resources."""

import re
import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class FocusArea(models.Model):
    """A topic members can say matters to them (staff-managed list)."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Cohort(models.Model):
    """A group of people who went through the program together."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    program_track = models.CharField(
        max_length=80, blank=True, help_text="For example 'Mental health IOP' or 'Substance use IOP'."
    )
    graduation_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-graduation_date", "name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        extra.setdefault("display_name", email.split("@")[0][:40])
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=User.Role.STAFF)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A member of the community.

    Other members only ever see `display_name` (a pseudonym is fine); the email
    address is for sign-in and notifications and is never rendered to anyone
    but its owner and staff. There is no real-name field at all.
    """

    class Role(models.TextChoices):
        ALUMNUS = "alumnus", "Alumnus"
        MODERATOR = "moderator", "Moderator"
        STAFF = "staff", "Staff"
        # A graduate's family member or friend: sees only family rooms,
        # meetups open to families, the family resources and the crisis
        # resources — nothing of the alumni side (community.permissions).
        FAMILY = "family", "Family member"

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=40)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ALUMNUS)
    pronouns = models.CharField(max_length=30, blank=True)
    bio = models.TextField(max_length=500, blank=True)
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    graduation_date = models.DateField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="America/Chicago", validators=[validate_time_zone])
    focus_areas = models.ManyToManyField(FocusArea, blank=True, related_name="members")
    in_directory = models.BooleanField("show me in the member directory", default=False)
    email_notification_kinds = models.JSONField(
        default=list,
        blank=True,
        help_text="Notification kinds this member also wants by email.",
    )

    class DirectMessages(models.TextChoices):
        NOBODY = "nobody", "Nobody"
        MENTORS = "mentors", "My mentor or mentee and moderators"
        SHARED_ROOM = "shared_room", "Members who share a room with me"

    # Who may send this member a message request (groups, direct messages).
    direct_messages_from = models.CharField(
        "who may message me", max_length=12, choices=DirectMessages.choices, default=DirectMessages.MENTORS
    )
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("display_name"), name="unique_display_name_ci"),
            models.CheckConstraint(
                condition=models.Q(role__in=["alumnus", "moderator", "staff", "family"]), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def is_moderator(self) -> bool:
        """Site moderators (and staff) moderate every room."""
        return self.role in (self.Role.MODERATOR, self.Role.STAFF)

    @property
    def is_community_staff(self) -> bool:
        return self.role == self.Role.STAFF

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def public_dict(self) -> dict:
        """The only representation of a member that other members receive.
        Moderators and staff carry a role badge, shown beside their name in
        chat: a display name alone can never claim a role."""
        public = {"id": self.pk, "display_name": self.display_name}
        if self.role in (self.Role.MODERATOR, self.Role.STAFF):
            public["badge"] = self.get_role_display()
        return public


class FormerDisplayName(models.Model):
    """A display name a member used before renaming, and until when. Other
    people's rows written meanwhile (crisis-alert notifications, @mentions)
    still carry it, so erasure scrubs these names too (outside review
    finding 4). Written by community.actions.update_profile; erased with the
    member."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField(max_length=40)
    used_until = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["member", "used_until", "pk"]
        indexes = [models.Index(fields=["member", "used_until"])]

    def __str__(self) -> str:
        return f"{self.name} (until {self.used_until:%Y-%m-%d})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def usable(self):
        return self.pending().filter(expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use link that lets one graduate create an account."""

    email = models.EmailField()
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.SET_NULL)
    role = models.CharField(max_length=16, choices=User.Role.choices, default=User.Role.ALUMNUS)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="invitations_sent")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one open invitation per address: resending reuses it.
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_pending_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def is_usable(self) -> bool:
        return self.status == "pending"

    def get_accept_url(self) -> str:
        return settings.SITE_URL + reverse("invitation_accept", args=[self.token])


class Notification(models.Model):
    class Kind(models.TextChoices):
        GENERAL = "general", "General"
        MENTION = "mention", "Mention"
        REMINDER = "reminder", "Meetup reminder"
        MEETUP = "meetup", "Meetup change"
        MATCH = "match", "Mentor match"
        REPORT = "report", "Report (moderators)"
        CRISIS_ALERT = "crisis_alert", "Crisis alert (moderators)"
        MODERATOR_REQUEST = "moderator_request", "A member asked to talk to a moderator (moderators)"
        SUPPORT = "support", "A moderator reached out"
        REPORT_HANDLED = "report_handled", "Report handled"
        CHECKIN = "checkin", "Check-in reminder"
        MILESTONE = "milestone", "Milestone"
        DM = "dm", "Direct message"
        DM_REQUEST = "dm_request", "Message request"
        FAMILY = "family", "Family and friends"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:40]}"

    def as_event(self) -> dict:
        return {
            "id": self.pk,
            "kind": self.kind,
            "text": self.text,
            "url": self.url,
            "created_at": self.created_at.isoformat(),
        }


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")

    def pseudonymise_erased_member(self, *, member_id: int, targets: set[tuple[str, str]], names: list[str]) -> int:
        """The one change the audit log allows, and only for account erasure.

        A member who erases their account keeps the right not to be named,
        while the log must keep saying what happened, when, and by which
        (pseudonymous) account. So, for member `member_id`:

        - rows they acted in get actor_label "member#<id>" (no display name);
        - rows about them — whose (target_type, target_id) is in `targets`:
          their user row, invitation, mentor profile, mentorships, their
          mentorship rooms — get every one of `names` (their display name and
          email addresses) replaced by "member#<id>" in target_label and in
          the string values of details.

        Nothing else changes and no row is removed. Returns how many rows
        changed. Call it only from `alumni.privacy.erase_member`.
        """

        pseudonym = f"member#{member_id}"
        # Longest first: an email address contains the display name's letters.
        ordered = sorted((n for n in names if n), key=len, reverse=True)
        patterns = [re.compile(r"(?<!\w)" + re.escape(n) + r"(?!\w)", re.IGNORECASE) for n in ordered]

        def scrub(value):
            if isinstance(value, str):
                for pattern in patterns:
                    value = pattern.sub(pseudonym, value)
                return value
            if isinstance(value, list):
                return [scrub(v) for v in value]
            if isinstance(value, dict):
                return {k: scrub(v) for k, v in value.items()}
            return value

        about = models.Q(pk__in=[])
        for target_type, target_id in targets:
            about |= models.Q(target_type=target_type, target_id=target_id)
        acted = models.Q(actor_id=member_id) | models.Q(actor_label__startswith=f"{pseudonym} (")
        changed = 0
        for row in self.filter(acted | about).order_by("pk"):
            fields = {}
            if row.actor_id == member_id or row.actor_label.startswith(f"{pseudonym} ("):
                fields["actor_label"] = pseudonym
            if (row.target_type, row.target_id) in targets:
                fields["target_label"] = scrub(row.target_label)[:200]
                fields["details"] = scrub(row.details)
            fields = {k: v for k, v in fields.items() if getattr(row, k) != v}
            if fields:
                # The plain QuerySet.update: ours refuses, on purpose, everywhere else.
                models.QuerySet.update(self.model.objects.filter(pk=row.pk), **fields)
                changed += 1
        return changed


class AuditLog(models.Model):
    """An append-only record of every moderator and staff action."""

    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    # Kept so that the row still says who acted after that account is erased;
    # it holds a pseudonymous id, never an email.
    actor_label = models.CharField(max_length=80)
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")


class CrisisResource(models.Model):
    """A crisis line shown on the crisis page and in the in-chat resource card."""

    name = models.CharField(max_length=100)
    detail = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    sms = models.CharField("text number", max_length=30, blank=True)
    url = models.URLField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "detail": self.detail,
            "phone": self.phone,
            "sms": self.sms,
            "url": self.url,
        }


class Heartbeat(models.Model):
    """The last time a long-running process said it is alive (the periodic-job
    scheduler). In the database, because the web processes that report health
    run on other machines than the scheduler."""

    name = models.CharField(max_length=40, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
