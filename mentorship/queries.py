"""Reads shared by views, actions, tasks and the home page: turning rows into
matching inputs, suggestions, and the home-page section."""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from community.models import FocusArea
from community.permissions import is_active_member
from groups.models import Block

from . import matching
from .models import LANGUAGE_NAMES, MatchingSettings, MentorProfile, MentorRequest, Mentorship, PairBlock


def utc_offset_hours(zone_name: str, at: datetime | None = None) -> float:
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0.0
    offset = (at or timezone.now()).astimezone(zone).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0


def labels() -> dict[str, str]:
    """Display names for focus-area slugs and language codes."""
    names = dict(FocusArea.objects.values_list("slug", "name"))
    names.update(LANGUAGE_NAMES)
    return names


def track_of(user) -> str:
    cohort = user.cohort
    return cohort.program_track if cohort is not None else ""


def mentor_pool() -> list[MentorProfile]:
    """Matchable mentors with capacity left, each with `capacity_left` set.
    Two queries (profiles with load, user and cohort; focus areas)."""
    profiles = (
        MentorProfile.objects.matchable()
        .with_load()
        .select_related("user__cohort")
        .prefetch_related("focus_areas")
        .order_by("user_id")
    )
    pool = []
    for profile in profiles:
        profile.capacity_left = max(0, profile.capacity - profile.load)
        if profile.capacity_left > 0:
            pool.append(profile)
    return pool


def as_mentor(profile: MentorProfile) -> matching.Mentor:
    return matching.Mentor(
        id=profile.user_id,
        focus=frozenset(a.slug for a in profile.focus_areas.all()),
        languages=frozenset(profile.languages),
        slots=frozenset(profile.availability),
        utc_offset=utc_offset_hours(profile.time_zone),
        meeting=frozenset(profile.meeting_preferences),
        track=track_of(profile.user),
        gender=profile.gender,
        capacity_left=getattr(profile, "capacity_left", profile.capacity),
        time_zone=profile.time_zone,
    )


def as_mentee(request: MentorRequest) -> matching.Mentee:
    return matching.Mentee(
        id=request.pk,
        user_id=request.mentee_id,
        focus=frozenset(a.slug for a in request.focus_areas.all()),
        languages=frozenset(request.languages),
        slots=frozenset(request.availability),
        utc_offset=utc_offset_hours(request.time_zone),
        meeting=frozenset(request.meeting_preferences),
        track=track_of(request.mentee),
        gender=request.gender,
        same_gender=request.prefer_same_gender,
        time_zone=request.time_zone,
    )


def excluded_pairs(mentee_ids=None) -> set[tuple[int, int]]:
    """(mentee, mentor) user-id pairs that may never be suggested: live or past
    pairings (ended, declined, expired), staff pair blocks, and a member
    block in either direction (groups.Block: one no longer sees the other)."""

    closed = Mentorship.objects.filter(status__in=Mentorship.PAIR_CLOSED_STATUSES)
    blocks = PairBlock.objects.all()
    made = Block.objects.all()
    received = Block.objects.all()
    if mentee_ids is not None:
        closed = closed.filter(mentee_id__in=mentee_ids)
        blocks = blocks.filter(mentee_id__in=mentee_ids)
        made = made.filter(blocker_id__in=mentee_ids)
        received = received.filter(blocked_id__in=mentee_ids)
    return (
        set(closed.values_list("mentee_id", "mentor_id"))
        | set(blocks.values_list("mentee_id", "mentor_id"))
        | set(made.values_list("blocker_id", "blocked_id"))
        | set(received.values_list("blocked_id", "blocker_id"))
    )


@dataclass
class Suggestion:
    profile: MentorProfile
    scored: matching.Scored

    @property
    def mentor(self):
        return self.profile.user


def suggestions_for(
    request: MentorRequest, limit: int = 3, settings: MatchingSettings | None = None
) -> list[Suggestion]:
    """The mentee's best `limit` mentors under the current weights."""
    settings = settings or MatchingSettings.load()
    pool = {p.user_id: p for p in mentor_pool()}
    mentee = as_mentee(request)
    top = matching.top_suggestions(
        mentee,
        [as_mentor(p) for p in pool.values()],
        settings.weights(),
        excluded_pairs([request.mentee_id]),
        limit=limit,
        labels=labels(),
    )
    return [Suggestion(pool[m.id], scored) for m, scored in top]


def open_request(user) -> MentorRequest | None:
    return (
        MentorRequest.objects.filter(mentee=user, status=MentorRequest.Status.OPEN)
        .select_related("mentee__cohort")
        .prefetch_related("focus_areas")
        .first()
    )


def pending_ask(request: MentorRequest | None) -> Mentorship | None:
    """The proposal waiting on a mentor for this request, if any."""
    if request is None:
        return None
    return request.mentorships.filter(status=Mentorship.Status.PROPOSED).select_related("mentor").first()


def my_mentorships(user) -> list[Mentorship]:
    """Proposed and active mentorships on either side, plus the last ended
    ones (a year back). One query."""
    since = timezone.now() - timezone.timedelta(days=365)
    return list(
        Mentorship.objects.involving(user)
        .filter(Q(status__in=Mentorship.LIVE_STATUSES) | Q(status=Mentorship.Status.ENDED, ended_at__gte=since))
        .select_related("mentor", "mentee", "room")
        .order_by("status", "-created_at")
    )


def home_section(user) -> dict:
    """The home page card: the member's mentorships, ask, or how to start."""

    section = {
        "title": "Mentorship",
        "template": "mentorship/_home_section.html",
        "mentorships": [],
        "request": None,
        "waiting_on_me": 0,
    }
    if not is_active_member(user):
        return section
    mentorships = [m for m in my_mentorships(user) if m.status in Mentorship.LIVE_STATUSES]
    for m in mentorships:
        m.my_role = m.role_of(user)
        m.partner = m.other(user)
        m.waiting_on_me = m.status == Mentorship.Status.PROPOSED and not m.accepted_by(user)
    section["mentorships"] = mentorships
    section["waiting_on_me"] = sum(1 for m in mentorships if m.waiting_on_me)
    section["request"] = MentorRequest.objects.filter(mentee=user, status=MentorRequest.Status.OPEN).first()
    return section
