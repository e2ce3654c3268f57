"""Direct messages: the member's conversations, message requests, and the
first message to someone new. Thin: access helper → form → action → redirect.
The conversation itself is the room page (views.room)."""

import contextlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.decorators import permission_required
from community.models import User
from community.permissions import is_active_member

from . import actions, permissions, queries
from .errors import ChatError
from .forms import DirectMessageForm
from .models import DirectRequest

SUPPORT_NOTE = (
    "Your message was sent. It sounds like things may be hard right now: your own plan and people who can "
    "help are one tap away (My plan, or call or text 988)."
)
# The same, when the text could not be sent (moderators were still alerted to a crisis).
SUPPORT_ONLY_NOTE = (
    "It sounds like things may be hard right now: your own plan and people who can help are one tap away "
    "(My plan, or call or text 988)."
)


def _sent_request(user, target) -> DirectRequest | None:
    """The member's own request to `target`, while it still shows as "sent"
    (pending or declined alike: the sender never learns which)."""
    return (
        DirectRequest.objects.filter(sender=user, recipient=target)
        .filter(created_at__gt=timezone.now() - permissions.DIRECT_REQUEST_COOLDOWN)
        .first()
    )


def _target(user, member_id) -> User | None:
    target = User.objects.filter(pk=member_id).first() if str(member_id).isdigit() else None
    if target is None or target.pk == user.pk or not is_active_member(target):
        return None
    return target


@permission_required(permissions.can_use_direct_messages, hide=False)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The member's two-person conversations with unread counts (one query)
    and how many message requests wait (one query)."""
    return render(
        request,
        "groups/messages.html",
        {
            "conversations": queries.conversations(request.user),
            "waiting": permissions.visible_direct_requests(request.user).count(),
        },
    )


@permission_required(permissions.can_use_direct_messages, hide=False)
@require_GET
def requests(request: HttpRequest) -> HttpResponse:
    received = list(permissions.visible_direct_requests(request.user).select_related("sender").order_by("created_at"))
    sent = list(
        DirectRequest.objects.filter(
            sender=request.user, created_at__gt=timezone.now() - permissions.DIRECT_REQUEST_COOLDOWN
        )
        .select_related("recipient")
        .order_by("-created_at")
    )
    return render(request, "groups/message_requests.html", {"received": received, "sent": sent})


@permission_required(permissions.can_use_direct_messages, hide=False)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, member_id: int) -> HttpResponse:
    """Write to someone: their open conversation, your request already sent,
    or the form for a first message (a request, or — moderators — the
    conversation at once). Anyone else is missing (404)."""
    # A POST is always read, whatever this page would show now (a request
    # already "sent", the conversation opened meanwhile, the member gone or
    # no longer allowing it): the text is read for crisis first, so nothing a
    # person in crisis types is lost.
    posted = request.method == "POST"
    target = _target(request.user, member_id)
    form = DirectMessageForm(request.POST if posted else None)
    if target is None:
        if posted and form.is_valid() and actions.read_for_crisis(sender=request.user, body=form.cleaned_data["body"]):
            messages.info(request, SUPPORT_ONLY_NOTE)
        raise Http404("No such member.")
    room = permissions.direct_room_between(request.user, target)
    if not posted and permissions.both_in_direct_room(request.user, room):
        return redirect(room.get_absolute_url())
    sent = _sent_request(request.user, target)
    if not posted and sent is None and not permissions.can_request_direct(request.user, target):
        raise Http404("No such member.")
    status = 200
    if form.is_bound and form.is_valid():
        try:
            room, _request, tier = actions.request_direct(
                sender=request.user, recipient=target, body=form.cleaned_data["body"]
            )
        except PermissionDenied as exc:
            if getattr(exc, "crisis_tier", ""):
                messages.info(request, SUPPORT_ONLY_NOTE)
            if sent is None:
                raise Http404("No such member.") from None
            # Asked already, then a block or a changed setting: it still reads "sent".
            return redirect("direct:new", member_id=target.pk)
        except ChatError as exc:
            if getattr(exc, "crisis_tier", ""):
                messages.info(request, SUPPORT_ONLY_NOTE)
            form.add_error("body", exc.detail)
            status = 429 if exc.code == "rate_limited" else 400
        else:
            if tier:
                messages.info(request, SUPPORT_NOTE)
            if room is not None:
                return redirect(room.get_absolute_url())
            messages.success(request, f"Message request sent to {target.display_name}.")
            return redirect("direct:new", member_id=target.pk)
    elif form.is_bound:
        if sent is None and not permissions.can_request_direct(request.user, target):
            raise Http404("No such member.")
        status = 400
    return render(
        request,
        "groups/message_new.html",
        {
            "target": target,
            "form": form,
            "sent": sent,
            "opens_directly": permissions.opens_directly(request.user),
        },
        status=status,
    )


@permission_required(permissions.can_use_direct_messages, hide=False)
@require_POST
def accept(request: HttpRequest, direct_request_id: int) -> HttpResponse:
    direct_request = permissions.get_direct_request_for_recipient_or_404(request.user, direct_request_id)
    try:
        room = actions.accept_direct_request(member=request.user, request=direct_request)
    except (ValidationError, ChatError):
        messages.error(request, "That request can't be accepted any more.")
        return redirect("direct:requests")
    return redirect(room.get_absolute_url())


@permission_required(permissions.can_use_direct_messages, hide=False)
@require_POST
def decline(request: HttpRequest, direct_request_id: int) -> HttpResponse:
    direct_request = permissions.get_direct_request_for_recipient_or_404(request.user, direct_request_id)
    # Already gone (a second click): the same answer either way.
    with contextlib.suppress(ValidationError):
        actions.decline_direct_request(member=request.user, request=direct_request)
    messages.success(
        request,
        "Declined. Nobody is told. Any new request from them in the next 30 days stays hidden, "
        "and you won't be told of it.",
    )
    return redirect("direct:requests")
