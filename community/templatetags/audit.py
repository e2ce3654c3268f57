"""The audit log in words: who (a display name, not "member#11 (Sam)"), what
(a phrase, not "meetup.occurrence.cancel"), on what, and the details as
labelled values (not a raw dict). Only presentation: the stored rows, and
their pseudonymous actor labels, stay exactly as written.

    {% load audit %}
    {{ entry.actor_label|audit_who }}  {{ entry.action|audit_action }}
    {{ entry|audit_target }}           {% for label, value in entry.details|audit_details %}…{% endfor %}
"""

import re
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()

ACTIONS = {
    "cohort.create": "Created a cohort",
    "cohort.update": "Changed a cohort",
    "crisis_alert.acknowledge": "Acknowledged a crisis alert",
    "crisis_alert.escalate": "Escalated a crisis alert",
    "crisis_alert.follow_up": "Recorded a crisis follow-up",
    "crisis_alert.label": "Labelled a crisis alert",
    "crisis_phrase.add": "Added a crisis phrase",
    "crisis_phrase.remove": "Removed a crisis phrase",
    "crisis_resources.update": "Changed the crisis resources",
    "duty.on": "Went on duty",
    "duty.off": "Went off duty",
    "focus_area.create": "Added a focus area",
    "focus_area.delete": "Removed a focus area",
    "focus_area.rename": "Renamed a focus area",
    "invitation.bulk": "Invited graduates from a CSV file",
    "invitation.create": "Sent an invitation",
    "invitation.resend": "Resent an invitation",
    "invitation.revoke": "Revoked an invitation",
    "meetup.attendance": "Took attendance",
    "meetup.cancel": "Cancelled a meetup series",
    "meetup.create": "Posted a meetup",
    "meetup.occurrence.cancel": "Cancelled a meetup date",
    "meetup.occurrence.move": "Moved a meetup date",
    "meetup.update": "Changed a meetup",
    "meetups.policy": "Changed who may post meetups",
    "member.ban": "Banned a member from a room",
    "member.cohort": "Moved a member to a cohort",
    "member.mute": "Muted a member",
    "member.role": "Changed a member's role",
    "member.suspend": "Suspended a member",
    "member.warn": "Warned a member",
    "member.erase": "Erased an account",
    "mentor.approve": "Approved a mentor",
    "mentor.decline": "Declined a mentor application",
    "mentor.retire": "Retired a mentor",
    "mentorship.block_pair": "Kept two members from being matched",
    "mentorship.bulk_match": "Drafted mentor matches",
    "mentorship.draft_discard": "Discarded a draft match",
    "mentorship.draft_reassign": "Reassigned a draft match",
    "mentorship.publish": "Published mentor matches",
    "mentorship.settings": "Changed the matching settings",
    "message.approve": "Approved a held message",
    "message.reject": "Rejected a held message",
    "message.remove": "Removed a message",
    "report.claim": "Took a report",
    "report.dismiss": "Dismissed a report",
    "report.resolve": "Resolved a report",
    "room.create": "Created a room",
    "room.invite": "Added a member to a room",
    "room.moderator.appoint": "Appointed a room moderator",
    "room.moderator.remove": "Removed a room moderator",
    "room.pin": "Pinned a message",
    "room.settings": "Changed a room's settings",
    "sanction.lift": "Lifted a sanction",
    "support_room.join": "Joined a support conversation",
    "support_room.open": "Opened a support conversation",
    "watched_word.add": "Added a watched word",
    "watched_word.remove": "Removed a watched word",
}

TARGETS = {
    "user": "Member",
    "invitation": "Invitation",
    "cohort": "Cohort",
    "focusarea": "Focus area",
    "room": "Room",
    "message": "Message",
    "report": "Report",
    "sanction": "Sanction",
    "watchedword": "Watched word",
    "crisisphrase": "Crisis phrase",
    "crisisalert": "Crisis alert",
    "event": "Meetup",
    "occurrence": "Meetup date",
    "calendarpolicy": "Meetup settings",
    "mentorprofile": "Mentor",
    "mentorrequest": "Mentor request",
    "mentorship": "Mentorship",
    "matchingsettings": "Matching settings",
    "crisisresource": "Crisis resource",
}

_LABEL = re.compile(r"^member#(\d+)(?: \((.*)\))?$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _words(key: str) -> str:
    return key.replace("_", " ").replace(".", " ").strip().capitalize()


@register.filter
def audit_who(label: str) -> str:
    """'member#12 (Morgan)' → 'Morgan (account 12)': a display name can be
    given up and taken by someone else, so the account number stays; an
    erased account ('member#12') stays nameless on purpose: 'Erased account 12'."""
    if not label or label == "system":
        return "The system"
    match = _LABEL.match(label)
    if not match:
        return label
    number, name = match.groups()
    return f"{name} (account {number})" if name else f"Erased account {number}"


@register.filter
def audit_action(action: str) -> str:
    return ACTIONS.get(action) or _words(action)


@register.filter
def audit_target(entry) -> str:
    if not entry.target_type:
        return ""
    kind = TARGETS.get(entry.target_type) or _words(entry.target_type)
    label = entry.target_label
    if entry.target_type == "user":
        label = audit_who(label) if _LABEL.match(label or "") else label
    if not label:
        return kind
    # "Mentor profile of Indigo" says its kind already.
    return label if label.lower().startswith(kind.lower()) else f"{kind}: {label}"


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and _ISO.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "M j, Y, g:i A")
    if isinstance(value, str):
        match = _LABEL.match(value)
        return audit_who(value) if match else value
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{_words(str(k))}: {_value(v)}" for k, v in value.items()) or "—"
    return str(value)


@register.filter
def audit_details(details) -> list[tuple[str, str]]:
    """[(label, value)] in the row's own order, each value in words."""
    if not isinstance(details, dict):
        return [("Details", _value(details))] if details else []
    return [(_words(str(key)), _value(value)) for key, value in details.items()]
