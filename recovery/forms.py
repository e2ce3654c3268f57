"""The safety plan form: the text steps, and each list of contacts as a fixed
number of name/phone rows (no JavaScript needed to add one). A bad row gets
its error next to its own field; the action validates again."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from .models import (
    CONTACT_FIELDS,
    LABEL_LIMIT,
    MAX_CONTACTS,
    NAME_LIMIT,
    PHONE_LIMIT,
    REASONS,
    RELAPSE_STEPS,
    RELAPSE_TEXT_FIELDS,
    SITUATION_LIMIT,
    STEPS,
    TEXT_FIELDS,
    TEXT_LIMIT,
    SafetyPlan,
    validate_phone,
)

# Contact list field -> the prefix of its row fields ("help_1_name", "help_1_phone", ...).
ROW_PREFIX = {"help_contacts": "help", "professional_contacts": "professional"}
ROW_LABEL = {"help_contacts": "Person", "professional_contacts": "Contact"}
ROW_MORE = {"help_contacts": "Add more people", "professional_contacts": "Add more contacts"}


class PhoneInput(forms.TextInput):
    input_type = "tel"


class SafetyPlanForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for step in (*STEPS, REASONS):
            if step.field in TEXT_FIELDS:
                self.fields[step.field] = forms.CharField(
                    label=step.title,
                    help_text=step.hint,
                    required=False,
                    max_length=TEXT_LIMIT,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
        for field in CONTACT_FIELDS:
            for number in range(1, MAX_CONTACTS + 1):
                name, phone = _row_keys(field, number)
                self.fields[name] = forms.CharField(
                    label="Name",
                    required=False,
                    max_length=NAME_LIMIT,
                    widget=forms.TextInput(attrs={"autocomplete": "off"}),
                )
                self.fields[phone] = forms.CharField(
                    label="Phone number",
                    required=False,
                    max_length=PHONE_LIMIT,
                    validators=[validate_phone],
                    widget=PhoneInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
                )

    @classmethod
    def initial_for(cls, plan: SafetyPlan | None) -> dict:
        if plan is None:
            return {}
        initial = {name: getattr(plan, name) for name in TEXT_FIELDS}
        for field in CONTACT_FIELDS:
            for number, contact in enumerate(getattr(plan, field)[:MAX_CONTACTS], start=1):
                name, phone = _row_keys(field, number)
                initial[name], initial[phone] = contact["name"], contact["phone"]
        return initial

    def clean(self):
        cleaned = super().clean()
        for field in CONTACT_FIELDS:
            rows = []
            for number in range(1, MAX_CONTACTS + 1):
                name_key, phone_key = _row_keys(field, number)
                if name_key in self.errors or phone_key in self.errors:
                    continue
                name, phone = cleaned.get(name_key, ""), cleaned.get(phone_key, "")
                if name and not phone:
                    self.add_error(phone_key, f"Add a phone number for {name}, or clear the name.")
                elif phone and not name:
                    self.add_error(name_key, "Add a name for this number, or clear the number.")
                elif name:
                    rows.append({"name": name, "phone": phone})
            cleaned[field] = rows
        return cleaned

    def plan_data(self) -> dict:
        """What save_safety_plan takes, from a valid form."""
        return {name: self.cleaned_data[name] for name in (*TEXT_FIELDS, *CONTACT_FIELDS)}

    def error_summary(self) -> list[dict]:
        """Each error with the field it belongs to, for the list at the top of the page."""
        where = {step.field: step.title for step in (*STEPS, REASONS)}
        for field in CONTACT_FIELDS:
            for number in range(1, MAX_CONTACTS + 1):
                name, phone = _row_keys(field, number)
                where[name] = f"{where[field]}, {ROW_LABEL[field].lower()} {number}: name"
                where[phone] = f"{where[field]}, {ROW_LABEL[field].lower()} {number}: phone number"
        summary = []
        for key, errors in self.errors.items():
            for message in errors:
                if key == NON_FIELD_ERRORS:
                    summary.append({"id": None, "where": None, "message": message})
                else:
                    summary.append({"id": self[key].auto_id, "where": where.get(key, key), "message": message})
        return summary

    def rows(self, field: str) -> tuple[list[dict], list[dict]]:
        """The name/phone rows of a contact list, for the template: those to
        show (every row in use, then one empty row) and the spare ones, which
        the page folds away so a phone need not scroll past them."""
        rows = []
        for number in range(1, MAX_CONTACTS + 1):
            name, phone = (self[key] for key in _row_keys(field, number))
            used = bool(name.value() or phone.value() or name.errors or phone.errors)
            rows.append({"label": f"{ROW_LABEL[field]} {number}", "name": name, "phone": phone, "used": used})
        shown = max((i for i, row in enumerate(rows, start=1) if row["used"]), default=0) + 1
        return rows[:shown], rows[shown:]

    def sections(self) -> list[dict]:
        """Every step in its order, then the reasons for living."""
        out = []
        for step in (*STEPS, REASONS):
            if step.field in CONTACT_FIELDS:
                rows, spare = self.rows(step.field)
                out.append({"step": step, "rows": rows, "spare": spare, "more": ROW_MORE[step.field]})
            else:
                out.append({"step": step, "field": self[step.field]})
        return out


def _row_keys(field: str, number: int) -> tuple[str, str]:
    prefix = ROW_PREFIX[field]
    return f"{prefix}_{number}_name", f"{prefix}_{number}_phone"


# --- Relapse-prevention section -------------------------------------------------------

SITUATION_ROWS = 5


class RelapsePlanForm(forms.Form):
    """The relapse-prevention section: three text steps, up to five
    situation/plan pairs and up to five people to call."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for step in RELAPSE_STEPS:
            if step.field in RELAPSE_TEXT_FIELDS:
                self.fields[step.field] = forms.CharField(
                    label=step.title,
                    help_text=step.hint,
                    required=False,
                    max_length=TEXT_LIMIT,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
        for number in range(1, SITUATION_ROWS + 1):
            self.fields[f"situation_{number}"] = forms.CharField(
                label="Situation", required=False, max_length=SITUATION_LIMIT
            )
            self.fields[f"situation_{number}_plan"] = forms.CharField(
                label="My plan", required=False, max_length=SITUATION_LIMIT
            )
        for number in range(1, MAX_CONTACTS + 1):
            self.fields[f"person_{number}_name"] = forms.CharField(
                label="Name",
                required=False,
                max_length=NAME_LIMIT,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self.fields[f"person_{number}_phone"] = forms.CharField(
                label="Phone number",
                required=False,
                max_length=PHONE_LIMIT,
                validators=[validate_phone],
                widget=PhoneInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
            )

    @classmethod
    def initial_for(cls, plan: SafetyPlan | None) -> dict:
        if plan is None:
            return {}
        initial = {name: getattr(plan, name) for name in RELAPSE_TEXT_FIELDS}
        for number, item in enumerate(plan.rp_situations[:SITUATION_ROWS], start=1):
            initial[f"situation_{number}"], initial[f"situation_{number}_plan"] = item["situation"], item["plan"]
        for number, contact in enumerate(plan.rp_people[:MAX_CONTACTS], start=1):
            initial[f"person_{number}_name"], initial[f"person_{number}_phone"] = contact["name"], contact["phone"]
        return initial

    def clean(self):
        cleaned = super().clean()
        situations = []
        for number in range(1, SITUATION_ROWS + 1):
            key, plan_key = f"situation_{number}", f"situation_{number}_plan"
            situation, plan = cleaned.get(key, ""), cleaned.get(plan_key, "")
            if plan and not situation:
                self.add_error(key, "Describe the situation this plan is for, or clear the plan.")
            elif situation:
                situations.append({"situation": situation, "plan": plan})
        people = []
        for number in range(1, MAX_CONTACTS + 1):
            name_key, phone_key = f"person_{number}_name", f"person_{number}_phone"
            if name_key in self.errors or phone_key in self.errors:
                continue
            name, phone = cleaned.get(name_key, ""), cleaned.get(phone_key, "")
            if name and not phone:
                self.add_error(phone_key, f"Add a phone number for {name}, or clear the name.")
            elif phone and not name:
                self.add_error(name_key, "Add a name for this number, or clear the number.")
            elif name:
                people.append({"name": name, "phone": phone})
        cleaned["rp_situations"], cleaned["rp_people"] = situations, people
        return cleaned

    def plan_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in RELAPSE_TEXT_FIELDS}
        data["rp_situations"] = self.cleaned_data["rp_situations"]
        data["rp_people"] = self.cleaned_data["rp_people"]
        return data

    def situation_rows(self) -> list[dict]:
        return [
            {"number": n, "situation": self[f"situation_{n}"], "plan": self[f"situation_{n}_plan"]}
            for n in range(1, SITUATION_ROWS + 1)
        ]

    def people_rows(self) -> list[dict]:
        return [
            {"label": f"Person {n}", "name": self[f"person_{n}_name"], "phone": self[f"person_{n}_phone"]}
            for n in range(1, MAX_CONTACTS + 1)
        ]

    def text_fields(self) -> list:
        return [self[name] for name in ("rp_triggers", "rp_warning_signs")]


# --- Check-in reminder, recovery dates, milestone sharing --------------------------------

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class ScheduleForm(forms.Form):
    enabled = forms.BooleanField(label="Remind me to check in", required=False)
    by_email = forms.BooleanField(label="Also send it by e-mail", required=False)
    weekday = forms.TypedChoiceField(label="Day", choices=WEEKDAYS, coerce=int)
    time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"


class RecoveryDateForm(forms.Form):
    label = forms.CharField(
        label="What you are counting",
        max_length=LABEL_LIMIT,
        help_text="In your words, for example “Alcohol-free” or “Gambling-free”.",
    )
    start_date = forms.DateField(label="Since", widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class BeginAgainForm(forms.Form):
    start_date = forms.DateField(label="My new beginning", widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "begin_%s")
        super().__init__(*args, **kwargs)


class ShareMilestoneForm(forms.Form):
    room = forms.ChoiceField(label="Room")
    note = forms.CharField(
        label="Add a few words (optional)", required=False, max_length=280, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, rooms=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.rooms = {room.slug: room for room in rooms}
        self.fields["room"].choices = [(room.slug, room.name) for room in rooms]
