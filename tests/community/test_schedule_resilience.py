"""The scheduler keeps escalating crisis alerts when the cache or the database
fails: errors are logged, the loop goes on, and the heartbeat says so."""

import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from community import schedule
from community.models import Heartbeat, Notification
from groups import actions
from groups.models import CrisisAlert


def _stale_crisis(room, alumnus):
    actions.post_message(author=alumnus, room=room, body="I want to kill myself", client_id=uuid.uuid4())
    CrisisAlert.objects.update(created_at=timezone.now() - timedelta(minutes=30))


def _broken(*args, **kwargs):
    raise ConnectionError("cache down")


def test_escalation_runs_when_the_cache_raises(room, alumnus, moderator, monkeypatch):
    _stale_crisis(room, alumnus)
    monkeypatch.setattr(cache, "add", _broken)

    ran = schedule.run_due()

    assert "escalate_crisis_alerts" in ran
    assert CrisisAlert.objects.get().escalated_at is not None
    assert Notification.objects.filter(recipient=moderator, text__startswith="Escalated").count() == 1


def test_the_loop_survives_a_failing_pass_and_goes_on(room, alumnus, moderator, monkeypatch):
    _stale_crisis(room, alumnus)
    calls = {"n": 0}
    real_run_due = schedule.run_due

    def flaky():
        calls["n"] += 1
        if calls["n"] == 1:
            raise DatabaseError("database restarting")
        return real_run_due()

    monkeypatch.setattr(schedule, "run_due", flaky)
    slept = []

    schedule.run_forever(interval=15, passes=2, sleep=slept.append)

    assert calls["n"] == 2
    assert slept == [30.0]  # backed off once, then went on
    assert CrisisAlert.objects.get().escalated_at is not None
    assert Heartbeat.objects.get(name="scheduler").beat_at > timezone.now() - timedelta(seconds=5)


@pytest.mark.django_db
def test_no_heartbeat_when_every_pass_fails(monkeypatch):
    monkeypatch.setattr(schedule, "run_due", lambda: (_ for _ in ()).throw(DatabaseError("down")))
    schedule.run_forever(interval=15, passes=3, sleep=lambda s: None)
    assert schedule.heartbeat_age() is None
