"""Forms for meetups. They turn input into series fields and ask
`actions.validate_event` — the same check the actions run — so a bad value
becomes an error next to its field and nothing is saved."""

import copy
import zoneinfo
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from community.models import Cohort, User
from groups.models import Room

from . import actions
from .models import RSVP, Event
from .recurrence import NTH_NAMES, WEEKDAY_NAMES

WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]
NTH_CHOICES = [(str(n), name.capitalize()) for n, name in NTH_NAMES.items()]
ENDS_CHOICES = [("on_date", "On a date"), ("after_count", "After a number of times")]


def _zone_choices():
    return [(z, z.replace("_", " ")) for z in sorted(zoneinfo.available_timezones()) if "/" in z or z == "UTC"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


# validate_event's keys that are not form fields map onto the nearest field.
ERROR_FIELDS = {"end": "end_time", "start": "start_time", "audience_cohort": "audience_cohort"}


class EventForm(forms.Form):
    title = forms.CharField(max_length=120)
    description = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The chat's Markdown subset: **bold**, *italics*, [links](https://…), lists.",
    )
    host = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, help_text="Shown to members by display name."
    )
    time_zone = forms.ChoiceField(
        choices=(),
        error_messages={"invalid_choice": "%(value)s is not a known time zone (for example America/Chicago)."},
        help_text="The meetup keeps its local time in this zone, across daylight-saving changes.",
    )
    start_date = forms.DateField(label="Date", widget=DateInput(), help_text="For a repeating meetup: the first date.")
    start_time = forms.TimeField(label="Start time", widget=TimeInput())
    end_time = forms.TimeField(label="End time", widget=TimeInput())
    format = forms.ChoiceField(choices=Event.Format.choices, widget=forms.RadioSelect, initial="in_person")
    address = forms.CharField(max_length=300, required=False, help_text="For in-person and hybrid meetups.")
    meeting_url = forms.CharField(
        label="Meeting link",
        max_length=500,
        required=False,
        help_text="For virtual and hybrid meetups. Only members who are going, the host and staff see it.",
    )
    capacity = forms.IntegerField(
        min_value=1,
        max_value=10000,
        required=False,
        help_text="Leave empty for no limit; extra people join a waitlist.",
    )
    audience = forms.ChoiceField(choices=Event.Audience.choices, widget=forms.RadioSelect, initial="all")
    audience_cohort = forms.ModelChoiceField(queryset=Cohort.objects.all(), required=False, label="Cohort")
    audience_room = forms.ModelChoiceField(queryset=None, required=False, label="Room")
    frequency = forms.ChoiceField(
        label="Repeats", choices=Event.Frequency.choices, widget=forms.RadioSelect, initial="once"
    )
    weekdays = forms.MultipleChoiceField(
        label="On", choices=WEEKDAY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    monthly_nth = forms.TypedChoiceField(
        label="Which", choices=NTH_CHOICES, coerce=int, required=False, empty_value=None
    )
    monthly_weekday = forms.TypedChoiceField(
        label="Weekday", choices=WEEKDAY_CHOICES, coerce=int, required=False, empty_value=None
    )
    ends = forms.ChoiceField(label="The series ends", choices=ENDS_CHOICES, widget=forms.RadioSelect, required=False)
    until = forms.DateField(label="End date", required=False, widget=DateInput())
    count = forms.IntegerField(label="Number of times", min_value=1, max_value=200, required=False)
    create_discussion_room = forms.BooleanField(label="Create a discussion room for this meetup", required=False)

    def __init__(self, *args, event: Event | None = None, user=None, **kwargs):
        self.event = event
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(event)
        super().__init__(*args, **kwargs)

        self.fields["time_zone"].choices = _zone_choices()
        if event is None and user is not None:
            self.fields["time_zone"].initial = user.time_zone
        # Hosts come from the alumni side (a host sees who is going).
        self.fields["host"].queryset = (
            User.objects.filter(is_active=True, suspended_at__isnull=True)
            .exclude(role=User.Role.FAMILY)
            .order_by("display_name")
        )
        self.fields["host"].label_from_instance = lambda u: u.display_name
        self.fields["audience_room"].queryset = Room.objects.visible_to(user).exclude(kind=Room.Kind.MENTORSHIP)
        if event is not None:
            # A room is created with the meetup or not at all.
            del self.fields["create_discussion_room"]

    def clean_meeting_url(self):
        url = self.cleaned_data["meeting_url"].strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                raise ValidationError(
                    "The meeting link must be a web address starting with http:// or https://."
                ) from None
        return url

    def clean_weekdays(self):
        return [int(d) for d in self.cleaned_data["weekdays"]]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start = datetime.combine(data["start_date"], data["start_time"])
        end = datetime.combine(data["start_date"], data["end_time"])
        fields = {
            "title": data["title"].strip(),
            "description": data["description"],
            "host": data["host"],
            "time_zone": data["time_zone"],
            "start_date": data["start_date"],
            "start_time": data["start_time"],
            "duration": end - start,
            "format": data["format"],
            "address": data["address"].strip() if data["format"] != Event.Format.VIRTUAL else "",
            "meeting_url": data["meeting_url"] if data["format"] != Event.Format.IN_PERSON else "",
            "capacity": data["capacity"],
            "audience": data["audience"],
            "audience_cohort": data["audience_cohort"] if data["audience"] == Event.Audience.COHORT else None,
            "audience_room": data["audience_room"] if data["audience"] == Event.Audience.ROOM else None,
            "frequency": data["frequency"],
            "weekdays": [],
            "monthly_nth": None,
            "monthly_weekday": None,
            "until": None,
            "count": None,
        }
        freq = data["frequency"]
        if freq in (Event.Frequency.WEEKLY, Event.Frequency.BIWEEKLY):
            fields["weekdays"] = data["weekdays"]
        if freq == Event.Frequency.MONTHLY:
            fields["monthly_nth"], fields["monthly_weekday"] = (
                data["monthly_nth"],
                data["monthly_weekday"],
            )
        if freq != Event.Frequency.ONCE:
            if data["ends"] == "on_date":
                if data["until"] is None:
                    self.add_error("until", "Choose the date the series ends.")
                fields["until"] = data["until"]
            elif data["ends"] == "after_count":
                if data["count"] is None:
                    self.add_error("count", "How many times does it happen?")
                fields["count"] = data["count"]
            else:
                self.add_error("ends", "Choose when the series ends: on a date or after a number of times.")
        if self.errors:
            return data
        if self.event is None or start.date() != self.event.start_date or data["start_time"] != self.event.start_time:
            local_start = start.replace(tzinfo=zoneinfo.ZoneInfo(data["time_zone"]))
            if self.event is None and local_start <= timezone.now():
                self.add_error("start_date", "This date and time have already passed.")
        candidate = copy.copy(self.event) if self.event is not None else Event()
        for name, value in fields.items():
            setattr(candidate, name, value)
        try:
            actions.validate_event(candidate)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                target = ERROR_FIELDS.get(key, key)
                self.add_error(target if target in self.fields else None, messages)
        self.event_fields = fields
        return data


def initial_for(event: Event) -> dict:
    end = datetime.combine(event.start_date, event.start_time) + event.duration
    return {
        "title": event.title,
        "description": event.description,
        "host": event.host_id,
        "time_zone": event.time_zone,
        "start_date": event.start_date,
        "start_time": event.start_time,
        "end_time": end.time(),
        "format": event.format,
        "address": event.address,
        "meeting_url": event.meeting_url,
        "capacity": event.capacity,
        "audience": event.audience,
        "audience_cohort": event.audience_cohort_id,
        "audience_room": event.audience_room_id,
        "frequency": event.frequency,
        "weekdays": [str(d) for d in event.weekdays],
        "monthly_nth": event.monthly_nth,
        "monthly_weekday": event.monthly_weekday,
        "ends": "on_date" if event.until else ("after_count" if event.count else ""),
        "until": event.until,
        "count": event.count,
    }


class MoveForm(forms.Form):
    date = forms.DateField(widget=DateInput())
    start_time = forms.TimeField(label="Start time", widget=TimeInput())
    end_time = forms.TimeField(label="End time", widget=TimeInput())

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["local_start"] = datetime.combine(data["date"], data["start_time"])
            data["local_end"] = datetime.combine(data["date"], data["end_time"])
            if data["local_end"] <= data["local_start"]:
                self.add_error("end_time", "The end must be after the start.")
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        required=False,
        help_text="Shown to members who were going and on the waitlist.",
    )


class RSVPForm(forms.Form):
    status = forms.ChoiceField(choices=[(RSVP.Status.GOING, "Going"), (RSVP.Status.NOT_GOING, "Not going")])


class PolicyForm(forms.Form):
    moderators_may_post = forms.BooleanField(label="Site moderators may post and edit their meetups", required=False)
