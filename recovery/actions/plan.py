"""Every change to a safety plan and its relapse-prevention section.

No audit row and no broadcast: a plan is the member's own private health
data, the audit log is read by staff, and no one else has a page that shows it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..models import (
    CONTACT_FIELDS,
    PLAN_FIELDS,
    RELAPSE_FIELDS,
    RELAPSE_TEXT_FIELDS,
    TEXT_FIELDS,
    SafetyPlan,
)


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


def save_relapse_plan(*, member, data: dict) -> SafetyPlan:
    """Write the relapse-prevention section of the member's plan, creating
    the plan the first time; the safety-plan steps are left as they are.

    `data` holds the three text fields, `rp_situations` (a list of
    {"situation", "plan"}; blank rows dropped) and `rp_people` (a list of
    {"name", "phone"}). Raises PermissionDenied for anyone but an active member
    and ValidationError for bad input, in which case nothing changes.

    Side effects: the member's SafetyPlan row is created or updated and its
    updated_at set. No audit row, no notification, no broadcast.
    """
    with transaction.atomic():
        if not permissions.can_edit_safety_plan(member):
            raise PermissionDenied("Only members keep a plan.")
        unknown = sorted(set(data) - set(RELAPSE_FIELDS))
        if unknown:
            raise ValidationError(f"Not part of a relapse-prevention plan: {', '.join(unknown)}.")
        fields = {}
        for name in RELAPSE_TEXT_FIELDS:
            value = data.get(name, "")
            if not isinstance(value, str):
                raise ValidationError({name: "Write this as text."})
            fields[name] = value.replace("\r\n", "\n").strip()
        situations = data.get("rp_situations", [])
        if isinstance(situations, list):
            situations = [
                {k: v.strip() if isinstance(v, str) else v for k, v in s.items()} if isinstance(s, dict) else s
                for s in situations
            ]
            situations = [
                s for s in situations if not (isinstance(s, dict) and not s.get("situation") and not s.get("plan"))
            ]
        fields["rp_situations"] = situations
        people = data.get("rp_people", [])
        if isinstance(people, list):
            people = [
                {k: v.strip() if isinstance(v, str) else v for k, v in c.items()} if isinstance(c, dict) else c
                for c in people
            ]
            people = [c for c in people if not (isinstance(c, dict) and not c.get("name") and not c.get("phone"))]
        fields["rp_people"] = people
        SafetyPlan(member=member, **fields).full_clean(exclude=["member"], validate_unique=False)
        fields["updated_at"] = timezone.now()
        plan, _ = SafetyPlan.objects.update_or_create(member=member, defaults=fields)
    return plan
