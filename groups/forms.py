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


class AddMemberForm(forms.Form):
    display_name = forms.CharField(label="Member's display name", max_length=40)

    def clean_display_name(self):
        from community.models import User

        name = self.cleaned_data["display_name"].strip()
        member = User.objects.filter(display_name__iexact=name, is_active=True, suspended_at__isnull=True).first()
        if member is None:
            raise forms.ValidationError("No member has that display name.")
        self.member = member
        return name
