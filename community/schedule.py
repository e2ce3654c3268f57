"""Periodic jobs and the one place that says how often each runs.

`manage.py run_schedule` runs them in a loop (started next to the task worker
by scripts/run and in docker-compose). Several copies may run at once: each
job takes a cache lock for its time slot first, so with Redis configured a
job runs once per slot across every process."""

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    task: str  # dotted path of a django_tasks task


JOBS = [
    Job("escalate_crisis_alerts", 60, "groups.tasks.escalate_crisis_alerts"),
    Job("send_meetup_reminders", 300, "events.tasks.send_due_reminders"),
    Job("expire_mentor_requests", 3600, "mentorship.tasks.expire_stale_requests"),
    Job("send_mentor_checkins", 86400, "mentorship.tasks.send_checkin_prompts"),
    Job("extend_meetup_occurrences", 86400, "events.tasks.extend_occurrences"),
]


def run_due(now: float | None = None) -> list[str]:
    """Run every job whose current slot nobody has claimed yet; returns their names."""
    now = time.time() if now is None else now
    ran = []
    for job in JOBS:
        slot = int(now // job.every_seconds)
        if not cache.add(f"schedule:{job.name}:{slot}", 1, job.every_seconds * 2):
            continue
        try:
            result = import_string(job.task).call()
            logger.info("scheduled job %s done: %s", job.name, result)
        except Exception:
            # One failing job must not stop crisis escalation or the others.
            logger.exception("scheduled job %s failed", job.name)
        ran.append(job.name)
    return ran
