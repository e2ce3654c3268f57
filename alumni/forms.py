"""Forms for the pages composed here."""

from django import forms

from community.forms import email_kind_choices, time_zone_choices
from community.models import User


class WelcomeForm(forms.Form):
    """The two settings a new member should choose on day one: the zone every
    time is shown in, and which notifications also come by e-mail."""

    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        label="Your time zone",
        help_text="Meetups, messages and reminders are shown in this zone.",
    )
    email_notification_kinds = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also e-mail me about",
        help_text="Everything always appears under Notifications; these also arrive by e-mail. "
        "You can change this any time on your profile.",
    )

    def __init__(self, *args, member: User, **kwargs):
        self.member = member
        kwargs.setdefault(
            "initial",
            {"time_zone": member.time_zone, "email_notification_kinds": list(member.email_notification_kinds or [])},
        )
        super().__init__(*args, **kwargs)
        self.fields["email_notification_kinds"].choices = email_kind_choices(member)

    def changes(self) -> dict:
        return {
            "time_zone": self.cleaned_data["time_zone"],
            "email_notification_kinds": self.cleaned_data["email_notification_kinds"],
        }


class FamilyRequestForm(forms.Form):
    email = forms.EmailField(
        label="Their e-mail address",
        help_text="Staff send the invitation here. Nobody but you and staff sees it.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    relationship = forms.CharField(
        max_length=60, label="Who they are to you", help_text="For example: mother, partner, friend."
    )
    note = forms.CharField(
        max_length=300,
        required=False,
        label="A note for staff (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FamilyResourceForm(forms.Form):
    title = forms.CharField(max_length=120)
    body = forms.CharField(
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain text; a blank line starts a paragraph.",
    )
    url = forms.URLField(max_length=500, required=False, label="Link to read more (optional)", assume_scheme="https")
    position = forms.IntegerField(min_value=0, max_value=1000, initial=0, help_text="Lower numbers come first.")
