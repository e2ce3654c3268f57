"""Export and erasure of a member's mentorship data (called by alumni.privacy)."""

from django.db.models import Q

from community.actions import notify
from community.models import Notification
from community.privacy import Erasure
from community.privacy import iso as _iso
from groups.models import Room

from .models import CheckInPrompt, EndFeedback, MentorProfile, MentorRequest, Mentorship, PairBlock


def export(member) -> dict:
    """Mentor profile, requests, mentorships, feedback written, check-ins, pair blocks."""
    profile = MentorProfile.objects.filter(user=member).prefetch_related("focus_areas").first()
    requests = MentorRequest.objects.filter(mentee=member).prefetch_related("focus_areas").order_by("created_at")
    mentorships = (
        Mentorship.objects.involving(member)
        .exclude(status=Mentorship.Status.DRAFT)
        .select_related("mentor", "mentee")
        .order_by("created_at", "pk")
    )
    feedback = EndFeedback.objects.filter(author=member).order_by("created_at")
    checkins = CheckInPrompt.objects.filter(mentorship__mentor=member).order_by("sent_at")
    pair_blocks = PairBlock.objects.filter(created_by=member).select_related("mentor", "mentee").order_by("pk")
    return {
        "mentorship": {
            "mentor_profile": {
                "status": profile.status,
                "focus_areas": sorted(a.name for a in profile.focus_areas.all()),
                "recovery_pathway": profile.recovery_pathway,
                "languages": profile.languages,
                "availability": profile.availability,
                "time_zone": profile.time_zone,
                "meeting_preferences": profile.meeting_preferences,
                "capacity": profile.capacity,
                "bio": profile.bio,
                "gender": profile.gender,
                "applied_at": _iso(profile.applied_at),
                "decided_at": _iso(profile.decided_at),
                "paused_at": _iso(profile.paused_at),
                "retired_at": _iso(profile.retired_at),
            }
            if profile
            else None,
            "requests": [
                {
                    "status": r.status,
                    "goals": r.goals,
                    "focus_areas": sorted(a.name for a in r.focus_areas.all()),
                    "languages": r.languages,
                    "availability": r.availability,
                    "time_zone": r.time_zone,
                    "meeting_preferences": r.meeting_preferences,
                    "gender": r.gender,
                    "prefer_same_gender": r.prefer_same_gender,
                    "created_at": _iso(r.created_at),
                    "closed_at": _iso(r.closed_at),
                }
                for r in requests
            ],
            # The other side by display name only; their request (goals,
            # preferences) is theirs and stays out.
            "mentorships": [
                {
                    "your_role": m.role_of(member),
                    "with": m.other(member).display_name,
                    "status": m.status,
                    "proposed_at": _iso(m.proposed_at),
                    "started_at": _iso(m.started_at),
                    "ended_at": _iso(m.ended_at),
                }
                for m in mentorships
            ],
            "feedback_you_wrote": [{"body": f.body, "created_at": _iso(f.created_at)} for f in feedback],
            "check_in_prompts": [{"fortnight": c.fortnight, "sent_at": _iso(c.sent_at)} for c in checkins],
            "pairs_you_asked_never_to_match": [
                {"mentor": b.mentor.display_name, "mentee": b.mentee.display_name} for b in pair_blocks
            ],
        }
    }


def erase(erasure: Erasure) -> set[tuple[str, str]]:
    """Live and proposed mentorships end (the other side is told, without
    anything private); their rooms are locked and renamed; the member's mentor
    profile, requests, pair blocks and feedback go."""
    member = erasure.member

    targets = set()
    hub = "/mentors/"
    mentorships = list(
        Mentorship.objects.select_for_update().involving(member).select_related("mentor", "mentee", "request")
    )
    for m in mentorships:
        targets.add(("mentorship", str(m.pk)))
        other = m.other(member)
        if m.status == Mentorship.Status.ACTIVE:
            notify(
                recipient=other,
                kind=Notification.Kind.MATCH,
                text="One of your mentorships has ended: the other member left the community. "
                "Thank you for the time you shared.",
                url=hub,
            )
        elif m.status == Mentorship.Status.PROPOSED:
            text = (
                "A proposed mentor is no longer available. Your request is still open."
                if m.mentor_id == member.pk
                else "A proposed mentorship did not go ahead. No action needed."
            )
            notify(recipient=other, kind=Notification.Kind.MATCH, text=text, url=hub)
        if m.room_id:
            targets.add(("room", str(m.room_id)))
            # The other side keeps the history, read-only, under a name that
            # no longer carries the member's display name.
            Room.objects.filter(pk=m.room_id).update(name="Mentorship (ended)", is_locked=True)
    profile = MentorProfile.objects.filter(user=member).first()
    if profile is not None:
        targets.add(("mentorprofile", str(profile.pk)))
    for block in PairBlock.objects.filter(Q(mentor=member) | Q(mentee=member)):
        targets.add(("pairblock", str(block.pk)))
    EndFeedback.objects.filter(author=member).delete()
    Mentorship.objects.filter(pk__in=[m.pk for m in mentorships]).delete()
    MentorRequest.objects.filter(mentee=member).delete()
    PairBlock.objects.filter(Q(mentor=member) | Q(mentee=member)).delete()
    MentorProfile.objects.filter(user=member).delete()
    return targets
