"""A member's own data in the members app, and the pieces every app's
privacy.py shares: `Erasure` (who is being erased and every name they had),
`iso`, `unname` and `pseudonym`.

Each app has a privacy.py with `export(member) -> dict` and
`erase(erasure) -> set of audit targets`; `alumni.privacy` calls them in a
fixed order, in one transaction. A new model that holds something about a
member needs a line in its app's export and erase, and
`tests/privacy/test_erasure_everywhere.py` fails until both exist.

What an export never contains: other members' private data. Other people
appear by display name only; reports made *about* the member (and who made
them), blocks made *against* them, a mentee's request (when the member is the
mentor), match explanations, session keys, MFA secrets and the calendar feed
token stay out.
"""

import contextlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q

from .models import AuditLog, FormerDisplayName, Invitation, Notification, User
from .realtime import close_session_sockets

logger = logging.getLogger(__name__)

FORMER_MEMBER_TEXT = "A former member"


@dataclass
class Erasure:
    """Who is being erased, and the names and addresses to scrub from what
    others keep (longest first, so an address goes before a name inside it):
    every display name the member ever had, not only the current one
    (FormerDisplayName; outside review finding 4)."""

    member: User
    emails: list[str]
    keep_messages: bool = False
    former_names: list[tuple[str, datetime]] = field(init=False)
    patterns: list[re.Pattern] = field(init=False)

    def __post_init__(self):
        self.former_names = list(
            FormerDisplayName.objects.filter(member=self.member).values_list("name", "used_until").order_by("pk")
        )
        self.patterns = name_patterns(self.member, self.emails, [name for name, _ in self.former_names])

    @property
    def display_names(self) -> list[str]:
        """The current display name and every earlier one, longest first."""
        names = {self.member.display_name, *(name for name, _ in self.former_names)}
        return sorted((n for n in names if n), key=len, reverse=True)

    @property
    def names(self) -> list[str]:
        return [*self.emails, *self.display_names]

    def patterns_at(self, written_at: datetime | None) -> list[re.Pattern]:
        """The patterns for a row written at `written_at`: a former name only
        if the member still had it then (someone else may use it since)."""
        if written_at is None:
            return self.patterns
        dropped = {name.lower() for name, until in self.former_names if until < written_at}
        dropped.discard(self.member.display_name.lower())
        if not dropped:
            return self.patterns
        kept = [n for n in self.display_names if n.lower() not in dropped]
        return [_word(v) for v in sorted([*kept, *self.emails], key=len, reverse=True) if v]


@contextlib.contextmanager
def after_commit_guard():
    """For clean-up that runs after the erasure committed: the account is
    already gone, so a Redis hiccup here is logged, never raised (presence
    entries, counters and sockets expire or close anyway)."""
    try:
        yield
    except Exception:
        logger.warning("erasure: could not clear live state of an erased member", exc_info=True)


def pseudonym(member_id: int) -> str:
    """What the audit log calls an erased member."""
    return f"member#{member_id}"


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value.isoformat()


def _word(text: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(text) + r"(?!\w)", re.IGNORECASE)


def unname(text: str, patterns: list[re.Pattern]) -> str:
    """Replace the member's name and addresses (patterns, longest first) by
    "a former member", capitalised where it starts the text or a sentence."""
    for pattern in patterns:
        text = pattern.sub("a former member", text)
    return re.sub(r"(^|[.!?]\s+)a former member", lambda m: m.group(1) + FORMER_MEMBER_TEXT, text)


def name_patterns(member: User, emails: list[str], former_names: list[str] = ()) -> list[re.Pattern]:
    values = {member.display_name, *former_names, *emails}
    return [_word(v) for v in sorted(values, key=len, reverse=True) if v]


def export(member: User) -> dict:
    """Profile, invitation, notifications, audit rows by or about the member, and
    the account: e-mail addresses, two-factor methods (types and dates), sessions."""
    profile = {
        "email": member.email,
        "display_name": member.display_name,
        "role": member.role,
        "pronouns": member.pronouns,
        "bio": member.bio,
        "cohort": member.cohort.name if member.cohort_id else None,
        "graduation_date": iso(member.graduation_date),
        "time_zone": member.time_zone,
        "focus_areas": [a.name for a in member.focus_areas.order_by("name")],
        "in_directory": member.in_directory,
        "email_notification_kinds": list(member.email_notification_kinds or []),
        "joined_at": iso(member.date_joined),
        "last_sign_in": iso(member.last_login),
        "suspended_at": iso(member.suspended_at),
        "suspension_reason": member.suspension_reason,
    }
    invitation = Invitation.objects.filter(accepted_by=member).first()
    former_names = [
        {"display_name": f.name, "used_until": iso(f.used_until)}
        for f in FormerDisplayName.objects.filter(member=member).order_by("used_until", "pk")
    ]
    notifications = [
        {"kind": n.kind, "text": n.text, "url": n.url, "created_at": iso(n.created_at), "read_at": iso(n.read_at)}
        for n in Notification.objects.filter(recipient=member).order_by("created_at", "pk")
    ]
    # Actions the member took as moderator or staff, and actions taken about
    # them. Labels and details are left out: they can name other people
    # (an invitation's label is someone's email address).
    audit = AuditLog.objects.filter(Q(actor=member) | Q(target_type="user", target_id=str(member.pk)))
    return {
        "profile": profile,
        "former_display_names": former_names,
        "invitation": {
            "sent_at": iso(invitation.created_at),
            "accepted_at": iso(invitation.accepted_at),
            "role": invitation.role,
        }
        if invitation
        else None,
        "notifications": notifications,
        "audit_log": [
            {
                "action": row.action,
                "by_you": row.actor_id == member.pk,
                "about_you": row.target_type == "user" and row.target_id == str(member.pk),
                "target_type": row.target_type,
                "created_at": iso(row.created_at),
            }
            for row in audit.order_by("created_at", "pk")
        ],
        **_account_section(member),
    }


def _account_section(member: User) -> dict:
    return {
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=member).order_by("pk")
        ],
        # Types and dates only: the secrets and recovery codes stay out of a
        # file that may end up in a downloads folder.
        "two_factor": [
            {"type": a.type, "created_at": iso(a.created_at), "last_used_at": iso(a.last_used_at)}
            for a in Authenticator.objects.filter(user=member).order_by("pk")
        ],
        "sessions": [
            {
                "signed_in_at": iso(s.created_at),
                "last_seen_at": iso(s.last_seen_at),
                "ip": s.ip,
                "browser": s.user_agent,
            }
            for s in UserSession.objects.filter(user=member).order_by("created_at", "pk")
        ],
    }


def erase(erasure: Erasure) -> set[tuple[str, str]]:
    """Invitations to the member's addresses, their notifications, their name in
    other members' notifications, allauth rows and sessions (their sockets close
    after commit), and Django admin log entries that name them."""
    member, emails = erasure.member, erasure.emails
    targets = set()
    email_match = Q(accepted_by=member)
    for email in emails:
        email_match |= Q(email__iexact=email)
    invitations = Invitation.objects.filter(email_match)
    for pk in invitations.values_list("pk", flat=True):
        targets.add(("invitation", str(pk)))
    invitations.delete()

    Notification.objects.filter(recipient=member).delete()
    # Other members' notifications that named the member ("Alice mentioned
    # you", "Alice may be in crisis") now name nobody, under any name the
    # member had when the notification was written.
    candidates = Q()
    for value in erasure.names:
        candidates |= Q(text__icontains=value)
    for notification in Notification.objects.filter(candidates).only("pk", "text", "created_at"):
        text = unname(notification.text, erasure.patterns_at(notification.created_at))
        if text != notification.text:
            Notification.objects.filter(pk=notification.pk).update(text=text)
    FormerDisplayName.objects.filter(member=member).delete()

    session_keys = _erase_account(member)
    _scrub_admin_log(member.pk, erasure.names)
    transaction.on_commit(lambda: _close_sockets(session_keys))
    return targets


def _close_sockets(session_keys: list[str]) -> None:
    with after_commit_guard():
        for key in session_keys:
            close_session_sockets(key)


def _erase_account(member: User) -> list[str]:
    """allauth and Django session rows. Returns the session keys that ended."""
    keys = list(UserSession.objects.filter(user=member).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=member).delete()
    Authenticator.objects.filter(user=member).delete()
    EmailAddress.objects.filter(user=member).delete()
    return keys


def _scrub_admin_log(member_id: int, names: list[str]) -> None:
    """Django admin's own log: entries about the member's user row name them."""

    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.filter(content_type=user_type, object_id=str(member_id)).update(object_repr=pseudonym(member_id))
    for value in names:
        for entry in LogEntry.objects.filter(object_repr__icontains=value).only("pk", "object_repr"):
            LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=_word(value).sub(pseudonym(member_id), entry.object_repr)
            )
