from django import forms

from .models import Room


class RoomForm(forms.Form):
    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(
        choices=[
            (Room.Kind.TOPIC, "Topic room (open to all alumni)"),
            (Room.Kind.PRIVATE, "Private room (by invitation)"),
        ]
    )
    description = forms.CharField(max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    guidelines = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Members read and accept these before their first message.",
    )


class SearchForm(forms.Form):
    q = forms.CharField(label="Search messages", max_length=200, min_length=2)
