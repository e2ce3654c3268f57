"""Forms of the members app. Forms validate input; actions change state."""

import csv
import io
import re
import time
import zoneinfo
from dataclasses import dataclass, field

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.base.forms import BaseAuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.forms import GenerateRecoveryCodesForm
from allauth.mfa.totp.forms import DeactivateTOTPForm
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from .actions import accept_invitation
from .adapters import SESSION_KEY, invitation_from_session
from .models import AuditLog, Cohort, FocusArea, Invitation, Notification, User
from .names import has_invisible_characters, role_word, skeletons
from .permissions import is_site_moderator


def clean_display_name_value(value: str, *, exclude_pk: int | None = None) -> str:
    value = " ".join(value.split())
    if len(value) < 2:
        raise ValidationError("Choose a display name of at least 2 characters.")
    if "@" in value:
        # An address in a display name would publish exactly what we keep private.
        raise ValidationError("A display name cannot contain '@'. A first name or a nickname works well.")
    if has_invisible_characters(value):
        raise ValidationError("A display name cannot contain invisible or control characters.")
    taken = User.objects.filter(display_name__iexact=value)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError("That display name is taken. Try another one.")
    if exclude_pk is not None and User.objects.filter(pk=exclude_pk, display_name=value).exists():
        return value  # unchanged: a name given before these checks stays
    _refuse_impersonation(value, exclude_pk=exclude_pk)
    return value


def _refuse_impersonation(value: str, *, exclude_pk: int | None) -> None:
    """A name must not claim a role, nor look like another member's name once
    look-alike letters are set aside (UTS #39 skeletons, community/names.py):
    "Riley (mоderator)" with a Cyrillic о, or "RiIey" beside Riley. The other
    name is never shown: it may belong to someone hidden from the directory."""
    word = role_word(value)
    if word is not None:
        raise ValidationError(
            f"A display name cannot contain “{word}” or other role words: moderators and staff "
            "carry a badge of their own. A first name or a nickname works well."
        )
    mine = skeletons(value)
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk is not None else User.objects.all()
    # Every name is read (a few thousand at most, on sign-up and rename only):
    # skeletons are compared in Python rather than stored.
    for name in others.values_list("display_name", flat=True).iterator(chunk_size=2000):
        if mine & skeletons(name):
            raise ValidationError("That display name looks too much like another member's. Try another one.")


# --- Sign-up ---------------------------------------------------------------------


class InvitedSignupForm(forms.Form):
    """Extra fields on allauth's sign-up form, which only invited graduates reach.

    allauth builds its sign-up form on top of this class, so the email field
    exists by the time our __init__ returns: we pin it to the invitation's
    address (a disabled field ignores whatever the browser posts).
    """

    display_name = forms.CharField(
        max_length=40,
        help_text="What other members will see. A first name or a pseudonym is fine; "
        "your email address is never shown to anyone.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    field_order = ["email", "display_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        request = context.request
        self.invitation = invitation_from_session(request) if request is not None else None
        if self.invitation is not None and "email" in self.fields:
            self.initial["email"] = self.invitation.email
            self.fields["email"].disabled = True
            self.fields["email"].help_text = "The address your invitation was sent to."

    def clean_display_name(self):
        return clean_display_name_value(self.cleaned_data["display_name"])

    def clean(self):
        cleaned = super().clean()
        # Checked here too so that an invitation revoked or expired while the
        # page was open gives a form error instead of a half-made account.
        if self.invitation is None or not self.invitation.is_usable:
            raise ValidationError("This invitation link is no longer valid. Please ask staff to send a new one.")
        return cleaned

    # The top package's onboarding form replaces this with the whole
    # onboarding (joining the default rooms too); allauth only knows the form.
    accept_invitation = staticmethod(accept_invitation)

    def signup(self, request, user):
        invitation = invitation_from_session(request)
        if invitation is None:
            raise ValidationError("This invitation link is no longer valid.")
        self.accept_invitation(invitation=invitation, user=user, display_name=self.cleaned_data["display_name"])
        request.session.pop(SESSION_KEY, None)


# --- Invitations -------------------------------------------------------------------


class CohortChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    cohort = CohortChoiceField(queryset=Cohort.objects.all(), required=False, empty_label="No cohort")
    role = forms.ChoiceField(choices=User.Role.choices, initial=User.Role.ALUMNUS)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 2000


@dataclass
class CsvRow:
    line: int
    email: str
    cohort_text: str
    cohort: Cohort | None = None


@dataclass
class CsvPreview:
    valid: list[CsvRow] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, raw email, reason)

    @property
    def ok(self) -> bool:
        return bool(self.valid) and not self.errors


def check_invitation_rows(
    rows: list[tuple[int, str, str]], shape_errors: list[tuple[int, str, str]] = ()
) -> CsvPreview:
    """Validate (line, email, cohort text) rows against the database.

    Used for the preview and again on confirm, because members, invitations
    and cohorts may have changed in between. Reasons: malformed email,
    unknown cohort, already a member, already invited, duplicate line.
    """
    preview = CsvPreview(errors=list(shape_errors))
    cohorts = {}
    for cohort in Cohort.objects.all():
        cohorts[cohort.slug.lower()] = cohort
        cohorts[cohort.name.lower()] = cohort
    emails = [email.lower() for _, email, _ in rows]
    members = {e.lower() for e in User.objects.filter(email__in=emails).values_list("email", flat=True)}
    invited = {e.lower() for e in Invitation.objects.usable().filter(email__in=emails).values_list("email", flat=True)}
    seen: dict[str, int] = {}
    for line, email, cohort_text in rows:
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            preview.errors.append((line, email, "malformed email address"))
            continue
        if email in seen:
            preview.errors.append((line, email, f"duplicate of line {seen[email]}"))
            continue
        seen[email] = line
        cohort = None
        if cohort_text.strip():
            cohort = cohorts.get(cohort_text.strip().lower())
            if cohort is None:
                preview.errors.append((line, email, f"unknown cohort “{cohort_text.strip()}”"))
                continue
        if email in members:
            preview.errors.append((line, email, "already a member"))
            continue
        if email in invited:
            preview.errors.append((line, email, "already has an open invitation (resend it instead)"))
            continue
        preview.valid.append(CsvRow(line=line, email=email, cohort_text=cohort_text.strip(), cohort=cohort))
    preview.errors.sort()
    return preview


def parse_invitation_csv(text: str) -> tuple[list[tuple[int, str, str]], list[tuple[int, str, str]]]:
    """Split CSV text into (line number, email, cohort) rows plus rows that
    are not even the right shape, as (line, raw text, reason).

    A first row of "email,cohort" is a header and skipped; blank lines are
    skipped. Line numbers count from 1 like a spreadsheet does.
    """
    rows, errors = [], []
    reader = csv.reader(io.StringIO(text))
    for record in reader:
        line = reader.line_num
        cells = [c.strip() for c in record]
        if not any(cells):
            continue
        if line == 1 and cells[0].lower() in {"email", "email address", "e-mail"}:
            continue
        if len(cells) > 2 and any(cells[2:]):
            errors.append((line, ",".join(cells), "too many columns (expected: email, cohort)"))
            continue
        rows.append((line, cells[0], cells[1] if len(cells) > 1 else ""))
    return rows, errors


class InviteCsvForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="One graduate per line: email address, then cohort (its name or short name; "
        "may be left empty). A header line “email,cohort” is fine.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise ValidationError("That file is too large. Split it into files of under 500 KB.")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("Save the file as UTF-8 CSV and upload it again.") from None
        try:
            rows, shape_errors = parse_invitation_csv(text)
        except csv.Error as exc:
            raise ValidationError(f"That file is not valid CSV: {exc}") from None
        if not rows and not shape_errors:
            raise ValidationError("That file has no rows.")
        if len(rows) + len(shape_errors) > MAX_CSV_ROWS:
            raise ValidationError(f"At most {MAX_CSV_ROWS} rows per upload, please.")
        self.rows, self.shape_errors = rows, shape_errors
        return upload


# --- Profile ---------------------------------------------------------------------


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [(z, z.replace("_", " ")) for z in ["UTC", *zones]]


MODERATOR_KINDS = {Notification.Kind.REPORT, Notification.Kind.CRISIS_ALERT, Notification.Kind.MODERATOR_REQUEST}


def email_kind_choices(user) -> list[tuple[str, str]]:

    choices = []
    for value, label in Notification.Kind.choices:
        # Crisis alerts always go out by email to moderators; not a choice.
        if value == Notification.Kind.CRISIS_ALERT:
            continue
        if value in MODERATOR_KINDS and not is_site_moderator(user):
            continue
        choices.append((value, label))
    return choices


class FocusAreaChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProfileForm(forms.Form):
    """A member's own profile. A plain form, not a ModelForm: validating a
    ModelForm writes into the instance, and an invalid display name would then
    show in the page header although nothing was saved."""

    display_name = forms.CharField(
        max_length=40,
        help_text="What other members see. Must be unique.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    pronouns = forms.CharField(max_length=30, required=False, help_text="Optional, for example she/her.")
    bio = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Short bio",
        help_text="Up to 500 characters. Visible to members who can see your profile.",
    )
    time_zone = forms.ChoiceField(choices=time_zone_choices, help_text="Times are shown in this zone.")
    focus_areas = FocusAreaChoiceField(
        queryset=FocusArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Topics that matter to you.",
    )
    in_directory = forms.BooleanField(
        required=False,
        label="Show me in the member directory",
        help_text="Off by default. Your display name, pronouns, cohort, focus areas and bio "
        "are listed; your email address never is.",
    )
    direct_messages_from = forms.ChoiceField(
        choices=User.DirectMessages.choices,
        # Optional: a form that leaves it out keeps the member's choice.
        required=False,
        widget=forms.RadioSelect,
        label="Who may message me",
        help_text="Anyone allowed sends a request first: you accept or decline it, and declining tells nobody. "
        "Moderators write to you at once unless you choose nobody. You can close any conversation.",
    )
    email_notification_kinds = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also email me about",
        help_text="Everything always appears in your notifications; these also arrive by email.",
    )

    def __init__(self, *args, member: User, **kwargs):
        self.member = member
        kwargs.setdefault(
            "initial",
            {
                "display_name": member.display_name,
                "pronouns": member.pronouns,
                "bio": member.bio,
                "time_zone": member.time_zone,
                "focus_areas": list(member.focus_areas.all()),
                "in_directory": member.in_directory,
                "direct_messages_from": member.direct_messages_from,
                "email_notification_kinds": list(member.email_notification_kinds or []),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["email_notification_kinds"].choices = email_kind_choices(member)
        if member.role == User.Role.FAMILY:
            # The families' side has no directory and no alumni topics.
            for name in ("focus_areas", "in_directory", "direct_messages_from"):
                self.fields.pop(name, None)

    def clean_display_name(self):
        return clean_display_name_value(self.cleaned_data["display_name"], exclude_pk=self.member.pk)

    def clean_direct_messages_from(self):
        return self.cleaned_data.get("direct_messages_from") or self.member.direct_messages_from

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("focus_areas", None)
        data["pronouns"] = data["pronouns"].strip()
        data["bio"] = data["bio"].strip()
        return data


# --- Staff: members, cohorts, focus areas ----------------------------------------------


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=User.Role.choices)


class MemberCohortForm(forms.Form):
    cohort = CohortChoiceField(queryset=Cohort.objects.all(), required=False, empty_label="No cohort")
    graduation_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to use the cohort's graduation date.",
    )


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "slug", "program_track", "graduation_date"]
        labels = {"slug": "Short name"}
        help_texts = {"slug": "Lowercase letters, digits and hyphens; used in CSV uploads."}
        widgets = {"graduation_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class FocusAreaForm(forms.ModelForm):
    class Meta:
        model = FocusArea
        fields = ["name", "slug"]
        labels = {"slug": "Short name"}


# --- Staff: audit log, crisis resources ----------------------------------------------------


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.CharField(required=False, max_length=80, help_text="Display name or member number, e.g. “member#12”.")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = AuditLog.objects.order_by("action").values_list("action", flat=True).distinct()
        self.fields["action"].choices = [("", "Any action"), *[(a, a) for a in actions]]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError("“From” must be on or before “To”.")
        return cleaned


_PHONE = re.compile(r"^\+?[\d\s().-]+$")


def clean_phone_value(value: str, what: str) -> str:
    """A number a phone can dial: digits with spaces, + ( ) - . between them.
    Words ("call us") would become a tel: link nobody can use in a crisis."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if not _PHONE.match(value) or not 3 <= len(digits) <= 15:
        raise ValidationError(f"The {what} must be a number (3 to 15 digits; spaces, +, (, ), - and . allowed).")
    return value


class CrisisResourceForm(forms.Form):
    name = forms.CharField(max_length=100)
    detail = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=30, required=False)
    sms = forms.CharField(max_length=30, required=False, label="Text number")
    url = forms.URLField(
        required=False,
        label="Website",
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )

    def clean_phone(self):
        return clean_phone_value(self.cleaned_data.get("phone"), "phone number")

    def clean_sms(self):
        return clean_phone_value(self.cleaned_data.get("sms"), "text number")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name") and not (cleaned.get("phone") or cleaned.get("sms") or cleaned.get("url")):
            raise ValidationError("Give at least a phone number, a text number or a website.")
        return cleaned


CrisisResourceFormSet = forms.formset_factory(
    CrisisResourceForm, extra=1, can_delete=True, can_order=True, max_num=30, validate_max=True
)


# --- Two-factor: turning it off or replacing recovery codes --------------------------


def confirmed_by_code_recently(user) -> bool:
    """Whether this session's latest re-authentication, within allauth's
    timeout, was a code from the member's authenticator (not the password)."""
    records = [r for r in get_authentication_records(context.request, user) if r.get("reauthenticated")]
    return (
        bool(records)
        and records[-1].get("method") == "mfa"
        and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
    )


class AuthenticatorCodeMixin:
    """A code from the authenticator app (or a recovery code) to turn two-factor
    off or replace the recovery codes, unless this session has just confirmed
    one on allauth's re-authentication page (a code works only once, so it is
    not asked for twice). A password never stands in for it (outside review
    finding 1): a re-authentication by password from before the app was set
    up does not count."""

    def add_code_field(self, user) -> None:
        self.code_user = user
        if confirmed_by_code_recently(user):
            return
        self.fields["code"] = forms.CharField(
            label="Code from your authenticator app, or a recovery code",
            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
        )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        # allauth's own check: the member's TOTP and recovery codes, its
        # attempt limit, and each code used once.
        check = BaseAuthenticateForm(data={"code": code}, user=self.code_user)
        if not check.is_valid():
            raise ValidationError(check.errors["code"])
        return code


class DeactivateTOTPWithCodeForm(AuthenticatorCodeMixin, DeactivateTOTPForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_code_field(self.authenticator.user)


class GenerateRecoveryCodesWithCodeForm(AuthenticatorCodeMixin, GenerateRecoveryCodesForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if Authenticator.objects.filter(user=self.user, type=Authenticator.Type.TOTP).exists():
            self.add_code_field(self.user)
