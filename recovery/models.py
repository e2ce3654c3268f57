"""A member's own Stanley–Brown safety plan with its relapse-prevention
section, weekly check-ins, who a member shares a check-in summary with, the
check-in reminder, and recovery dates with their milestones.

Everything here is the member's own private health data: no moderator, staff
or admin page shows any of it, and none of it goes to the audit log (which
staff read). A check-in summary reaches a mentor only while the member shares
it with that person (`SummaryShare`).

The safety plan:

One plan per member, read by that member only: no moderator, staff member or
admin page ever shows it, and nothing about it goes to the audit log (which
staff read). The chat's concern and crisis cards fetch it, for its owner,
before the program's own crisis resources.

The plan's steps follow the Stanley–Brown form: warning signs, my coping
strategies, people and places that distract me, people I can ask for help,
professionals and crisis lines, making my environment safe — and my reasons
for living. The two lists of contacts are JSON lists of {"name", "phone"}
objects, checked by `validate_contacts`; a phone number is dialled through a
tel: link built from its digits alone.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

TEXT_LIMIT = 2000
NAME_LIMIT = 100
PHONE_LIMIT = 40
MAX_CONTACTS = 5
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 3, 20

# Digits and the punctuation people write phone numbers with; nothing that
# could turn a tel: link into something else.
_PHONE_CHARS = re.compile(r"[0-9 +().\-]+")


@dataclass(frozen=True)
class Step:
    field: str
    number: int
    title: str
    hint: str


# The Stanley–Brown steps in their order, in plain words. Forms label their
# fields with these and the pages title their sections with them.
STEPS = (
    Step(
        "warning_signs",
        1,
        "Warning signs",
        "Thoughts, feelings, situations or things I do that tell me a hard time may be starting.",
    ),
    Step(
        "coping_strategies",
        2,
        "My coping strategies",
        "Things I can do on my own to get through a hard moment: a walk, music, a shower, slow breathing.",
    ),
    Step(
        "distractions",
        3,
        "People and places that take my mind off things",
        "People I can be around, and places I can go, without having to talk about how I feel.",
    ),
    Step(
        "help_contacts",
        4,
        "People I can ask for help",
        "People I can call or text and tell how I am really doing.",
    ),
    Step(
        "professional_contacts",
        5,
        "Professionals and crisis lines",
        "My therapist, doctor or program, and the crisis lines I can reach any time.",
    ),
    Step(
        "making_safe",
        6,
        "Making my space safe",
        "How I can put distance between me and things I could use to hurt myself, "
        "or to use, and who can help me do that.",
    ),
)
REASONS = Step(
    "reasons_for_living",
    0,
    "My reasons for living",
    "The people, hopes and things that matter most to me, and that are worth staying for.",
)
TEXT_FIELDS = ("warning_signs", "coping_strategies", "distractions", "making_safe", "reasons_for_living")
CONTACT_FIELDS = ("help_contacts", "professional_contacts")
PLAN_FIELDS = TEXT_FIELDS + CONTACT_FIELDS

# The relapse-prevention section: its own form and action, the same row.
MAX_SITUATIONS = 5
SITUATION_LIMIT = 300
RELAPSE_STEPS = (
    Step("rp_triggers", 1, "My triggers", "People, places, feelings and times that make me want to use."),
    Step(
        "rp_warning_signs",
        2,
        "My early warning signs",
        "Changes in how I think, feel or act that come before a lapse: skipping meetings, isolating, "
        "romanticising using.",
    ),
    Step(
        "rp_situations",
        3,
        "High-risk situations and my plan for each",
        "A situation I find hard, and what I will do when I'm in it.",
    ),
    Step("rp_coping_skills", 4, "Coping skills that work for me", "Urge surfing, calling someone, leaving, HALT."),
    Step("rp_people", 5, "People to call", "People who know my recovery and will pick up."),
)
RELAPSE_TEXT_FIELDS = ("rp_triggers", "rp_warning_signs", "rp_coping_skills")
RELAPSE_FIELDS = (*RELAPSE_TEXT_FIELDS, "rp_situations", "rp_people")


def phone_digits(value: str) -> str:
    """The digits of a phone number, which is all a tel: link carries."""
    return re.sub(r"[^0-9]", "", value)


def validate_phone(value) -> None:
    if not isinstance(value, str) or not _PHONE_CHARS.fullmatch(value) or len(value) > PHONE_LIMIT:
        raise ValidationError(
            "Use digits, with spaces, dashes, dots, brackets or a + if you like (for example 555-123-4567).",
            code="phone_chars",
        )
    if not MIN_PHONE_DIGITS <= len(phone_digits(value)) <= MAX_PHONE_DIGITS:
        raise ValidationError(
            f"A phone number has {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits.", code="phone_digits"
        )


def validate_contacts(value) -> None:
    """A list of at most MAX_CONTACTS {"name", "phone"} objects, both filled in."""
    if not isinstance(value, list):
        raise ValidationError("Contacts are a list of names and phone numbers.", code="contacts")
    if len(value) > MAX_CONTACTS:
        raise ValidationError(f"A plan lists at most {MAX_CONTACTS} contacts here.", code="too_many")
    errors = []
    for number, contact in enumerate(value, start=1):
        if not isinstance(contact, dict) or set(contact) != {"name", "phone"}:
            errors.append(ValidationError(f"Contact {number}: give a name and a phone number.", code="contact"))
            continue
        name, phone = contact["name"], contact["phone"]
        if not isinstance(name, str) or not name.strip():
            errors.append(ValidationError(f"Contact {number}: add a name.", code="name"))
        elif len(name) > NAME_LIMIT:
            errors.append(
                ValidationError(f"Contact {number}: a name has at most {NAME_LIMIT} characters.", code="name")
            )
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors.extend(ValidationError(f"Contact {number}: {message}", code=exc.code) for message in exc.messages)
    if errors:
        raise ValidationError(errors)


def validate_situations(value) -> None:
    """A list of at most MAX_SITUATIONS {"situation", "plan"} objects, the situation filled in."""
    if not isinstance(value, list):
        raise ValidationError("High-risk situations are a list.", code="situations")
    if len(value) > MAX_SITUATIONS:
        raise ValidationError(f"A plan lists at most {MAX_SITUATIONS} situations.", code="too_many")
    errors = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) != {"situation", "plan"}:
            errors.append(ValidationError(f"Situation {number}: describe it and your plan.", code="situation"))
            continue
        situation, plan = item["situation"], item["plan"]
        if not isinstance(situation, str) or not situation.strip():
            errors.append(ValidationError(f"Situation {number}: describe the situation.", code="situation"))
        if not isinstance(plan, str):
            errors.append(ValidationError(f"Situation {number}: write your plan as text.", code="plan"))
        elif any(isinstance(t, str) and len(t) > SITUATION_LIMIT for t in (situation, plan)):
            errors.append(
                ValidationError(f"Situation {number}: at most {SITUATION_LIMIT} characters each.", code="long")
            )
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str

    @property
    def tel(self) -> str:
        return "tel:" + phone_digits(self.phone)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _text_field(verbose_name: str) -> models.TextField:
    # A TextField's max_length is not checked by full_clean; the validator is.
    return models.TextField(verbose_name, blank=True, validators=[MaxLengthValidator(TEXT_LIMIT)])


class SafetyPlan(models.Model):
    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_plan")
    warning_signs = _text_field("warning signs")
    coping_strategies = _text_field("my coping strategies")
    distractions = _text_field("people and places that distract me")
    help_contacts = models.JSONField(
        "people I can ask for help", default=list, blank=True, validators=[validate_contacts]
    )
    professional_contacts = models.JSONField(
        "professionals and crisis lines", default=list, blank=True, validators=[validate_contacts]
    )
    making_safe = _text_field("making my environment safe")
    reasons_for_living = _text_field("my reasons for living")
    rp_triggers = _text_field("my triggers")
    rp_warning_signs = _text_field("my early warning signs")
    rp_situations = models.JSONField(
        "high-risk situations and my plan", default=list, blank=True, validators=[validate_situations]
    )
    rp_coping_skills = _text_field("my coping skills")
    rp_people = models.JSONField("people to call", default=list, blank=True, validators=[validate_contacts])
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        # No member name: a plan is never listed anywhere but its owner's page.
        return f"Safety plan #{self.pk}"

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in (*PLAN_FIELDS, *RELAPSE_FIELDS))

    @property
    def has_safety_steps(self) -> bool:
        return any(getattr(self, name) for name in PLAN_FIELDS)

    @property
    def has_relapse_plan(self) -> bool:
        return any(getattr(self, name) for name in RELAPSE_FIELDS)

    def relapse_steps(self) -> list[dict]:
        """The relapse-prevention section in order: lines, situations or contacts."""
        sections = []
        for step in RELAPSE_STEPS:
            value = getattr(self, step.field)
            if step.field == "rp_people":
                sections.append({"step": step, "contacts": [Contact(c["name"], c["phone"]) for c in value]})
            elif step.field == "rp_situations":
                sections.append({"step": step, "situations": value})
            else:
                sections.append({"step": step, "lines": _lines(value)})
        return sections

    @property
    def help_people(self) -> list[Contact]:
        return [Contact(c["name"], c["phone"]) for c in self.help_contacts]

    @property
    def professionals(self) -> list[Contact]:
        return [Contact(c["name"], c["phone"]) for c in self.professional_contacts]

    @property
    def reasons_lines(self) -> list[str]:
        return _lines(self.reasons_for_living)

    @property
    def coping_lines(self) -> list[str]:
        return _lines(self.coping_strategies)

    def steps(self) -> list[dict]:
        """The six steps in order, each with its lines of text or its contacts."""
        sections = []
        for step in STEPS:
            value = getattr(self, step.field)
            if step.field in CONTACT_FIELDS:
                sections.append({"step": step, "contacts": [Contact(c["name"], c["phone"]) for c in value]})
            else:
                sections.append({"step": step, "lines": _lines(value)})
        return sections


# --- Weekly check-ins ---------------------------------------------------------------


class CheckIn(models.Model):
    """One member's answers for one week (Monday to Sunday in their own time
    zone). A second check-in in the same week edits the first.

    `answers` holds the answers keyed by question, read with the questionnaire
    `version` they were given to (recovery/questionnaires/<version>.json);
    `phq2`, `gad2` and `craving` are copied out of them by the action so that
    charts, summaries and the risk check read columns rather than JSON."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins")
    week_start = models.DateField(help_text="The Monday of the week, in the member's time zone.")
    version = models.CharField(max_length=20)
    answers = models.JSONField(default=dict)
    phq2 = models.PositiveSmallIntegerField(null=True, blank=True)
    gad2 = models.PositiveSmallIntegerField(null=True, blank=True)
    craving = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["member", "week_start"], name="one_checkin_per_member_week"),
            models.CheckConstraint(condition=models.Q(phq2__lte=6), name="checkin_phq2_range"),
            models.CheckConstraint(condition=models.Q(gad2__lte=6), name="checkin_gad2_range"),
            models.CheckConstraint(condition=models.Q(craving__lte=10), name="checkin_craving_range"),
        ]

    def __str__(self) -> str:
        # No member name: check-ins are never listed anywhere but their owner's pages.
        return f"Check-in #{self.pk} ({self.week_start})"


class CheckInSchedule(models.Model):
    """When the member wants their check-in reminder: a weekday and a local
    time, read in the member's own time zone (User.time_zone) at send time,
    so a move or a daylight-saving change is followed without a rewrite."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkin_schedule")
    weekday = models.PositiveSmallIntegerField(help_text="0 is Monday, 6 is Sunday.")
    time = models.TimeField()
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(weekday__lte=6), name="checkin_weekday_range")]

    def __str__(self) -> str:
        return f"Check-in reminder #{self.pk}"


class CheckInReminder(models.Model):
    """A reminder or nudge that went out, one of each per member and week at
    most (the constraint is what keeps a job run twice from sending twice)."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        NUDGE = "nudge", "Nudge"

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "week_start", "kind"], name="one_checkin_reminder_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for week {self.week_start}"


class SummaryShare(models.Model):
    """The member shares a summary of their check-ins with one person (their
    mentor). Deleting the row revokes it, with effect on the next request."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summary_shares")
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summaries_shared_with_me"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "viewer"], name="one_summary_share_per_viewer"),
            models.CheckConstraint(condition=~models.Q(member=models.F("viewer")), name="summary_share_not_self"),
        ]

    def __str__(self) -> str:
        return f"Summary share #{self.pk}"


# --- Recovery dates and milestones -----------------------------------------------


@dataclass(frozen=True)
class MilestoneRule:
    key: str
    title: str
    days: int = 0
    months: int = 0


# The fixed milestones; every year after the first follows as "<n>y".
MILESTONE_RULES = (
    MilestoneRule("1d", "1 day", days=1),
    MilestoneRule("1w", "1 week", days=7),
    MilestoneRule("30d", "30 days", days=30),
    MilestoneRule("60d", "60 days", days=60),
    MilestoneRule("90d", "90 days", days=90),
    MilestoneRule("6m", "6 months", months=6),
)
LABEL_LIMIT = 60


class RecoveryDate(models.Model):
    """A date the member counts from ("alcohol-free since"). More than one
    at a time, each with the member's own label. A new beginning ends the
    current one (`ended_on`) and starts another that points back to it: the
    history stays, private, and nothing is ever called a failure."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_dates")
    label = models.CharField(max_length=LABEL_LIMIT)
    start_date = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start_date", "pk"]
        indexes = [models.Index(fields=["member", "ended_on"], name="recovery_date_current_idx")]

    def __str__(self) -> str:
        return f"Recovery date #{self.pk}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class Milestone(models.Model):
    """A milestone a recovery date reached, recorded once (the constraint):
    the congratulation goes out with its row, and the member may share it to
    a room (`shared_at`), never automatically."""

    recovery_date = models.ForeignKey(RecoveryDate, on_delete=models.CASCADE, related_name="milestones")
    key = models.CharField(max_length=8)
    reached_on = models.DateField()
    notified_at = models.DateTimeField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reached_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["recovery_date", "key"], name="one_milestone_per_key")]

    def __str__(self) -> str:
        return f"Milestone {self.key} #{self.pk}"

    @property
    def title(self) -> str:
        return milestone_title(self.key)


def milestone_title(key: str) -> str:
    for rule in MILESTONE_RULES:
        if rule.key == key:
            return rule.title
    years = int(key.rstrip("y"))
    return "1 year" if years == 1 else f"{years} years"
