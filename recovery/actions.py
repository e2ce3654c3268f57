"""Every change to a safety plan.

No audit row and no broadcast: a plan is the member's own private health
data, the audit log is read by staff, and no one else has a page that shows it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import permissions
from .models import CONTACT_FIELDS, PLAN_FIELDS, TEXT_FIELDS, SafetyPlan


def _normalise(data: dict) -> dict:
    """Strip text, drop blank contact rows; anything of the wrong shape is
    left for the model's validators to reject."""
    unknown = sorted(set(data) - set(PLAN_FIELDS))
    if unknown:
        raise ValidationError(f"Not part of a safety plan: {', '.join(unknown)}.")
    fields = {}
    for name in TEXT_FIELDS:
        value = data.get(name, "")
        if not isinstance(value, str):
            raise ValidationError({name: "Write this as text."})
        fields[name] = value.replace("\r\n", "\n").strip()
    for name in CONTACT_FIELDS:
        value = data.get(name, [])
        if isinstance(value, list):
            value = [
                {k: v.strip() if isinstance(v, str) else v for k, v in c.items()} if isinstance(c, dict) else c
                for c in value
            ]
            value = [c for c in value if not (isinstance(c, dict) and not c.get("name") and not c.get("phone"))]
        fields[name] = value
    return fields


def save_safety_plan(*, member, data: dict) -> SafetyPlan:
    """Write the member's whole safety plan, creating it the first time.

    `data` holds the text steps and the two contact lists (lists of
    {"name", "phone"}); a missing key is saved empty, blank contact rows are
    dropped. Raises PermissionDenied for anyone but an active member and
    ValidationError for bad input, in which case nothing changes.

    Side effects: the member's SafetyPlan row is created or replaced and its
    updated_at set. No audit row, no notification, no broadcast.
    """
    with transaction.atomic():
        if not permissions.can_edit_safety_plan(member):
            raise PermissionDenied("Only members keep a safety plan.")
        fields = _normalise(data)
        SafetyPlan(member=member, **fields).full_clean(exclude=["member"], validate_unique=False)
        fields["updated_at"] = timezone.now()
        # update_or_create locks an existing row; two first saves at once
        # meet the one-to-one constraint and the second becomes an update.
        plan, _ = SafetyPlan.objects.update_or_create(member=member, defaults=fields)
    return plan


def delete_safety_plan(*, member) -> bool:
    """Delete the member's own plan. Returns whether there was one.

    Side effects: the member's SafetyPlan row is deleted. No audit row.
    """
    with transaction.atomic():
        if not permissions.can_edit_safety_plan(member):
            raise PermissionDenied("Only members keep a safety plan.")
        deleted, _ = SafetyPlan.objects.filter(member=member).delete()
    return deleted > 0
