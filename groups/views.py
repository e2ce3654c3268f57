from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_POST

from community.decorators import account_required, member_required
from community.permissions import is_site_moderator

from . import actions, permissions, queries
from .forms import AddMemberForm, FindRoomForm, RoomForm, SearchForm
from .models import REACTIONS, Room
from .search import search_messages


def _slug_url(name: str):
    """A function slug -> reverse(name, args=[slug]) that reverses only once.

    The directory lists every room with two links each; reverse() costs
    ~15 µs, which at a few hundred rooms was a fifth of the page. A slug never
    needs quoting in a path (the <slug:> converter admits only ASCII letters,
    digits, "-" and "_"), so filling it into the reversed pattern gives
    exactly what reverse() would."""
    marker = "slug-placeholder"
    prefix, suffix = reverse(name, args=[marker]).split(marker)
    return lambda slug: f"{prefix}{slug}{suffix}"


def _directory_rows(rooms) -> list:
    """Each room with what its card shows, computed here once rather than
    through per-row template lookups and filters."""
    room_url, join_url = _slug_url("groups:room"), _slug_url("groups:join")
    now = timezone.now()
    for room in rooms:
        room.url = room_url(room.slug)
        room.kind_label = room.get_kind_display()
        room.active_ago = timesince(room.last_message_at, now) if room.last_message_at else ""
        # Joining is the room's own rule (permissions.can_join_room, checked
        # again on POST); the button is shown where it can apply.
        room.join_url = (
            join_url(room.slug)
            if not room.my_membership_id and room.kind in (Room.Kind.TOPIC, Room.Kind.COHORT, Room.Kind.STAFF)
            else ""
        )
    return rooms


# Rooms to join shown a page at a time: a community of a few hundred rooms
# made one page of 110 KB that took 45 ms to render, most of it the cards.
ROOMS_PER_PAGE = 24


@account_required  # family members too: they reach Families & friends rooms only
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """The member's own rooms, all of them; then the rooms they may join, a
    page at a time, found by name or topic."""
    form = FindRoomForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""  # stripped by the form
    mine = _directory_rows(queries.my_rooms(request.user))
    page = Paginator(queries.rooms_to_join(request.user, text), ROOMS_PER_PAGE).get_page(request.GET.get("page"))
    others = _directory_rows([queries.DirectoryRoom(*row) for row in page.object_list])
    return render(
        request,
        "groups/directory.html",
        {
            "mine": mine,
            "others": others,
            "rooms": mine + others,
            "page": page,
            "form": form,
            "text": text,
            "extra": urlencode({"q": text}) if text else "",
            "can_create": permissions.can_create_room(request.user),
        },
        status=400 if form.errors else 200,
    )


@account_required  # family members too: they reach Families & friends rooms only
@require_GET
def room(request: HttpRequest, slug: str) -> HttpResponse:
    room, membership = permissions.get_room_for_reader_or_404(request.user, slug)
    around = request.GET.get("around")
    hidden = queries.blocked_ids(request.user)
    page = queries.PAGE_MESSAGES  # the first screen's size: its statement is compiled once
    messages_, has_more = queries.messages_before(room, None, limit=page, hidden_authors=hidden)
    if around and around.isdigit() and messages_ and int(around) < messages_[0].pk:
        messages_, _ = queries.messages_before(room, int(around) + page // 2, limit=page, hidden_authors=hidden)
        has_more = True
    initial = [queries.message_dict(m, room_slug=room.slug) for m in messages_]
    if (
        messages_
        and not around
        and membership is not None
        and membership.is_active
        and (membership.last_read_message_id or 0) < messages_[-1].pk
    ):
        # Opening the room reads it: its unread badges clear on every page.
        # (A marker already at the newest message has nothing to move: it
        # never goes back, so no write.)
        actions.mark_read(member=request.user, room=room, message_id=messages_[-1].pk)
    posting = actions.posting_frame(request.user, room, membership)
    config = {
        "room": room.slug,
        "user": request.user.public_dict(),
        "lastRead": membership.last_read_message_id if membership else 0,
        # Read with the room, before its messages: resuming from here can only
        # repeat a message (dropped by id), never skip one.
        "lastSeq": room.last_seq,
        "lastChange": room.last_change,
        "hasMore": has_more,
        "canModerate": permissions.can_moderate_room(request.user, room, membership),
        "reactions": REACTIONS,
        "maxLength": 4000,
        "isSiteModerator": is_site_moderator(request.user),
        "posting": posting,
        "locked": room.is_locked,
        "timeZone": request.user.time_zone,
        "acceptGuidelinesUrl": reverse("groups:accept_guidelines", args=[room.slug]),
        # Authors on screen this member may message: the menu's "Message" item.
        "messageable": sorted(_messageable(request.user, room, messages_)),
        "messageUrl": reverse("direct:new", args=[0]),
    }
    if room.kind == Room.Kind.DIRECT:
        # The room row names nobody: each member sees the other's name.
        room.name = queries.conversation_title(room, request.user)
    return render(
        request,
        "groups/room.html",
        {
            "room": room,
            "membership": membership,
            "initial_messages": initial,
            "config": config,
            "denial": posting["denial"],
            "can_leave": permissions.can_leave_room(request.user, room, membership),
        },
    )


def _messageable(user, room, messages_) -> set[int]:
    if room.kind == Room.Kind.DIRECT or not permissions.can_use_direct_messages(user):
        return set()
    return permissions.direct_targets(user, {m.author_id: m.author for m in messages_ if m.author_id}.values())


@account_required
@require_POST
def room_join(request: HttpRequest, slug: str) -> HttpResponse:
    room, membership = permissions.get_room_for_viewer_or_404(request.user, slug)
    if not permissions.can_join_room(request.user, room, membership):
        messages.info(
            request,
            "You are already in this room." if membership and membership.is_active else "This room is by invitation.",
        )
        return redirect("groups:directory")
    actions.join_room(member=request.user, room=room)
    return redirect(room.get_absolute_url())


@account_required
@require_POST
def room_leave(request: HttpRequest, slug: str) -> HttpResponse:
    room, membership = permissions.get_room_for_viewer_or_404(request.user, slug)
    if not permissions.can_leave_room(request.user, room, membership):
        raise PermissionDenied
    actions.leave_room(member=request.user, room=room)
    if room.kind == Room.Kind.DIRECT:
        messages.success(request, "You closed the conversation. Nobody can send a message in it now.")
        return redirect("direct:inbox")
    messages.success(request, f"You left {room.name}.")
    return redirect("groups:directory")


@account_required
@require_POST
def room_accept_guidelines(request: HttpRequest, slug: str) -> HttpResponse:
    room, membership = permissions.get_room_for_reader_or_404(request.user, slug)
    if membership is None or not membership.is_active:
        raise PermissionDenied
    version = request.POST.get("version", "")
    actions.accept_guidelines(member=request.user, room=room, seen_version=int(version) if version.isdigit() else None)
    return redirect(room.get_absolute_url())


@member_required
@require_POST
def room_add_member(request: HttpRequest, slug: str) -> HttpResponse:
    room, membership = permissions.get_room_for_reader_or_404(request.user, slug)
    if not permissions.can_invite_to_room(request.user, room, membership):
        raise PermissionDenied
    form = AddMemberForm(request.POST)
    if form.is_valid():
        actions.invite_to_private_room(moderator=request.user, room=room, member=form.member)
        messages.success(request, f"Added {form.member.display_name} to {room.name}.")
    else:
        messages.error(request, " ".join(form.errors["display_name"]))
    return redirect(room.get_absolute_url())


@member_required
def room_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_room(request.user):
        raise PermissionDenied
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        room = actions.create_room(creator=request.user, **form.cleaned_data)
        messages.success(request, f"Created {room.name}.")
        return redirect(room.get_absolute_url())
    return render(request, "groups/room_form.html", {"form": form})


@account_required  # family members search their own rooms (readable_rooms)
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = []
    if form.is_valid():
        results = search_messages(request.user, form.cleaned_data["q"], limit=50)
    return render(request, "groups/search.html", {"form": form, "results": results})
