"""Meetup helpers on top of the fixed cast in tests/conftest.py."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

SECRET_LINK = "https://meet.example.org/alumni-secret-room"


def make_event(author, **overrides):
    """A one-off virtual meetup next week at 7 pm Chicago time, unless told otherwise."""
    from events import actions

    fields = {
        "title": "Weekly alumni group",
        "description": "Check-in and a **short** topic.",
        "host": None,
        "time_zone": "America/Chicago",
        "start_date": timezone.localdate() + timedelta(days=7),
        "start_time": time(19, 0),
        "duration": timedelta(minutes=90),
        "format": "virtual",
        "address": "",
        "meeting_url": SECRET_LINK,
        "capacity": None,
        "audience": "all",
        "frequency": "once",
    }
    fields.update(overrides)
    return actions.create_event(author=author, **fields)


@pytest.fixture
def meetup(staff):
    """A one-off virtual meetup for all alumni, capacity 2."""
    return make_event(staff, capacity=2)


@pytest.fixture
def occurrence(meetup):
    return meetup.occurrences.get()


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Run queued tasks (emails) in-process. tests/conftest.py sets
    TASKS_BACKEND in the environment, but only after pytest-django has read
    the settings, so the suite otherwise runs with the database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
