"""Export and erasure of a member's safety plan (called by alumni.privacy)."""

from community.privacy import Erasure
from community.privacy import iso as _iso

from .models import PLAN_FIELDS, SafetyPlan


def export(member) -> dict:
    """The member's safety plan, every step, or None if they have none."""
    plan = SafetyPlan.objects.filter(member=member).first()
    if plan is None:
        return {"safety_plan": None}
    return {
        "safety_plan": {
            **{name: getattr(plan, name) for name in PLAN_FIELDS},
            "created_at": _iso(plan.created_at),
            "updated_at": _iso(plan.updated_at),
        }
    }


def erase(erasure: Erasure) -> set[tuple[str, str]]:
    """The plan is deleted outright; the audit log never mentioned it, so no targets."""
    SafetyPlan.objects.filter(member=erasure.member).delete()
    return set()
