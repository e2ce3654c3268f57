"""Direct messages: a first message from someone new waits as a request for
its recipient's consent; accepting opens the pair's two-person room, which is
an ordinary members-only room from then on (send, edit, reactions, resume,
history, read markers, reports, crisis detection, export and erasure all run
through the room code)."""

import secrets
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from community import ratelimit
from community.actions import notify, record_audit
from community.models import Notification, User

from .. import detector, permissions
from ..detection import CONCERN, CRISIS
from ..errors import ChatError
from ..models import CrisisAlert, DirectRequest, Room
from .common import _clean_body
from .crisis import open_crisis_alert
from .messages import _screen, post_message
from .rooms import _activate_membership

# New requests a member may send: a few at once, then about one every ten
# minutes. Unwanted private contact is a known harm here; a real member
# rarely asks many people in an hour.
REQUEST_BURST = 5
REQUEST_WINDOW = 3600


def requests_url() -> str:
    return reverse("direct:requests")


def _open_direct_room(a: User, b: User) -> Room:
    """The pair's direct room, created on first use. Two people opening it at
    the same moment share one: the pair key is unique."""
    key = permissions.pair_key(a, b)
    room = Room.objects.filter(kind=Room.Kind.DIRECT, pair_key=key).first()
    if room is None:
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    slug=f"dm-{secrets.token_hex(6)}",
                    # Each member sees the other's display name instead
                    # (queries.conversation_title): the row names nobody.
                    name="Direct messages",
                    kind=Room.Kind.DIRECT,
                    pair_key=key,
                )
        except IntegrityError:
            room = Room.objects.get(kind=Room.Kind.DIRECT, pair_key=key)
    for member in (a, b):
        _activate_membership(member, room)
    return room


def _alert_for_request(sender: User) -> None:
    """A crisis alert for a request's text, in its own transaction so that it
    stands whatever becomes of the request (refused, rate limited, already
    sent, muted)."""
    with transaction.atomic():
        open_crisis_alert(member=sender, room=None, message=None, source=CrisisAlert.Source.MESSAGE)


def read_for_crisis(*, sender: User, body: str) -> str:
    """Read a text that goes nowhere (its recipient is gone) for crisis: a
    crisis still opens a moderator alert. Returns the tier ("", "concern" or
    "crisis") so the page can show the support note."""
    tier = detector.classify(body)
    if tier == CRISIS:
        _alert_for_request(sender)
    return tier if tier in (CONCERN, CRISIS) else ""


def request_direct(*, sender: User, recipient: User, body) -> tuple[Room | None, DirectRequest | None, str]:
    """Send `recipient` a first message.

    - An open conversation between them: the message is posted there.
    - A moderator or staff member, to a member whose setting is not
      "nobody": the conversation opens at once with this message (audit row;
      the member gets a `dm` notification), rate limited like requests.
    - The recipient had asked the sender first: writing back is consent —
      their request is accepted and this message follows it.
    - Otherwise a request (DirectRequest) that the recipient accepts or
      declines; the recipient gets a `dm_request` notification. Asking again
      while the last request still shows as "sent" changes nothing. Asking
      within 30 days of a decline (or of an unanswered request's end) is
      muted: stored and shown to the sender as "sent" like any request, never
      shown to the recipient, no notification.

    The text is read for crisis before anything can refuse or drop it: a
    crisis opens a moderator alert even when the request is refused, rate
    limited, already sent or muted (a person in crisis is never silenced).

    Returns (room, request, tier): the conversation if one is open, the
    request if one waits, and the crisis tier of the text ("", "concern" or
    "crisis"). Raises PermissionDenied when the recipient's setting, a block
    or either account's state forbids it, ChatError for a bad text or too
    many requests; either exception carries the text's tier as `crisis_tier`
    (so the page can still show the support note).
    """
    body = _clean_body(body)
    tier = detector.classify(body)
    tier = tier if tier in (CONCERN, CRISIS) else ""
    try:
        with transaction.atomic():
            room, request, posted = _request_direct(sender, recipient, body)
    except (PermissionDenied, ChatError, ValidationError) as exc:
        if tier == CRISIS:
            _alert_for_request(sender)
        exc.crisis_tier = tier
        raise
    if tier == CRISIS and not posted:
        # A posted message raised its own alert (with the message); a request
        # or a muted or repeated one has none yet.
        _alert_for_request(sender)
    return room, request, tier


def _request_direct(sender: User, recipient: User, body: str) -> tuple[Room | None, DirectRequest | None, bool]:
    """request_direct's work, in one transaction. Returns (room, request,
    posted): posted when the text went into a room as a message."""
    room = permissions.direct_room_between(sender, recipient)
    if permissions.both_in_direct_room(sender, room):
        post_message(author=sender, room=room, body=body, client_id=uuid.uuid4())
        return room, None, True
    if not permissions.can_request_direct(sender, recipient):
        raise PermissionDenied
    if permissions.opens_directly(sender):
        _check_request_rate(sender)
        room = _open_direct_room(sender, recipient)
        record_audit(actor=sender, action="direct.open", target=room, details={"member": recipient.pk})
        post_message(author=sender, room=room, body=body, client_id=uuid.uuid4())
        return room, None, True
    theirs = permissions.visible_direct_requests(sender).filter(sender=recipient).first()
    if theirs is not None:
        room = accept_direct_request(member=sender, request=theirs)
        post_message(author=sender, room=room, body=body, client_id=uuid.uuid4())
        return room, None, True
    now = timezone.now()
    existing = DirectRequest.objects.select_for_update().filter(sender=sender, recipient=recipient).first()
    if existing is not None and existing.created_at > now - permissions.DIRECT_REQUEST_COOLDOWN:
        return None, existing, False
    _screen(sender, body, moderator=False)  # blocked words refuse it now, not at acceptance
    _check_request_rate(sender)
    if existing is None:
        try:
            with transaction.atomic():
                request = DirectRequest.objects.create(sender=sender, recipient=recipient, body=body)
        except IntegrityError:
            # The same request sent twice at once (a double click): the first one stands.
            return None, DirectRequest.objects.get(sender=sender, recipient=recipient), False
        muted = False
    else:
        # The last request no longer shows as "sent": the same row asks again.
        # Within 30 days of its decline, or of its end unanswered (which counts
        # as a decline from then on), it is muted: stored as declined, so the
        # recipient never sees it, while the sender sees "sent" as always.
        if existing.status == DirectRequest.Status.PENDING:
            existing.decided_at = existing.created_at + permissions.DIRECT_REQUEST_COOLDOWN
        muted = existing.decided_at is not None and existing.decided_at > now - permissions.DIRECT_REQUEST_COOLDOWN
        existing.body, existing.client_id, existing.created_at = body, uuid.uuid4(), now
        if muted:
            existing.status = DirectRequest.Status.DECLINED
        else:
            existing.status, existing.decided_at = DirectRequest.Status.PENDING, None
        existing.save(update_fields=["body", "client_id", "created_at", "status", "decided_at"])
        request = existing
    if not muted:
        notify(
            recipient=recipient,
            kind=Notification.Kind.DM_REQUEST,
            text=f"{sender.display_name} would like to send you a message",
            # The request's own anchor: a queued push is checked against it as it goes.
            url=f"{requests_url()}#request-{request.pk}",
            preview=body,  # on a phone only with previews turned on
        )
    return None, request, False


def _check_request_rate(sender: User) -> None:
    wait = ratelimit.hit(f"dm-request:{sender.pk}", limit=REQUEST_BURST, window=REQUEST_WINDOW)
    if wait:
        raise ChatError(
            "rate_limited", "You've sent several message requests lately. Try again later.", retry_after=wait
        )


@transaction.atomic
def accept_direct_request(*, member: User, request: DirectRequest) -> Room:
    """Accept a message request: the pair's conversation opens with the
    request's text as its first message (posted as the sender's, through the
    room code: numbered, broadcast, its crisis tier stored; not rate limited,
    screened or alerted again — all that happened when it was sent, so the
    sender's state now cannot make acceptance fail). The request row goes — its text
    now lives in the room. Side effect: a `dm` notification tells the sender."""
    request = permissions.visible_direct_requests(member).select_for_update(of=("self",)).filter(pk=request.pk).first()
    if request is None:
        raise ValidationError("That request is no longer waiting.")
    sender = request.sender
    room = _open_direct_room(sender, member)
    # The member just read it (in the request): no `dm` notice for it.
    post_message(
        author=sender,
        room=room,
        body=request.body,
        client_id=request.client_id,
        notify_conversation=False,
        from_request=True,
    )
    request.delete()
    notify(
        recipient=sender,
        kind=Notification.Kind.DM,
        text=f"{member.display_name} accepted your message request",
        url=room.get_absolute_url(),
    )
    return room


@transaction.atomic
def decline_direct_request(*, member: User, request: DirectRequest) -> None:
    """Decline a message request, silently: nobody is told, the sender keeps
    seeing "sent" (with their text), and for 30 days from now any new request
    of theirs is muted (stored, never shown to this member, no notification);
    the row goes with either member's erasure."""
    updated = (
        permissions.visible_direct_requests(member)
        .filter(pk=request.pk)
        .update(status=DirectRequest.Status.DECLINED, decided_at=timezone.now())
    )
    if not updated:
        raise ValidationError("That request is no longer waiting.")


@transaction.atomic
def forget_expired_direct_requests(*, now=None) -> int:
    """Delete requests nobody needs any more (data kept no longer than it
    serves): the sender's "sent" has ended (30 days after it was sent) and so
    has the recipient's quiet time (30 days after a decline, or after an
    unanswered request's own end). An accepted one is already gone. Run daily
    by the scheduler. Returns how many went."""
    now = now or timezone.now()
    cooldown = permissions.DIRECT_REQUEST_COOLDOWN
    deleted, _ = (
        DirectRequest.objects.filter(created_at__lte=now - cooldown)
        .filter(
            Q(status=DirectRequest.Status.PENDING, created_at__lte=now - 2 * cooldown)
            | Q(status=DirectRequest.Status.DECLINED, decided_at__lte=now - cooldown)
        )
        .delete()
    )
    return deleted
