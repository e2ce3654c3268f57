"""Periodic work for check-ins and milestones, registered in
community/schedule.py. Both are safe to run twice: a reminder is one unique
row per member, week and kind; a milestone one unique row per date and key."""

from django_tasks import task

from . import actions


@task()
def send_checkin_reminders() -> int:
    """Check-in reminders and nudges due now, each in its member's time zone."""
    return actions.send_due_checkin_reminders()


@task()
def congratulate_milestones() -> int:
    """Private congratulations for milestones reached today, in each member's zone."""
    return actions.congratulate_milestones()
