"""Mentor profiles, mentor requests, mentorships and check-in prompts.

Privacy: a mentee's focus areas, goals, gender and preferences live on their
MentorRequest and are shown only to staff and to the mentor of an *active*
mentorship. A mentor's gender is optional and never displayed; it is only
compared when a mentee asks for a mentor of the same gender.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from community.models import FocusArea, validate_time_zone

from .matching import MEETING_MODES, SLOTS, Weights

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("asl", "American Sign Language"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ht", "Haitian Creole"),
    ("ko", "Korean"),
    ("pt", "Portuguese"),
    ("ru", "Russian"),
]
LANGUAGE_NAMES = dict(LANGUAGES)
MEETING_CHOICES = [("chat", "Chat"), ("video", "Video call"), ("in_person", "In person")]
assert [c for c, _ in MEETING_CHOICES] == MEETING_MODES


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NONBINARY = "nonbinary", "Non-binary"


class RecoveryPathway(models.TextChoices):
    TWELVE_STEP = "12-step", "12-step"
    SMART = "smart", "SMART Recovery"
    MEDICATION = "medication", "Medication-supported recovery"
    FAITH = "faith", "Faith-based"
    HARM_REDUCTION = "harm_reduction", "Harm reduction"
    SECULAR = "secular", "Secular / self-directed"
    THERAPY = "therapy", "Ongoing therapy"


def validate_slots(value) -> None:

    if not isinstance(value, list) or any(v not in SLOTS for v in value):
        raise ValidationError("Availability must be weekday-part slots such as 'tue-evening'.")


def validate_languages(value) -> None:

    if not isinstance(value, list) or not value or any(v not in LANGUAGE_NAMES for v in value):
        raise ValidationError("Choose at least one language from the list.")


def validate_meeting(value) -> None:

    if not isinstance(value, list) or not value or any(v not in MEETING_MODES for v in value):
        raise ValidationError("Choose at least one way to meet.")


class MatchingSettings(models.Model):
    """Staff-editable matching settings: one row (pk=1), created on first read."""

    min_months_since_graduation = models.PositiveSmallIntegerField(
        default=6,
        validators=[MaxValueValidator(60)],
        help_text="How long ago an alumnus must have graduated to apply as a mentor.",
    )
    response_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Days a mentor (or both sides, for staff proposals) have to accept.",
    )
    weight_focus = models.FloatField(default=3.0, validators=[MinValueValidator(0), MaxValueValidator(10)])
    weight_availability = models.FloatField(default=2.0, validators=[MinValueValidator(0), MaxValueValidator(10)])
    weight_time_zone = models.FloatField(default=1.0, validators=[MinValueValidator(0), MaxValueValidator(10)])
    weight_meeting = models.FloatField(default=1.0, validators=[MinValueValidator(0), MaxValueValidator(10)])
    weight_track = models.FloatField(default=1.0, validators=[MinValueValidator(0), MaxValueValidator(10)])
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "matching settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="matching_settings_singleton")]

    def __str__(self) -> str:
        return "Matching settings"

    @classmethod
    def load(cls) -> "MatchingSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def weights(self):

        return Weights(
            focus=self.weight_focus,
            availability=self.weight_availability,
            time_zone=self.weight_time_zone,
            meeting=self.weight_meeting,
            track=self.weight_track,
        )


class MentorProfileQuerySet(models.QuerySet):
    def matchable(self):
        """Approved, not paused, and the person can still sign in."""
        return self.filter(
            status=MentorProfile.Status.APPROVED,
            paused_at__isnull=True,
            user__is_active=True,
            user__suspended_at__isnull=True,
        )

    def with_load(self):
        """Annotate `load`: proposals and active mentorships the mentor carries."""
        live = Q(user__mentorships_as_mentor__status__in=Mentorship.LIVE_STATUSES)
        return self.annotate(load=models.Count("user__mentorships_as_mentor", filter=live))


class MentorProfile(models.Model):
    """A mentor application and, once approved, the mentor's profile."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for staff review"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        RETIRED = "retired", "Retired"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_profile")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    focus_areas = models.ManyToManyField(FocusArea, related_name="mentors")
    recovery_pathway = models.CharField(max_length=20, choices=RecoveryPathway.choices, blank=True)
    languages = models.JSONField(default=list, validators=[validate_languages])
    availability = models.JSONField(default=list, validators=[validate_slots])
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    meeting_preferences = models.JSONField(default=list, validators=[validate_meeting])
    capacity = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1), MaxValueValidator(5)])
    bio = models.TextField(max_length=600)
    gender = models.CharField(
        max_length=10,
        choices=Gender.choices,
        blank=True,
        help_text="Optional and never shown; used only for mentees who ask for the same gender.",
    )
    agreed_guidelines_at = models.DateTimeField()
    applied_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(max_length=1000, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = MentorProfileQuerySet.as_manager()

    class Meta:
        ordering = ["applied_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1, capacity__lte=5), name="mentor_capacity_1_to_5"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "declined", "retired"]), name="mentor_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "paused_at"], name="mentor_matchable_idx")]

    def __str__(self) -> str:
        return f"Mentor profile of {self.user}"

    @property
    def is_matchable(self) -> bool:
        return self.status == self.Status.APPROVED and self.paused_at is None

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGE_NAMES.get(code, code) for code in self.languages]

    @property
    def meeting_labels(self) -> list[str]:
        labels = dict(MEETING_CHOICES)
        return [labels.get(m, m) for m in self.meeting_preferences]


class MentorRequest(models.Model):
    """A mentee asking for a mentor. Everything here is private to the mentee,
    staff and (once active) their mentor."""

    class Status(models.TextChoices):
        OPEN = "open", "Looking for a mentor"
        MATCHED = "matched", "Matched"
        WITHDRAWN = "withdrawn", "Withdrawn"

    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_requests")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    focus_areas = models.ManyToManyField(FocusArea, related_name="+")
    goals = models.TextField(max_length=1000)
    languages = models.JSONField(default=list, validators=[validate_languages])
    availability = models.JSONField(default=list, validators=[validate_slots])
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    meeting_preferences = models.JSONField(default=list, validators=[validate_meeting])
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True)
    prefer_same_gender = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One open request at a time: a double submit cannot make two.
            models.UniqueConstraint(fields=["mentee"], condition=Q(status="open"), name="one_open_mentor_request"),
            models.CheckConstraint(
                condition=Q(prefer_same_gender=False) | ~Q(gender=""), name="same_gender_needs_gender"
            ),
        ]

    def __str__(self) -> str:
        return f"Mentor request #{self.pk} by {self.mentee}"

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGE_NAMES.get(code, code) for code in self.languages]

    @property
    def meeting_labels(self) -> list[str]:
        labels = dict(MEETING_CHOICES)
        return [labels.get(m, m) for m in self.meeting_preferences]


class MentorshipQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=Mentorship.LIVE_STATUSES)

    def involving(self, user):
        return self.filter(Q(mentor=user) | Q(mentee=user))


class Mentorship(models.Model):
    """A pairing, from staff draft or self-serve ask to its end.

    draft (staff only) → proposed → active (both accepted) → ended;
    a proposal can instead be declined, expire, or be withdrawn.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (staff)"
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Source(models.TextChoices):
        SELF_SERVE = "self", "Chosen by the mentee"
        STAFF = "staff", "Proposed by staff"

    LIVE_STATUSES = ("proposed", "active")
    # A pair that reached one of these is never suggested again.
    PAIR_CLOSED_STATUSES = ("proposed", "active", "ended", "declined", "expired")

    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_as_mentor")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_as_mentee")
    request = models.ForeignKey(MentorRequest, on_delete=models.CASCADE, related_name="mentorships")
    status = models.CharField(max_length=10, choices=Status.choices)
    source = models.CharField(max_length=5, choices=Source.choices)
    score = models.FloatField(default=0)
    explanation = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    proposed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    mentor_accepted_at = models.DateTimeField(null=True, blank=True)
    mentee_accepted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    room = models.OneToOneField(
        "groups.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="mentorship"
    )

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(mentor=models.F("mentee")), name="mentorship_not_self"),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=["draft", "proposed", "active"]),
                name="one_live_mentorship_per_request",
            ),
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status__in=["proposed", "active"]),
                name="one_live_mentorship_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="mentorship_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} mentoring {self.mentee} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:detail", args=[self.pk])

    def role_of(self, user) -> str:
        if user.pk == self.mentor_id:
            return "mentor"
        if user.pk == self.mentee_id:
            return "mentee"
        return ""

    def other(self, user):
        return self.mentee if user.pk == self.mentor_id else self.mentor

    def accepted_by(self, user) -> bool:
        role = self.role_of(user)
        if role == "mentor":
            return self.mentor_accepted_at is not None
        if role == "mentee":
            return self.mentee_accepted_at is not None
        return False


class EndFeedback(models.Model):
    """Private feedback left when ending a mentorship: staff read it, the
    other side never does."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Feedback on {self.mentorship_id}"


class PairBlock(models.Model):
    """These two are never matched (asked for by either side or set by staff)."""

    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mentor", "mentee"], name="one_pair_block")]

    def __str__(self) -> str:
        return f"Block {self.mentor_id}/{self.mentee_id}"


class CheckInPrompt(models.Model):
    """One fortnightly check-in prompt sent to a mentor: the unique
    (mentorship, fortnight) row is what makes the task idempotent."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="checkins")
    fortnight = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mentorship", "fortnight"], name="one_checkin_per_fortnight")]

    def __str__(self) -> str:
        return f"Check-in {self.fortnight} for {self.mentorship_id}"
