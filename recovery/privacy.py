"""Export and erasure of a member's recovery data (called by alumni.privacy):
the safety plan with its relapse-prevention section, check-ins, the
reminder schedule and the reminders sent, summary shares (both ways), and
recovery dates with their milestones."""

from django.db.models import Q

from community.privacy import Erasure
from community.privacy import iso as _iso

from .models import (
    PLAN_FIELDS,
    RELAPSE_FIELDS,
    CheckIn,
    CheckInReminder,
    CheckInSchedule,
    Milestone,
    RecoveryDate,
    SafetyPlan,
    SummaryShare,
)


def export(member) -> dict:
    """The member's own recovery data, in six queries whatever its size."""
    plan = SafetyPlan.objects.filter(member=member).first()
    schedule = CheckInSchedule.objects.filter(member=member).first()
    milestones = {}
    for m in Milestone.objects.filter(recovery_date__member=member).order_by("reached_on", "pk"):
        milestones.setdefault(m.recovery_date_id, []).append(
            {
                "key": m.key,
                "title": m.title,
                "reached_on": m.reached_on.isoformat(),
                "shared_at": _iso(m.shared_at),
            }
        )
    return {
        "safety_plan": None
        if plan is None
        else {
            **{name: getattr(plan, name) for name in (*PLAN_FIELDS, *RELAPSE_FIELDS)},
            "created_at": _iso(plan.created_at),
            "updated_at": _iso(plan.updated_at),
        },
        "checkins": [
            {
                "week_start": c.week_start.isoformat(),
                "questionnaire_version": c.version,
                "answers": c.answers,
                "created_at": _iso(c.created_at),
                "updated_at": _iso(c.updated_at),
            }
            for c in CheckIn.objects.filter(member=member).order_by("week_start")
        ],
        "checkin_reminder": None
        if schedule is None
        else {"weekday": schedule.weekday, "time": schedule.time.isoformat("minutes"), "enabled": schedule.enabled},
        "checkin_summary_shared_with": [
            {"display_name": s.viewer.display_name, "since": _iso(s.created_at)}
            for s in SummaryShare.objects.filter(member=member).select_related("viewer")
        ],
        "recovery_dates": [
            {
                "label": d.label,
                "start_date": d.start_date.isoformat(),
                "ended_on": d.ended_on.isoformat() if d.ended_on else None,
                "milestones": milestones.get(d.pk, []),
            }
            for d in RecoveryDate.objects.filter(member=member).order_by("start_date", "pk")
        ],
    }


def erase(erasure: Erasure) -> set[tuple[str, str]]:
    """Everything is deleted outright, including summaries others shared
    with the member; the audit log never mentioned any of it, so no targets."""
    member = erasure.member
    SafetyPlan.objects.filter(member=member).delete()
    CheckIn.objects.filter(member=member).delete()
    CheckInSchedule.objects.filter(member=member).delete()
    CheckInReminder.objects.filter(member=member).delete()
    SummaryShare.objects.filter(Q(member=member) | Q(viewer=member)).delete()
    RecoveryDate.objects.filter(member=member).delete()
    return set()
