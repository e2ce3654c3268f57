"""Turning a notification into a push: what it says, which subscriptions get
it, and sending it to one push service.

Used by the tasks module: community.actions.notify / notify_many (every
kind of notification goes through there) call tasks.queue_push after commit,
and the send_push task calls deliver(). Nothing here imports
community.actions: the members app calls down into push, never back.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from community.models import Notification

from .models import PushPreview, PushSettings, PushSubscription, category_of

logger = logging.getLogger(__name__)

# What a lock screen shows when the member has not asked for previews: the
# kind of news and nothing else (no room, no name, no words). Tapping opens
# the notification's page, behind sign-in.
TITLES = {
    "mention": ("New mention", "Someone mentioned you in a room."),
    "dm": ("New direct message", "Someone sent you a private message."),
    "dm_request": ("New message request", "Someone asked to send you private messages."),
    "reminder": ("Meetup reminder", "A meetup you are going to starts soon."),
    "meetup": ("Meetup update", "A meetup you are going to has changed."),
    "match": ("Mentorship update", "There is news about your mentorship."),
    "support": ("A moderator reached out", "A moderator opened a private conversation with you."),
    "crisis_alert": ("Crisis alert", "A member may need help. Please open the crisis console."),
    "moderator_request": ("A member asked for a moderator", "Please open the crisis console."),
    "report": ("New report", "A message needs review."),
    "checkin": ("Weekly check-in", "Your check-in is ready when you are."),
    "milestone": ("Milestone", "You have a milestone."),
}
DEFAULT_TITLE = ("New notification", "You have a new notification.")

# A push can wait in the task queue (minutes, or longer with the worker down).
# An app above the ground floor registers a check here (from its AppConfig's
# ready()) that answers, as the push goes, whether the notification may still
# reach its recipient — a direct message whose author has been blocked,
# erased or suspended since must not. Any check saying no drops the push.
_send_checks: list[Callable[[Notification], bool]] = []


def register_send_check(check: Callable[[Notification], bool]) -> None:
    if check not in _send_checks:
        _send_checks.append(check)


URGENT_KINDS = {"crisis_alert", "moderator_request"}
PREVIEW_CHARS = 200
# A push service keeps an undelivered push this long (a phone switched off
# overnight still gets the morning's mentions); crisis pages go stale sooner.
TTL_SECONDS = 24 * 3600
URGENT_TTL_SECONDS = 3600


def configured() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY)


@cache
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_raw(private_key.encode())


def endpoint_allowed(endpoint: str) -> bool:
    """Is `endpoint` at one of settings.PUSH_SERVICES? (scheme and host must
    match; "*." matches any subdomain; a port is compared when given)."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        return False
    for service in settings.PUSH_SERVICES:
        allowed = urlsplit(service)
        if allowed.scheme != parts.scheme:
            continue
        pattern = (allowed.hostname or "").lower()
        if allowed.port is not None and allowed.port != port:
            continue
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


def payload_for(notification: Notification, *, previews: bool, preview: str = "") -> dict:
    """The JSON the service worker turns into a system notification.

    Without previews: a title and a line that name only the kind of news.
    With previews: the in-app text, and the message's own words when the
    notification was given them."""
    title, body = TITLES.get(notification.kind, DEFAULT_TITLE)
    if previews:
        body = notification.text
        if preview:
            words = " ".join(preview.split())
            if len(words) > PREVIEW_CHARS:
                words = words[: PREVIEW_CHARS - 1] + "…"
            body = f"{body}\n“{words}”"
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": title,
        "body": body,
        "url": notification.url or "/notifications/",
        # The same tag as the page's own desktop notification: one replaces
        # the other instead of showing twice.
        "tag": f"notification-{notification.pk}",
        "urgent": notification.kind in URGENT_KINDS,
    }


@dataclass
class Outcome:
    sent: int = 0
    removed: int = 0
    failed: int = 0


def _session_alive(session_key: str) -> bool:
    if not session_key:
        return False
    store: SessionBase = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    return store.exists(session_key)


def deliver(notification: Notification) -> Outcome:
    """Send one notification to every live subscription of its recipient.

    Side effects: a subscription whose session has ended, or that the push
    service answers 404/410 for, is deleted; other failures are logged (the
    push service's host only, never the endpoint's path or keys) and counted
    on the subscription; a success stamps last_success_at. The stored preview
    is deleted whatever happens. Nothing is sent when a registered send check
    says the notification may no longer reach its recipient."""
    outcome = Outcome()
    preview_row = PushPreview.objects.filter(notification=notification).first()
    preview = preview_row.text if preview_row else ""
    if preview_row:
        preview_row.delete()
    member = notification.recipient
    choice = PushSettings.objects.filter(member=member).first()
    if not configured() or choice is None or not choice.wants(notification.kind):
        return outcome
    if not (member.is_active and member.suspended_at is None):
        return outcome
    if not all(check(notification) for check in _send_checks):
        return outcome
    payload = json.dumps(payload_for(notification, previews=choice.previews, preview=preview))
    urgent = notification.kind in URGENT_KINDS
    for subscription in PushSubscription.objects.filter(member=member):
        if not _session_alive(subscription.session_key) or not endpoint_allowed(subscription.endpoint):
            subscription.delete()
            outcome.removed += 1
            continue
        outcome_of_one = _send_one(subscription, payload, urgent=urgent, category=category_of(notification.kind))
        setattr(outcome, outcome_of_one, getattr(outcome, outcome_of_one) + 1)
    return outcome


def _send_one(subscription: PushSubscription, payload: str, *, urgent: bool, category: str) -> str:
    try:
        webpush(
            subscription_info=subscription.as_subscription_info(),
            data=payload,
            vapid_private_key=_vapid(settings.VAPID_PRIVATE_KEY),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=URGENT_TTL_SECONDS if urgent else TTL_SECONDS,
            headers={"Urgency": "high" if urgent else "normal"},
            timeout=settings.PUSH_TIMEOUT_SECONDS,
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (404, 410):
            # The browser dropped the subscription (unsubscribed, app removed,
            # site data cleared): it will never work again.
            logger.info("push: %s answered %s; subscription %s removed", subscription.service, status, subscription.pk)
            subscription.delete()
            return "removed"
        return _failed(subscription, f"HTTP {status}" if status else type(exc).__name__, category)
    except Exception as exc:  # a network error must not stop the others
        return _failed(subscription, type(exc).__name__, category)
    PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now(), failures=0)
    return "sent"


def _failed(subscription: PushSubscription, reason: str, category: str) -> str:
    # The endpoint's path is a bearer token for this browser: only the host is logged.
    logger.warning(
        "push: sending a %s notification to %s failed (%s); subscription %s, %s failures in a row",
        category,
        subscription.service,
        reason,
        subscription.pk,
        subscription.failures + 1,
    )
    PushSubscription.objects.filter(pk=subscription.pk).update(
        last_failure_at=timezone.now(), failures=F("failures") + 1
    )
    return "failed"
