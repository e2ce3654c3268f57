"""Periodic jobs and the one place that says how often each runs.

`manage.py run_schedule` runs them in a loop (started next to the task worker
by scripts/run and in docker-compose). Several copies may run at once: each
job takes a cache lock for its time slot first, so with Redis configured a
job runs once per slot across every process.

Crisis escalation must never stop silently: a failing cache or database is
logged and retried, the loop goes on, and every pass writes a heartbeat that
/healthz and the worker's health check read (`heartbeat_age`)."""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Heartbeat

logger = logging.getLogger(__name__)

HEARTBEAT = "scheduler"
# Older than this, the scheduler counts as stopped (it beats every pass, 15 s apart).
STALE_AFTER = timedelta(minutes=2)


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
    Job("send_checkin_reminders", 300, "recovery.tasks.send_checkin_reminders"),
    Job("congratulate_milestones", 900, "recovery.tasks.congratulate_milestones"),
    Job("forget_old_direct_requests", 86400, "groups.tasks.forget_old_direct_requests"),
]


def _claim(job: Job, slot: int) -> bool:
    """Take this job's slot. If the cache cannot be reached the job runs anyway:
    every job is safe to run twice (escalation locks the alert row and checks
    it is still unescalated; reminders record what they sent), while a job
    that does not run can leave a person in crisis unseen."""
    try:
        return bool(cache.add(f"schedule:{job.name}:{slot}", 1, job.every_seconds * 2))
    except Exception:
        logger.warning("schedule: cache unavailable; running %s without its slot lock", job.name, exc_info=True)
        return True


def run_due(now: float | None = None) -> list[str]:
    """Run every job whose current slot nobody has claimed yet; returns their names."""
    now = time.time() if now is None else now
    ran = []
    for job in JOBS:
        if not _claim(job, int(now // job.every_seconds)):
            continue
        try:
            result = import_string(job.task).call()
            logger.info("scheduled job %s done: %s", job.name, result)
        except Exception:
            # One failing job must not stop crisis escalation or the others.
            logger.exception("scheduled job %s failed", job.name)
        ran.append(job.name)
    return ran


def beat() -> None:
    Heartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"beat_at": timezone.now()})


def heartbeat_age() -> timedelta | None:
    """How long ago the scheduler last beat; None if it never did."""
    beat_at = Heartbeat.objects.filter(name=HEARTBEAT).values_list("beat_at", flat=True).first()
    return None if beat_at is None else timezone.now() - beat_at


def run_forever(*, interval: float, passes: int | None = None, sleep=time.sleep) -> None:
    """The scheduler loop: run what is due, beat, sleep. Errors (database,
    cache, anything) are logged and the loop backs off, up to a minute, and
    goes on; `passes` bounds it for tests."""
    failures = 0
    done = 0
    while passes is None or done < passes:
        try:
            run_due()
            beat()
            failures = 0
        except Exception:
            failures += 1
            logger.exception("schedule: pass failed (%d in a row); retrying", failures)
        done += 1
        if passes is not None and done >= passes:
            return
        sleep(min(60.0, interval * 2 ** min(failures, 4)) if failures else interval)
