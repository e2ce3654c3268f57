"""The periodic jobs run the real task code, once per slot."""

import uuid
from datetime import timedelta

from django.utils import timezone

from community import schedule
from community.models import Notification
from groups import actions
from groups.models import CrisisAlert


def test_every_job_points_at_a_real_task():
    from django.utils.module_loading import import_string

    for job in schedule.JOBS:
        assert callable(import_string(job.task).call), job.task


def test_due_jobs_run_once_per_slot_and_escalate_a_stale_crisis_alert(room, alumnus, moderator):
    actions.post_message(author=alumnus, room=room, body="I want to kill myself", client_id=uuid.uuid4())
    CrisisAlert.objects.update(created_at=timezone.now() - timedelta(minutes=30))

    first = schedule.run_due()
    second = schedule.run_due()

    assert set(first) == {job.name for job in schedule.JOBS}
    assert second == []
    assert CrisisAlert.objects.get().escalated_at is not None
    assert Notification.objects.filter(recipient=moderator, text__startswith="Escalated").count() == 1
