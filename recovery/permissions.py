"""Who may do what with a safety plan: its owner, and nobody else.

There is deliberately no predicate for reading someone else's plan and no
access helper that takes a member id: every read goes through `own_safety_plan`,
which answers for the requester alone. Moderators and staff are no exception.
"""

from community.permissions import is_active_member

from .models import SafetyPlan


def can_edit_safety_plan(user) -> bool:
    """Any active member keeps a plan of their own (suspended or deactivated: no)."""
    return is_active_member(user)


def own_safety_plan(user) -> SafetyPlan | None:
    """The requester's own plan, or None (no plan yet, or not an active member)."""
    if not can_edit_safety_plan(user):
        return None
    return SafetyPlan.objects.filter(member=user).first()
