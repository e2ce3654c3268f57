"""seed_demo's recovery data: a few months of sam's check-ins with gaps, a
reminder, a relapse-prevention plan, and a date with milestones."""

from datetime import timedelta

from django.utils import timezone

from groups.models import CrisisAlert
from recovery import actions
from recovery.models import CheckIn, CheckInSchedule, Milestone, RecoveryDate, SafetyPlan


def test_demo_seed_brings_the_recovery_pages_to_life(db):
    from alumni.management.commands.seed_demo import Command
    from recovery import demo

    context = Command().seed_members()

    demo.seed(context)

    sam = context["sam"]
    assert CheckIn.objects.filter(member=sam).count() == 13
    assert CheckIn.objects.exclude(member=sam).count() >= 10
    assert CheckInSchedule.objects.get(member=sam).weekday == 6
    plan = SafetyPlan.objects.get(member=sam)
    assert plan.has_safety_steps
    assert plan.has_relapse_plan
    assert RecoveryDate.objects.filter(member=sam, ended_on__isnull=False).count() == 1
    assert set(
        Milestone.objects.filter(recovery_date__label="Alcohol-free", recovery_date__ended_on=None).values_list(
            "key", flat=True
        )
    ) == {"1d", "1w", "30d", "60d", "90d"}
    assert CrisisAlert.objects.count() == 0
    # Tomorrow Gambling-free reaches 30 days: the job congratulates sam.
    assert actions.congratulate_milestones(now=timezone.now() + timedelta(days=1, hours=1)) >= 1
