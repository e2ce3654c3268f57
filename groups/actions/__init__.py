"""Every change to rooms, memberships, messages and reactions, one module per
subject: `messages` (send, edit, delete, react, read), `rooms` (rooms,
memberships, blocks), `moderation` (reports, held messages, sanctions, room
controls, word lists) and `crisis` (duty, alerts, the reach-out).

The WebSocket consumer, the views, the admin, the other apps and the demo
seeder all call these, through this package's names.
"""

from ..errors import DENIAL_DETAIL, ChatError
from .common import MAX_ID, PostResult, is_message_id, site_moderators
from .crisis import (
    acknowledge_alert,
    escalate_if_unacknowledged,
    on_duty_moderators,
    open_crisis_alert,
    record_follow_up,
    request_moderator,
    set_duty,
)
from .messages import delete_message, edit_message, mark_read, post_message, toggle_reaction
from .moderation import (
    add_crisis_phrase,
    add_watched_word,
    approve_held_message,
    ban_member,
    claim_report,
    close_report,
    lift_sanction,
    mute_member,
    pin_message,
    reject_held_message,
    remove_crisis_phrase,
    remove_watched_word,
    report_message,
    set_room_moderator,
    suspend_member,
    update_room_settings,
    warn_member,
)
from .rooms import (
    accept_guidelines,
    add_member_to_room,
    block_member,
    close_mentorship_room,
    create_mentorship_room,
    create_room,
    invite_to_private_room,
    join_default_rooms,
    join_room,
    leave_room,
    unblock_member,
)

__all__ = [
    "DENIAL_DETAIL",
    "MAX_ID",
    "ChatError",
    "PostResult",
    "accept_guidelines",
    "acknowledge_alert",
    "add_crisis_phrase",
    "add_member_to_room",
    "add_watched_word",
    "approve_held_message",
    "ban_member",
    "block_member",
    "claim_report",
    "close_mentorship_room",
    "close_report",
    "create_mentorship_room",
    "create_room",
    "delete_message",
    "edit_message",
    "escalate_if_unacknowledged",
    "invite_to_private_room",
    "is_message_id",
    "join_default_rooms",
    "join_room",
    "leave_room",
    "lift_sanction",
    "mark_read",
    "mute_member",
    "on_duty_moderators",
    "open_crisis_alert",
    "pin_message",
    "post_message",
    "record_follow_up",
    "reject_held_message",
    "remove_crisis_phrase",
    "remove_watched_word",
    "report_message",
    "request_moderator",
    "set_duty",
    "set_room_moderator",
    "site_moderators",
    "suspend_member",
    "toggle_reaction",
    "unblock_member",
    "update_room_settings",
    "warn_member",
]
