"""Meetup pages: access helper → form → action → redirect. No rules here;
they live in permissions.py and actions.py."""

import csv
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.decorators import account_required, member_required
from community.permissions import can_see_email, is_active_account

from . import actions, ical, permissions, queries
from .display import when, zone_or_default
from .forms import ERROR_FIELDS, CancelForm, EventForm, MoveForm, PolicyForm, RSVPForm
from .models import RSVP, CalendarFeed, CalendarPolicy
from .recurrence import WEEKDAY_NAMES, describe

AGENDA_DAYS = 42


def _errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _today(user) -> date:
    return timezone.localdate(timezone.now(), zone_or_default(user.time_zone))


# --- Calendar pages ------------------------------------------------------------------------


@account_required
@require_GET
def agenda(request: HttpRequest) -> HttpResponse:
    """The agenda list: the coming six weeks (the phone layout)."""
    filters = queries.Filters.from_query(request.GET)
    start = _today(request.user)
    try:
        if request.GET.get("from"):
            start = max(date.fromisoformat(request.GET["from"]), start)
    except ValueError:
        pass
    occurrences = queries.agenda(request.user, start=start, days=AGENDA_DAYS, filters=filters)
    days: dict = {}
    for occ in occurrences:
        days.setdefault(occ.local_day, []).append(occ)
    return render(
        request,
        "events/agenda.html",
        {
            "days": list(days.items()),
            "filters": filters,
            "start": start,
            "next_start": start + timedelta(days=AGENDA_DAYS),
            "can_post": permissions.can_post_meetups(request.user),
            "view": "agenda",
        },
    )


@account_required
@require_GET
def month(request: HttpRequest, year: int | None = None, month: int | None = None) -> HttpResponse:
    today = _today(request.user)
    year, month = year or today.year, month or today.month
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404("No such month.")
    filters = queries.Filters.from_query(request.GET)
    weeks = queries.month_grid(request.user, year=year, month=month, filters=filters)
    first = date(year, month, 1)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "events/month.html",
        {
            "weeks": weeks,
            "has_any": any(day.occurrences for week in weeks for day in week),
            "first": first,
            "prev_month": prev_month,
            "next_month": next_month,
            "filters": filters,
            "weekday_names": [(name[:3], name) for name in WEEKDAY_NAMES],
            "can_post": permissions.can_post_meetups(request.user),
            "view": "month",
        },
    )


@account_required
@require_GET
def my_meetups(request: HttpRequest) -> HttpResponse:
    coming, past = queries.my_meetups(request.user)
    return render(request, "events/mine.html", {"coming": coming, "past": past, "view": "mine"})


@account_required
@require_GET
def occurrence_detail(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occ = permissions.get_occurrence_for_viewer_or_404(request.user, occurrence_id)
    rsvp = RSVP.objects.filter(occurrence=occ, member=request.user).first()
    event = occ.event
    return render(
        request,
        "events/occurrence.html",
        {
            "occ": occ,
            "event": event,
            "when": when(occ.starts_at, occ.ends_at, request.user.time_zone, event.time_zone),
            "rsvp": rsvp,
            "position": queries.waitlist_position(rsvp),
            "rsvp_denial": permissions.rsvp_denial(request.user, occ),
            "show_link": permissions.can_see_meeting_link(request.user, occ, rsvp),
            "can_manage": permissions.can_manage_event(request.user, event),
            "can_take_attendance": permissions.can_take_attendance(request.user, event),
            "repeat": describe(event),
            "discussion_room": event.discussion_room if rsvp and rsvp.status == RSVP.Status.GOING else None,
            "google_calendar_url": ical.google_calendar_url(occ),
        },
    )


@account_required
@require_POST
def occurrence_rsvp(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occ = permissions.get_occurrence_for_viewer_or_404(request.user, occurrence_id)
    form = RSVPForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Answer going or not going.")
        return redirect(occ.get_absolute_url())
    try:
        answer = actions.rsvp(member=request.user, occurrence=occ, status=form.cleaned_data["status"])
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        if answer.status == RSVP.Status.GOING:
            messages.success(request, "You're going. The details are below.")
        elif answer.status == RSVP.Status.WAITLISTED:
            messages.info(
                request,
                "This meetup is full: you're on the waitlist. We'll tell you if a spot opens.",
            )
        else:
            messages.info(request, "Got it: you're not going.")
    return redirect(occ.get_absolute_url())


@account_required
@require_GET
def occurrence_ics(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occ = permissions.get_occurrence_for_viewer_or_404(request.user, occurrence_id)
    rsvp = RSVP.objects.filter(occurrence=occ, member=request.user).first()
    body = ical.occurrence_ics(occ, show_link=permissions.can_see_meeting_link(request.user, occ, rsvp))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ical.filename(occ)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Personal feed ---------------------------------------------------------------------------


@account_required
@require_GET
def feed_settings(request: HttpRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(member=request.user).first()
    url = request.build_absolute_uri(feed.get_absolute_url()) if feed else ""
    context = {
        "feed": feed,
        "feed_url": url,
        "webcal_url": ical.webcal_url(url) if feed else "",
        "google_subscribe_url": ical.google_subscribe_url(url) if feed else "",
        "view": "feed",
    }
    return render(request, "events/feed_settings.html", context)


@account_required
@require_POST
def feed_regenerate(request: HttpRequest) -> HttpResponse:
    existed = CalendarFeed.objects.filter(member=request.user).exists()
    actions.regenerate_calendar_feed(member=request.user)
    messages.success(
        request,
        "New subscription address created. The old one no longer works."
        if existed
        else "Your subscription address is ready.",
    )
    return redirect("events:feed_settings")


@never_cache
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscription feed. The token is the credential (calendar apps
    cannot sign in); an unknown token is a plain 404."""
    feed = CalendarFeed.objects.select_related("member").filter(token=token).first()
    if feed is None or not is_active_account(feed.member):
        raise Http404("No such calendar.")
    body = ical.feed_ics(queries.feed_items(feed.member), name="My alumni meetups")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Posting and managing ---------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_post_meetups(request.user):
        raise PermissionDenied
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = actions.create_event(
                author=request.user,
                create_discussion_room=form.cleaned_data.get("create_discussion_room", False),
                **form.event_fields,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"“{event.title}” is on the calendar.")
            first = event.occurrences.order_by("starts_at").first()
            return redirect(first.get_absolute_url() if first else reverse("events:agenda"))
    return render(request, "events/event_form.html", {"form": form, "event": None})


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            target = ERROR_FIELDS.get(key, key)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@member_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    event = permissions.get_event_for_manager_or_404(request.user, event_id)
    if event.cancelled_at:
        messages.error(request, "This series has been cancelled.")
        return redirect("events:agenda")
    form = EventForm(request.POST or None, event=event, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_event(editor=request.user, event=event, **form.event_fields)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Saved. Coming dates are updated; members who are going were told.")
            upcoming = event.occurrences.filter(ends_at__gt=timezone.now()).order_by("starts_at").first()
            return redirect(upcoming.get_absolute_url() if upcoming else reverse("events:agenda"))
    return render(request, "events/event_form.html", {"form": form, "event": event})


@member_required
@require_POST
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = permissions.get_event_for_manager_or_404(request.user, event_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            actions.cancel_event(actor=request.user, event=event, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, f"“{event.title}” is cancelled; everyone going was told.")
    return redirect("events:agenda")


@member_required
@require_POST
def occurrence_cancel(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occ = permissions.get_occurrence_for_manager_or_404(request.user, occurrence_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            actions.cancel_occurrence(actor=request.user, occurrence=occ, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, "This date is cancelled; the rest of the series is unchanged.")
    return redirect(occ.get_absolute_url())


@member_required
@require_http_methods(["GET", "POST"])
def occurrence_move(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occ = permissions.get_occurrence_for_manager_or_404(request.user, occurrence_id)
    local = occ.local_starts_at
    initial = {
        "date": local.date(),
        "start_time": local.time(),
        "end_time": occ.local_ends_at.time(),
    }
    form = MoveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.move_occurrence(
                actor=request.user,
                occurrence=occ,
                local_start=form.cleaned_data["local_start"],
                local_end=form.cleaned_data["local_end"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Moved. Members who are going were told.")
            return redirect(occ.get_absolute_url())
    return render(
        request,
        "events/move.html",
        {"form": form, "occ": occ, "event": occ.event, "local_label": local.strftime("%A, %B %-d, %-I:%M %p")},
    )


@member_required
@require_http_methods(["GET", "POST"])
def attendees(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occ = permissions.get_occurrence_for_attendance_or_404(request.user, occurrence_id)
    if request.method == "POST":
        try:
            count = actions.mark_attendance(
                actor=request.user,
                occurrence=occ,
                attended_member_ids=request.POST.getlist("attended"),
            )
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, f"Attendance saved: {count} present.")
        return redirect("events:attendees", occurrence_id=occ.pk)
    return render(
        request,
        "events/attendees.html",
        {
            "occ": occ,
            "event": occ.event,
            "rows": queries.attendee_rows(occ),
            "when": when(occ.starts_at, occ.ends_at, request.user.time_zone, occ.event.time_zone),
            "show_emails": permissions.can_export_emails(request.user),
        },
    )


@member_required
@require_GET
def attendees_csv(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    occ = permissions.get_occurrence_for_attendance_or_404(request.user, occurrence_id)
    rows = queries.attendee_rows(occ)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = occ.local_starts_at.date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="attendees-{occ.pk}-{day}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    header = ["display_name", "status", "waitlist_position", "attended"]
    if permissions.can_export_emails(request.user):
        header.insert(1, "email")
    writer.writerow(header)
    for r in rows:
        attended = "" if r.attended is None else ("yes" if r.attended else "no")
        line = [r.member.display_name, r.status, getattr(r, "position", "") or "", attended]
        if "email" in header and can_see_email(request.user, r.member):
            line.insert(1, r.member.email)
        # Every cell, not only the display name: a verified address can start with "=".
        writer.writerow([_csv_safe(str(cell)) for cell in line])
    return response


def _csv_safe(value: str) -> str:
    # A display name like "=HYPERLINK(...)" must not become a formula in a
    # spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@member_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    if not permissions.can_set_policy(request.user):
        raise PermissionDenied
    current = CalendarPolicy.current()
    form = PolicyForm(request.POST or None, initial={"moderators_may_post": current.moderators_may_post})
    if request.method == "POST" and form.is_valid():
        actions.set_calendar_policy(staff=request.user, moderators_may_post=form.cleaned_data["moderators_may_post"])
        messages.success(request, "Saved.")
        return redirect("events:policy")
    return render(request, "events/policy.html", {"form": form})
