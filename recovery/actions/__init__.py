"""Every change in the recovery app, one module per subject."""

from .checkins import (
    CONCERN,
    DANGER,
    NUDGE_AFTER,
    SaveResult,
    assess_risk,
    delete_checkin,
    previous_checkin,
    revoke_summary,
    save_checkin,
    send_due_checkin_reminders,
    set_checkin_schedule,
    share_summary,
)
from .milestones import (
    add_recovery_date,
    begin_again,
    celebration_text,
    congratulate_milestones,
    delete_recovery_date,
    share_milestone,
    shareable_rooms,
)
from .plan import delete_safety_plan, save_relapse_plan, save_safety_plan

__all__ = [
    "CONCERN",
    "DANGER",
    "NUDGE_AFTER",
    "SaveResult",
    "add_recovery_date",
    "assess_risk",
    "begin_again",
    "celebration_text",
    "congratulate_milestones",
    "delete_checkin",
    "delete_recovery_date",
    "delete_safety_plan",
    "previous_checkin",
    "revoke_summary",
    "save_checkin",
    "save_relapse_plan",
    "save_safety_plan",
    "send_due_checkin_reminders",
    "set_checkin_schedule",
    "share_milestone",
    "share_summary",
    "shareable_rooms",
]
