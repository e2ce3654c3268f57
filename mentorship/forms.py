"""Forms of the mentorship app. Forms validate input; actions change state."""

import zoneinfo

from django import forms

from community.models import FocusArea, User

from .matching import DAY_NAMES, DAYS, PARTS, SLOTS
from .models import LANGUAGES, MEETING_CHOICES, Gender, MatchingSettings, RecoveryPathway

GUIDELINES = [
    "I will listen, share my own experience, and respect my mentee's choices and pace.",
    "I am a peer, not a therapist, sponsor or counsellor, and I will not give medical advice.",
    "If my mentee may be in crisis (talk of suicide, self-harm, overdose or danger), I will "
    "share crisis resources and tell staff right away. I will not handle a crisis alone.",
    "I will keep what my mentee tells me private, except what staff need to keep someone safe.",
    "I will keep our contact inside the community's mentorship room unless we both agree otherwise.",
    "I will pause or step back when I need to look after my own recovery.",
]


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(
        z
        for z in zoneinfo.available_timezones()
        if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )
    return [(z, z.replace("_", " ")) for z in ["UTC", *zones]]


GRID_PARTS = [
    {"long": "Morning", "short": "AM"},
    {"long": "Afternoon", "short": "PM"},
    {"long": "Evening", "short": "Eve"},
]


def availability_rows(bound_field) -> list[dict]:
    """The weekday × part-of-day grid for templates: one row per day, one
    checkbox (value, id, checked) per part."""
    selected = set(bound_field.value() or [])
    prefix = bound_field.auto_id
    return [
        {
            "day": DAY_NAMES[day],
            "short": DAY_NAMES[day][:3],
            "cells": [
                {
                    "value": f"{day}-{part}",
                    "id": f"{prefix}_{day}_{part}",
                    "part": part,
                    "label": f"{DAY_NAMES[day]} {part}",
                    "checked": f"{day}-{part}" in selected,
                }
                for part in PARTS
            ],
        }
        for day in DAYS
    ]


class _MatchFields(forms.Form):
    """Fields a mentor and a mentee both state."""

    focus_areas = forms.ModelMultipleChoiceField(
        queryset=FocusArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one focus area."},
    )
    languages = forms.MultipleChoiceField(
        choices=LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one language."},
    )
    availability = forms.MultipleChoiceField(
        choices=[(s, s) for s in SLOTS],
        required=False,
        help_text="Tick the times that usually work for you (your own time zone).",
    )
    time_zone = forms.ChoiceField(choices=time_zone_choices)
    meeting_preferences = forms.MultipleChoiceField(
        label="How would you like to meet?",
        choices=MEETING_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one way to meet."},
    )

    def clean_availability(self):
        slots = self.cleaned_data["availability"]
        if not slots:
            raise forms.ValidationError("Tick at least one time that usually works for you.")
        return slots


class MentorApplicationForm(_MatchFields):
    recovery_pathway = forms.ChoiceField(
        label="Recovery pathway (optional)",
        required=False,
        choices=[("", "Prefer not to say"), *RecoveryPathway.choices],
        help_text="Shown to mentees looking at your profile, if you choose one.",
    )
    capacity = forms.TypedChoiceField(
        label="How many mentees at once?",
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        initial=2,
    )
    bio = forms.CharField(
        label="A short bio",
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to mentees. A few sentences about you and what helped you. Up to 600 characters.",
    )
    gender = forms.ChoiceField(
        label="Gender (optional)",
        required=False,
        choices=[("", "Prefer not to say"), *Gender.choices],
        help_text="Never shown to anyone. Used only when a mentee asks for a mentor of the same gender.",
    )
    agree = forms.BooleanField(
        label="I have read and agree to the mentor guidelines above.",
        error_messages={"required": "Please agree to the mentor guidelines to apply."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focus_areas"].help_text = "Shown to mentees on your mentor profile."


class MentorRequestForm(_MatchFields):
    goals = forms.CharField(
        label="What would you like from a mentor?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In your own words. Only staff and the mentor you are matched with will read this.",
    )
    gender = forms.ChoiceField(
        label="Your gender (optional)",
        required=False,
        choices=[("", "Prefer not to say"), *Gender.choices],
        help_text="Private. Needed only if you want a mentor of the same gender.",
    )
    prefer_same_gender = forms.BooleanField(
        label="I would like a mentor of the same gender",
        required=False,
        help_text="Only mentors who chose to share their gender can be suggested then.",
    )
    field_order = [
        "focus_areas",
        "goals",
        "languages",
        "availability",
        "time_zone",
        "meeting_preferences",
        "gender",
        "prefer_same_gender",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focus_areas"].help_text = "Private: only staff and your matched mentor see these."

    def clean(self):
        data = super().clean()
        if data.get("prefer_same_gender") and not data.get("gender"):
            self.add_error("gender", "Tell us your gender to ask for a mentor of the same gender.")
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Sent to the applicant. Required when declining.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("note") or "").strip():
            self.add_error("note", "Please add a note for the applicant when declining.")
        return data


class RetireForm(forms.Form):
    note = forms.CharField(required=False, max_length=1000)


class EndForm(forms.Form):
    feedback = forms.CharField(
        label="Private feedback for staff (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only staff read this. Ending is no-fault: the other person just hears it has ended.",
    )


class SettingsForm(forms.ModelForm):
    class Meta:
        model = MatchingSettings
        fields = [
            "min_months_since_graduation",
            "response_days",
            "weight_focus",
            "weight_availability",
            "weight_time_zone",
            "weight_meeting",
            "weight_track",
        ]
        labels = {
            "min_months_since_graduation": "Months since graduation to mentor",
            "response_days": "Days to answer a proposal",
            "weight_focus": "Weight: focus areas",
            "weight_availability": "Weight: availability",
            "weight_time_zone": "Weight: time zone",
            "weight_meeting": "Weight: meeting preference",
            "weight_track": "Weight: program track",
        }

    def clean(self):
        data = super().clean()
        weights = [data.get(f) or 0 for f in self.Meta.fields if f.startswith("weight_")]
        if not any(weights):
            raise forms.ValidationError("At least one weight must be above zero.")
        return data


class ReassignForm(forms.Form):
    mentor = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args, mentors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = User.objects.filter(pk__in=[m.pk for m in mentors])
