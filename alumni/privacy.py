"""Export and erasure of a member's data across every app, each app's own
privacy.py called in a fixed order.

Both live here, next to each other, on purpose: a new model that holds
something about a member needs a line in its app's export and its erase, and
`tests/privacy/test_erasure_everywhere.py` fails until both exist.
`erase_member` is an action that lives outside `actions.py`; it follows the
same anatomy (one transaction, permission, write, broadcast on commit) and its
docstring lists every side effect.
"""

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

import community.privacy
import community.push.privacy
import events.privacy
import groups.privacy
import mentorship.privacy
import recovery.privacy
from community.models import AuditLog, User
from community.privacy import Erasure, pseudonym
from community.realtime import force_disconnect_on_commit

from . import family

EXPORT_FORMAT = "alumni-community-export/1"

# Export sections in the order they appear in the file; erasure in the order
# that keeps every step valid: mentorships end (and notify) before their rooms
# change, RSVPs free their places before memberships go, and the members app
# (sessions, invitations, notifications) comes last, before the User row.
EXPORTS = [
    community.privacy.export,
    groups.privacy.export,
    events.privacy.export,
    mentorship.privacy.export,
    recovery.privacy.export,
    community.push.privacy.export,
    family.export,
]
ERASERS = [
    mentorship.privacy.erase,
    events.privacy.erase,
    groups.privacy.erase,
    recovery.privacy.erase,
    family.erase,
    community.push.privacy.erase,
    community.privacy.erase,
]


def export_member_data(member: User) -> dict:
    """Everything the platform holds about `member`, as JSON-ready data.

    One function per app; a fixed number of queries whatever the amount of
    data (tests/privacy/test_export.py counts them).
    """
    data = {"format": EXPORT_FORMAT, "exported_at": timezone.now().isoformat(), "member_id": member.pk}
    for export in EXPORTS:
        data.update(export(member))
    return data


def erase_member(*, member: User, password_confirmed: bool, keep_messages: bool) -> str:
    """Erase a member's account, at their own request, in one transaction.

    `password_confirmed` must be True: the view re-checked the password.
    `keep_messages`: the member's chat messages stay, as "Former member"
    with no link to them; otherwise their text is removed too (the rows stay
    as "message removed" placeholders so conversations, and reports about
    them, keep their shape).

    Side effects, all or nothing:
    - messages: author unset (and text removed unless keep_messages); the
      member's @mentions in other people's messages read "@former member"
      (under any display name they ever had);
    - deleted: reactions, mentions, blocks either way, memberships (room
      counts follow), sanctions, moderator duty, RSVPs and waitlist places
      (a freed spot goes to the next on the waitlist, who is notified),
      sent reminders, calendar feed, mentor profile, mentor requests,
      mentorships, pair blocks and the member's end-of-mentorship feedback,
      their safety plan and relapse-prevention plan, check-ins, the check-in
      reminder and reminders sent, check-in summaries shared by or with them,
      recovery dates and milestones, family requests they made or that
      name their address and family links on either side, earlier display names,
      notifications, invitations to their addresses, allauth email
      addresses, MFA authenticators, user sessions and Django sessions,
      Web Push subscriptions and settings;
    - live or proposed mentorships end first: the other side is notified
      without naming anything private; mentorship rooms are locked and
      renamed;
    - kept without a link: reports the member made (note removed), reports
      about their messages, crisis alerts about them (follow-up notes
      removed), events and rooms they created, moderator work they did;
    - other members' notifications that named them (by any name they had
      when the notification was written) say "A former member";
      moderator stamps in crisis follow-ups name "member#<id>";
    - audit rows keep "member#<id>" only (AuditLog.pseudonymise_erased_member);
    - the User row is deleted last (no tombstone: nothing would need one);
    - on commit: every socket of the member closes with 4401, their presence
      entries and rate-limit counters (memory or Redis) are removed.

    Returns the pseudonymous id that the audit log now uses.
    """
    if not password_confirmed:
        raise PermissionDenied("Re-enter your password to delete your account.")
    with transaction.atomic():
        member = User.objects.select_for_update().filter(pk=member.pk).first()
        if member is None:
            raise ValidationError("This account no longer exists.")
        if (
            member.role == User.Role.STAFF
            and not User.objects.filter(role=User.Role.STAFF, is_active=True, suspended_at__isnull=True)
            .exclude(pk=member.pk)
            .exists()
        ):
            # The same rule as for roles: one click must not leave the site without staff.
            raise ValidationError(
                "You are the only staff member. Ask for a second staff account before deleting yours."
            )
        member_id = member.pk
        emails = sorted(
            {
                member.email.lower(),
                *(e.lower() for e in EmailAddress.objects.filter(user=member).values_list("email", flat=True)),
            }
        )
        erasure = Erasure(member=member, emails=emails, keep_messages=keep_messages)
        targets: set[tuple[str, str]] = {("user", str(member_id))}
        for erase in ERASERS:
            targets |= erase(erasure)

        AuditLog.objects.pseudonymise_erased_member(member_id=member_id, targets=targets, names=erasure.names)
        member.delete()
        force_disconnect_on_commit(member_id, code=4401)
    return pseudonym(member_id)
