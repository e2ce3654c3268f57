"""Pages for moderators and staff: review queue, crisis dashboard, member
history and sanctions, room controls, word lists. Members' own safety tool
(blocking) is here too."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from community.decorators import permission_required, redirect_back
from community.models import AuditLog, User
from community.permissions import is_site_moderator, is_staff

from . import actions, permissions, queries
from .forms import (
    CrisisActionForm,
    CrisisPhraseForm,
    NoteActionForm,
    PinForm,
    ReasonForm,
    RoomModeratorForm,
    RoomSettingsForm,
    SanctionForm,
    WatchedWordForm,
)
from .models import CrisisAlert, CrisisPhrase, Membership, Message, ModeratorDuty, Room, WatchedWord


def _errors(request, exc) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))


@permission_required(permissions.can_use_review_queue, hide=False)
def queue(request: HttpRequest) -> HttpResponse:
    rooms = permissions.moderated_rooms(request.user)
    reports = list(
        permissions.reports_visible_to(request.user)
        .filter(status__in=["open", "claimed"])
        .select_related("message__room", "message__author", "claimed_by")
        .order_by("created_at")[:200]
    )
    held = list(
        Message.objects.filter(status=Message.Status.HELD, room__in=rooms)
        .select_related("room", "author")
        .order_by("created_at")[:200]
    )
    template = (
        "groups/moderation/queue_items.html" if request.headers.get("HX-Request") else "groups/moderation/queue.html"
    )
    # Reports from two-person conversations link to their context page, never the room.
    context = {"reports": reports, "held": held, "private_kinds": list(Room.MEMBERS_ONLY)}
    return render(request, template, context)


@permission_required(permissions.can_use_review_queue, hide=False)
@require_POST
def report_action(request: HttpRequest, report_id: int) -> HttpResponse:
    report = permissions.reports_visible_to(request.user).filter(pk=report_id).first()
    if report is None:
        raise Http404
    form = NoteActionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in ("claim", "resolve", "dismiss"):
        messages.error(request, "Choose claim, resolve or dismiss.")
        return redirect("moderation:queue")
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    try:
        if action == "claim":
            actions.claim_report(moderator=request.user, report=report)
        else:
            actions.close_report(moderator=request.user, report=report, note=note, dismiss=action == "dismiss")
        done = {"claim": "Report claimed: it's yours.", "resolve": "Report resolved.", "dismiss": "Report dismissed."}
        messages.success(request, done[action])
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("moderation:queue")


@permission_required(permissions.can_use_review_queue, hide=False)
@require_GET
def report_context(request: HttpRequest, report_id: int) -> HttpResponse:
    """The reported message and the ten before it: all a moderator ever reads
    of a two-person conversation (direct, mentorship, support)."""
    report = permissions.reports_visible_to(request.user).filter(pk=report_id).select_related("message__room").first()
    if report is None:
        raise Http404
    return render(
        request,
        "groups/moderation/report_context.html",
        {
            "report": report,
            "context_messages": actions.read_report_context(moderator=request.user, report=report),
            "limit": queries.REPORT_CONTEXT,
        },
    )


@permission_required(permissions.can_use_review_queue, hide=False)
@require_POST
def held_action(request: HttpRequest, message_id: int) -> HttpResponse:
    message = Message.objects.filter(pk=message_id, room__in=permissions.moderated_rooms(request.user)).first()
    if message is None:
        raise Http404
    form = NoteActionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in ("approve", "reject"):
        messages.error(request, "Choose approve or reject.")
        return redirect("moderation:queue")
    try:
        if form.cleaned_data["action"] == "approve":
            actions.approve_held_message(moderator=request.user, message=message)
            messages.success(request, "Message approved and posted.")
        else:
            actions.reject_held_message(moderator=request.user, message=message, note=form.cleaned_data["note"])
            messages.success(request, "Message rejected; its author was told.")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("moderation:queue")


def _alerts():
    return CrisisAlert.objects.select_related(
        "member", "room", "message__room", "latest_message__room", "acknowledged_by", "support_room", "labelled_by"
    )


@permission_required(permissions.can_view_crisis_dashboard, hide=False)
@require_GET
def crisis_dashboard(request: HttpRequest) -> HttpResponse:
    """The live crisis console: open alerts first (urgent requests, then the
    most recent activity), then acknowledged ones still being followed up."""
    alerts = _alerts()
    open_alerts = list(alerts.filter(status=CrisisAlert.Status.OPEN).order_by("-urgent", "-last_activity_at"))
    followed = list(alerts.filter(status=CrisisAlert.Status.ACKNOWLEDGED).order_by("-acknowledged_at"))
    recent = list(alerts.filter(status=CrisisAlert.Status.RESOLVED).order_by("-resolved_at")[:20])
    duty = ModeratorDuty.objects.filter(moderator=request.user).first()
    on_duty = list(User.objects.filter(duty__on_duty=True, role__in=["moderator", "staff"]).order_by("display_name"))
    context = {
        "open_alerts": open_alerts,
        "followed_alerts": followed,
        "recent": recent,
        "on_duty": duty is not None and duty.on_duty,
        "on_duty_moderators": on_duty,
        "labels": CrisisAlert.Label.choices,
        "precision": actions.detector_precision() if is_staff(request.user) else None,
        "joined": _support_rooms_of(request.user),
    }
    return render(request, "groups/moderation/crisis.html", context)


@permission_required(permissions.can_view_crisis_dashboard, hide=False)
@require_GET
def crisis_card(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert's card, for the console to swap in when its state changes live."""
    alert = _alerts().filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    context = {"alert": alert, "labels": CrisisAlert.Label.choices, "joined": _support_rooms_of(request.user)}
    return render(request, "groups/moderation/crisis_card.html", context)


def _support_rooms_of(user) -> set[int]:
    """The support conversations this moderator is in (no "join" button there)."""
    return set(
        Membership.objects.filter(user=user, left_at__isnull=True, room__kind=Room.Kind.SUPPORT).values_list(
            "room_id", flat=True
        )
    )


@permission_required(permissions.can_handle_crisis_alert, hide=False)
@require_POST
def crisis_action(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = CrisisAlert.objects.filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    form = CrisisActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose acknowledge, join, label or follow up.")
        return redirect("moderation:crisis")
    action = form.cleaned_data["action"]
    try:
        if action == "acknowledge":
            alert = actions.acknowledge_alert(moderator=request.user, alert=alert)
            if alert.support_room is not None:
                messages.success(request, "Acknowledged. A private conversation with the member is open.")
                return redirect(alert.support_room.get_absolute_url())
            messages.success(request, "Acknowledged. Please record your follow-up.")
        elif action == "join":
            room = actions.join_support_conversation(moderator=request.user, alert=alert)
            return redirect(room.get_absolute_url())
        elif action == "label":
            actions.label_alert(moderator=request.user, alert=alert, label=form.cleaned_data["label"])
            messages.success(request, "Label saved: the detector learns from it at its next training.")
        else:
            actions.record_follow_up(
                moderator=request.user,
                alert=alert,
                note=form.cleaned_data["note"],
                resolve=form.cleaned_data["resolve"],
            )
            messages.success(request, "Follow-up recorded.")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(f"/moderation/crisis/#alert-{alert.pk}")


@permission_required(permissions.can_request_moderator, hide=False, families=True)
@require_POST
def request_moderator(request: HttpRequest) -> HttpResponse:
    """ "Talk to a moderator now" from any page (the crisis page, the room page
    without a socket): the same action the room socket calls."""
    room = Room.objects.filter(slug=str(request.POST.get("room", ""))[:60]).first()
    alert = actions.request_moderator(member=request.user, room=room)
    messages.success(request, actions.requested_text(alert.paged))
    return redirect_back(request, "/crisis/")


@login_required
@require_POST
def duty(request: HttpRequest) -> HttpResponse:
    if not is_site_moderator(request.user):
        raise PermissionDenied
    on = request.POST.get("on_duty") == "1"
    actions.set_duty(moderator=request.user, on_duty=on)
    messages.success(request, "You are on duty: crisis alerts come to you first." if on else "You are off duty.")
    return redirect_back(request, "/moderation/crisis/")


def _member_for_moderator(request, member_id: int) -> User:
    return permissions.get_member_for_moderator_or_404(request.user, member_id)


@permission_required(permissions.can_use_review_queue, hide=False)
def member_history(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member_for_moderator(request, member_id)
    rooms = permissions.moderated_rooms(request.user).filter(memberships__user=member).distinct()
    sanctions = list(
        permissions.sanctions_visible_to(request.user, member).select_related("room", "created_by", "lifted_by")
    )
    removed = list(
        Message.objects.filter(author=member, room__in=permissions.moderated_rooms(request.user))
        .exclude(deleted_at__isnull=True, status=Message.Status.VISIBLE)
        .select_related("room", "deleted_by")
        .order_by("-id")[:50]
    )
    return render(
        request,
        "groups/moderation/member.html",
        {
            "member": member,
            "sanctions": sanctions,
            "removed": removed,
            "form": SanctionForm(rooms=rooms),
            "lift_form": ReasonForm(),
            "can_suspend": permissions.can_suspend(request.user),
        },
    )


@permission_required(permissions.can_use_review_queue, hide=False)
@require_POST
def sanction(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member_for_moderator(request, member_id)
    rooms = permissions.moderated_rooms(request.user).filter(memberships__user=member).distinct()
    form = SanctionForm(request.POST, rooms=rooms)
    if not form.is_valid():
        sanctions = list(
            permissions.sanctions_visible_to(request.user, member).select_related("room", "created_by", "lifted_by")
        )
        return render(
            request,
            "groups/moderation/member.html",
            {
                "member": member,
                "sanctions": sanctions,
                "removed": [],
                "form": form,
                "lift_form": ReasonForm(),
                "can_suspend": permissions.can_suspend(request.user),
            },
            status=400,
        )
    data = form.cleaned_data
    try:
        if data["kind"] == "warning":
            actions.warn_member(moderator=request.user, member=member, room=data["room"], reason=data["reason"])
        elif data["kind"] == "mute":
            actions.mute_member(
                moderator=request.user, member=member, room=data["room"], minutes=data["minutes"], reason=data["reason"]
            )
        elif data["kind"] == "ban":
            actions.ban_member(
                moderator=request.user, member=member, room=data["room"], days=data["days"], reason=data["reason"]
            )
        else:
            actions.suspend_member(staff=request.user, member=member, reason=data["reason"])
        messages.success(request, "Recorded.")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("moderation:member", member_id=member.pk)


@permission_required(permissions.can_use_review_queue, hide=False)
@require_POST
def lift(request: HttpRequest, sanction_id: int) -> HttpResponse:
    # Only a sanction this moderator may see: any other id is missing, and
    # the redirect below never reveals whose it was.
    sanction_ = permissions.sanctions_visible_to(request.user).filter(pk=sanction_id).select_related("member").first()
    if sanction_ is None:
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for lifting it.")
    else:
        try:
            actions.lift_sanction(moderator=request.user, sanction=sanction_, reason=form.cleaned_data["reason"])
            messages.success(request, "Lifted.")
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("moderation:member", member_id=sanction_.member_id)


def _room_for_moderator(request, slug) -> Room:
    room = Room.objects.filter(slug=slug).first()
    if room is None or not permissions.can_moderate_room(
        request.user, room, permissions.get_membership(request.user, room)
    ):
        raise Http404
    return room


@login_required
def room_settings(request: HttpRequest, slug: str) -> HttpResponse:
    room = _room_for_moderator(request, slug)
    initial = {
        "is_locked": room.is_locked,
        "slow_mode_seconds": room.slow_mode_seconds,
        "description": room.description,
        "guidelines": room.guidelines,
    }
    form = RoomSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.update_room_settings(moderator=request.user, room=room, **form.cleaned_data)
        messages.success(request, "Room settings saved.")
        return redirect("moderation:room", slug=room.slug)
    log = Paginator(
        AuditLog.objects.filter(Q(target_type="room", target_id=str(room.pk)) | Q(details__room=room.slug)).order_by(
            "-created_at", "-id"
        ),
        25,
    ).get_page(request.GET.get("page"))
    moderators = list(
        Membership.objects.filter(room=room, role=Membership.Role.MODERATOR, left_at__isnull=True).select_related(
            "user"
        )
    )
    return render(
        request,
        "groups/moderation/room.html",
        {
            "room": room,
            "form": form,
            "pin_form": PinForm(initial={"message_id": room.pinned_message_id}),
            "log": log,
            "moderators": moderators,
            "moderator_form": RoomModeratorForm(),
            "can_appoint": permissions.can_appoint_room_moderators(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def room_pin(request: HttpRequest, slug: str) -> HttpResponse:
    room = _room_for_moderator(request, slug)
    form = PinForm(request.POST)
    if form.is_valid():
        try:
            actions.pin_message(moderator=request.user, room=room, message_id=form.cleaned_data["message_id"])
            messages.success(request, "Pinned message updated.")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, "A message number is a whole number.")
    return redirect("moderation:room", slug=room.slug)


@login_required
@require_POST
def room_moderators(request: HttpRequest, slug: str) -> HttpResponse:
    room = _room_for_moderator(request, slug)
    if not permissions.can_appoint_room_moderators(request.user):
        raise PermissionDenied
    form = RoomModeratorForm(request.POST)
    if form.is_valid():
        actions.set_room_moderator(
            staff=request.user, room=room, member=form.member, is_moderator=form.cleaned_data["is_moderator"]
        )
        messages.success(request, "Room moderators updated.")
    else:
        messages.error(request, " ".join(form.errors.get("display_name", ["Check the form."])))
    return redirect("moderation:room", slug=room.slug)


@login_required
def word_lists(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_word_lists(request.user):
        raise PermissionDenied
    word_form = WatchedWordForm(request.POST if request.POST.get("list") == "words" else None, prefix="w")
    phrase_form = CrisisPhraseForm(request.POST if request.POST.get("list") == "phrases" else None, prefix="p")
    if request.method == "POST":
        form = word_form if request.POST.get("list") == "words" else phrase_form
        if form.is_valid():
            try:
                if form is word_form:
                    actions.add_watched_word(staff=request.user, **form.cleaned_data)
                else:
                    actions.add_crisis_phrase(staff=request.user, **form.cleaned_data)
                messages.success(request, "Added.")
                return redirect("moderation:words")
            except ValidationError as exc:
                form.add_error(None, exc)
    return render(
        request,
        "groups/moderation/words.html",
        {
            "words": WatchedWord.objects.all(),
            "phrases": CrisisPhrase.objects.all(),
            "word_form": word_form,
            "phrase_form": phrase_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def word_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if not permissions.can_manage_word_lists(request.user):
        raise PermissionDenied
    model = {"words": WatchedWord, "phrases": CrisisPhrase}.get(kind)
    row = model.objects.filter(pk=pk).first() if model else None
    if row is None:
        raise Http404
    if model is WatchedWord:
        actions.remove_watched_word(staff=request.user, word=row)
    else:
        actions.remove_crisis_phrase(staff=request.user, phrase=row)
    messages.success(request, "Removed.")
    return redirect("moderation:words")


@login_required
@require_POST
def block(request: HttpRequest, member_id: int) -> HttpResponse:
    """Block or unblock another member (any member, family members too)."""
    if not permissions.may_chat(request.user):
        raise PermissionDenied
    other = permissions.get_member_to_block_or_404(request.user, member_id)
    if request.POST.get("unblock") == "1":
        actions.unblock_member(member=request.user, other=other)
        messages.success(request, f"You unblocked {other.display_name}.")
    elif not permissions.can_block(request.user, other):
        messages.error(request, "Moderators and staff cannot be blocked: they need to be able to reach everyone.")
    else:
        actions.block_member(member=request.user, other=other)
        messages.success(request, f"You blocked {other.display_name}. You won't see their messages or mentions.")
    return redirect_back(request, "/rooms/")
