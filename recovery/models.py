"""A member's own Stanley–Brown safety plan.

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
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        # No member name: a plan is never listed anywhere but its owner's page.
        return f"Safety plan #{self.pk}"

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in PLAN_FIELDS)

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
