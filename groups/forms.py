from django import forms

from community.models import User

from .models import CrisisAlert, Room


class RoomForm(forms.Form):
    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(
        choices=[
            (Room.Kind.TOPIC, "Topic room (open to all alumni)"),
            (Room.Kind.PRIVATE, "Private room (by invitation)"),
            (Room.Kind.FAMILY, "Families & friends room (family members only, moderated)"),
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


class FindRoomForm(forms.Form):
    """The room directory's filter (GET): words in a room's name or description."""

    q = forms.CharField(label="Find a room by name or topic", max_length=100, required=False)


class AddMemberForm(forms.Form):
    display_name = forms.CharField(label="Member's display name", max_length=40)

    def clean_display_name(self):

        name = self.cleaned_data["display_name"].strip()
        # Family members are never found here: a private room is on the alumni side.
        member = (
            User.objects.filter(display_name__iexact=name, is_active=True, suspended_at__isnull=True)
            .exclude(role=User.Role.FAMILY)
            .first()
        )
        if member is None:
            raise forms.ValidationError("No member has that display name.")
        self.member = member
        return name


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("warning", "Private warning"),
            ("mute", "Mute in a room"),
            ("ban", "Ban from a room"),
            ("suspension", "Suspend from the site (staff)"),
        ]
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(), required=False, help_text="Needed for mutes and bans; optional for warnings."
    )
    minutes = forms.IntegerField(required=False, min_value=1, max_value=60 * 24 * 30, label="Mute length (minutes)")
    days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Ban length (days)",
        help_text="Leave empty for a permanent ban.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Kept in the member's history; warnings are sent to the member.",
    )

    def __init__(self, *args, rooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        if rooms is not None:
            self.fields["room"].queryset = rooms

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in ("mute", "ban") and not data.get("room"):
            self.add_error("room", "Choose the room.")
        if kind == "mute" and not data.get("minutes"):
            self.add_error("minutes", "Say how long the mute lasts.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class NoteActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("claim", "resolve", "dismiss", "approve", "reject")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False)


class CrisisActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("acknowledge", "join", "label", "follow_up")])
    label = forms.ChoiceField(choices=[("", "—"), *CrisisAlert.Label.choices], required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False)
    resolve = forms.BooleanField(required=False, label="The member is safe: close the alert")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "label" and not cleaned.get("label"):
            raise forms.ValidationError("Choose a label.")
        return cleaned


class RoomSettingsForm(forms.Form):
    is_locked = forms.BooleanField(required=False, label="Locked (read-only for members)")
    slow_mode_seconds = forms.IntegerField(
        min_value=0, max_value=3600, initial=0, label="Slow mode (seconds between a member's messages, 0 = off)"
    )
    description = forms.CharField(max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    guidelines = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Changing these asks every member to accept them again.",
    )


class PinForm(forms.Form):
    message_id = forms.IntegerField(required=False, min_value=1, label="Message number to pin (empty to unpin)")


class RoomModeratorForm(AddMemberForm):
    is_moderator = forms.BooleanField(required=False, initial=True, label="Room moderator")


class WatchedWordForm(forms.Form):
    word = forms.CharField(max_length=100)
    action = forms.ChoiceField(choices=[("block", "Block"), ("hold", "Hold for review"), ("flag", "Flag")])


class CrisisPhraseForm(forms.Form):
    phrase = forms.CharField(max_length=120, help_text="Whole words; * matches any ending, e.g. 'jump* off'.")
    level = forms.ChoiceField(
        choices=[("crisis", "Crisis"), ("concern", "Concern"), ("exclude", "Exclusion (a known false alarm)")]
    )


class DirectMessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="They see it once they accept. Until then they see your name and this message only.",
    )
