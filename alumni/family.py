"""The families' side: an alumnus asks for a family member, staff approve
(an invitation with the family role goes out) or decline, the link lets the
alumnus share their milestones, and staff keep the family resources.

A family member's account reaches family rooms, family and mixed meetups,
these resources and the crisis resources (the rules are in each app's
permissions.py); this module composes the pages and the writes that span
members, chat, meetups and milestones, so it lives on the top floor.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from community import actions as community_actions
from community.models import Invitation, Notification, User
from community.privacy import Erasure, iso
from community.queries import crisis_resources
from events.queries import home_section as events_home_section
from groups.queries import directory_rooms
from recovery import dates
from recovery.models import Milestone, RecoveryDate, milestone_title

from . import permissions
from .models import FamilyLink, FamilyRequest, FamilyResource

# An alumnus has at most this many requests waiting for staff at once, and
# makes at most RECENT_LIMIT (withdrawn ones included) in RECENT_WINDOW.
PENDING_LIMIT = 5
RECENT_LIMIT = 10
RECENT_WINDOW = timedelta(days=30)
RELATIONSHIP_LIMIT = 60


# --- Requests ---------------------------------------------------------------------


@transaction.atomic
def ask_for_family_member(*, alumnus: User, email: str, relationship: str, note: str = "") -> FamilyRequest:
    """An alumnus asks staff to invite their family member or friend.

    Raises ValidationError for a bad address, an address that already has an
    account or a waiting request of this alumnus, or too many waiting
    requests. Side effect: a notification to every staff member (without the
    address: staff read it on their page)."""
    if not permissions.can_ask_for_family(alumnus):
        raise PermissionDenied
    email = (email or "").strip().lower()
    relationship = " ".join((relationship or "").split())
    note = " ".join((note or "").split())
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter the e-mail address your family member uses."}) from None
    if not relationship or len(relationship) > RELATIONSHIP_LIMIT:
        raise ValidationError({"relationship": f"Say who they are to you, in up to {RELATIONSHIP_LIMIT} characters."})
    if len(note) > 300:
        raise ValidationError({"note": "Keep the note to 300 characters."})
    if email == alumnus.email.lower():
        raise ValidationError({"email": "That is your own address."})
    # Whether the address already has an account is never said here (that
    # would tell an alumnus who else is in the program's aftercare); staff
    # see it on their page, where approving cannot invite it.
    recent = list(
        FamilyRequest.objects.select_for_update().filter(
            alumnus=alumnus, created_at__gte=timezone.now() - RECENT_WINDOW
        )
    )
    pending = [r for r in recent if r.status == FamilyRequest.Status.PENDING]
    if any(r.email == email for r in pending):
        raise ValidationError({"email": "You have already asked for this address; staff will answer soon."})
    if len(pending) >= PENDING_LIMIT:
        raise ValidationError(f"You have {PENDING_LIMIT} requests waiting; staff will answer them first.")
    if len(recent) >= RECENT_LIMIT:
        # Withdrawn requests count too: asking again and again pages every staff member.
        raise ValidationError("You have asked for several people this month. Staff will be glad to help in person.")
    request = FamilyRequest.objects.create(alumnus=alumnus, email=email, relationship=relationship, note=note)
    community_actions.notify_many(
        recipients=User.objects.filter(role=User.Role.STAFF, is_active=True, suspended_at__isnull=True),
        kind=Notification.Kind.FAMILY,
        text="A member asked for a family member to be invited.",
        url=reverse("staff_family"),
    )
    return request


@transaction.atomic
def withdraw_request(*, alumnus: User, request: FamilyRequest) -> FamilyRequest:
    request = FamilyRequest.objects.select_for_update().get(pk=request.pk)
    if request.alumnus_id != alumnus.pk:
        raise PermissionDenied
    if request.status != FamilyRequest.Status.PENDING:
        raise ValidationError("Only a request that is still waiting can be withdrawn.")
    request.status = FamilyRequest.Status.WITHDRAWN
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    return request


@transaction.atomic
def decide_request(*, staff: User, request: FamilyRequest, approve: bool) -> FamilyRequest:
    """Approve (an invitation with the family role is sent; accepting it links
    the new account to the alumnus) or decline. Side effects: audit row, a
    notification to the alumnus, the invitation e-mail."""
    if not permissions.can_review_family_requests(staff):
        raise PermissionDenied
    request = FamilyRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != FamilyRequest.Status.PENDING:
        raise ValidationError("This request has already been answered or withdrawn.")
    if approve:
        request.invitation = community_actions.invite_member(staff=staff, email=request.email, role=User.Role.FAMILY)
        request.status = FamilyRequest.Status.APPROVED
        text = "Staff approved your request: your family member has been sent an invitation."
    else:
        request.status = FamilyRequest.Status.DECLINED
        text = "Staff could not approve your family request. You can ask them why."
    request.decided_by = staff
    request.decided_at = timezone.now()
    request.save(update_fields=["invitation", "status", "decided_by", "decided_at"])
    community_actions.record_audit(
        actor=staff, action="family.approve" if approve else "family.decline", target=request.alumnus
    )
    community_actions.notify(
        recipient=request.alumnus, kind=Notification.Kind.FAMILY, text=text, url=reverse("my_family")
    )
    return request


def link_on_acceptance(*, invitation: Invitation, member: User) -> FamilyLink | None:
    """Called when an invitation is accepted: an approved family request's
    invitation links the new family member to the alumnus who asked."""
    request = FamilyRequest.objects.filter(invitation=invitation, status=FamilyRequest.Status.APPROVED).first()
    if request is None or member.role != User.Role.FAMILY:
        return None
    if not request.alumnus.is_active or request.alumnus.is_suspended:
        return None
    link = FamilyLink.objects.create(alumnus=request.alumnus, family_member=member, relationship=request.relationship)
    community_actions.notify(
        recipient=request.alumnus,
        kind=Notification.Kind.FAMILY,
        text=f"{member.display_name} joined the families' side. You choose whether they see your milestones.",
        url=reverse("my_family"),
    )
    return link


# --- Links ----------------------------------------------------------------------------


@transaction.atomic
def set_milestone_sharing(*, alumnus: User, link: FamilyLink, share: bool) -> FamilyLink:
    link = FamilyLink.objects.select_for_update().get(pk=link.pk)
    if link.alumnus_id != alumnus.pk or link.ended_at is not None:
        raise PermissionDenied
    link.shares_milestones = bool(share)
    link.save(update_fields=["shares_milestones"])
    return link


@transaction.atomic
def end_link(*, member: User, link: FamilyLink) -> FamilyLink:
    """Either side ends the link; sharing stops at once."""
    link = FamilyLink.objects.select_for_update().get(pk=link.pk)
    if member.pk not in (link.alumnus_id, link.family_member_id) or link.ended_at is not None:
        raise PermissionDenied
    link.ended_at = timezone.now()
    link.shares_milestones = False
    link.save(update_fields=["ended_at", "shares_milestones"])
    return link


# --- Resources ------------------------------------------------------------------------


@transaction.atomic
def save_resource(*, staff: User, resource: FamilyResource | None = None, **fields) -> FamilyResource:
    if not permissions.can_edit_family_resources(staff):
        raise PermissionDenied
    unknown = set(fields) - {"title", "body", "url", "position"}
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    resource = resource or FamilyResource()
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.updated_at = timezone.now()
    resource.full_clean()
    resource.save()
    community_actions.record_audit(actor=staff, action="family.resource", target=resource)
    return resource


@transaction.atomic
def delete_resource(*, staff: User, resource: FamilyResource) -> None:
    if not permissions.can_edit_family_resources(staff):
        raise PermissionDenied
    community_actions.record_audit(actor=staff, action="family.resource_delete", details={"title": resource.title})
    resource.delete()


# --- Pages ----------------------------------------------------------------------------


@dataclass
class SharedDate:
    label: str
    days: int
    reached: list[str]
    next_title: str


@dataclass
class SharedMilestones:
    link: FamilyLink
    name: str
    dates: list[SharedDate]


def shared_milestones(family_member: User, now=None) -> list[SharedMilestones]:
    """What each linked alumnus shares with this family member: their current
    recovery dates' day counts and reached milestones — never a date's
    history (new beginnings stay the alumnus's own). Three queries."""
    links = [
        link
        for link in FamilyLink.objects.filter(
            family_member=family_member, ended_at__isnull=True, shares_milestones=True
        ).select_related("alumnus")
        if permissions.can_see_shared_milestones(family_member, link)
    ]
    current = RecoveryDate.objects.filter(member__in=[link.alumnus for link in links], ended_on__isnull=True)
    by_member: dict[int, list[RecoveryDate]] = {}
    for d in current.prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("reached_on"))):
        by_member.setdefault(d.member_id, []).append(d)
    shown = []
    for link in links:
        today = dates.local_today(link.alumnus, now)
        rows = []
        for d in by_member.get(link.alumnus_id, []):
            next_key, _ = dates.next_milestone(d.start_date, today)
            rows.append(
                SharedDate(
                    label=d.label,
                    days=(today - d.start_date).days,
                    reached=[m.title for m in d.milestones.all()],
                    next_title=milestone_title(next_key),
                )
            )
        shown.append(SharedMilestones(link=link, name=link.alumnus.display_name, dates=rows))
    return shown


def family_home(member: User) -> dict:
    """A family member's home: their rooms, the next family meetups, links,
    what their people share, the resources and the crisis lines."""
    now = timezone.now()
    return {
        "rooms": directory_rooms(member),
        # Occurrence.visible_to holds a family member to family and mixed meetups.
        "meetups": events_home_section(member),
        "links": list(FamilyLink.objects.filter(family_member=member, ended_at__isnull=True).select_related("alumnus")),
        "shared": shared_milestones(member, now),
        "resources": list(FamilyResource.objects.all()[:3]),
        "crisis_resources": crisis_resources(),
    }


def my_family(alumnus: User) -> dict:
    return {
        "links": list(
            FamilyLink.objects.filter(alumnus=alumnus, ended_at__isnull=True).select_related("family_member")
        ),
        "requests": list(FamilyRequest.objects.filter(alumnus=alumnus).order_by("-created_at")[:20]),
    }


# --- Privacy (called by alumni.privacy) --------------------------------------------------


def export(member: User) -> dict:
    """The member's family requests and links, from either side (two queries)."""
    links = FamilyLink.objects.filter(Q(alumnus=member) | Q(family_member=member)).select_related(
        "alumnus", "family_member"
    )
    return {
        "family_requests": [
            {
                "email": r.email,
                "relationship": r.relationship,
                "note": r.note,
                "status": r.status,
                "created_at": iso(r.created_at),
                "decided_at": iso(r.decided_at),
            }
            for r in FamilyRequest.objects.filter(alumnus=member).order_by("created_at", "pk")
        ],
        "family_links": [
            {
                "with": (link.family_member if link.alumnus_id == member.pk else link.alumnus).display_name,
                "i_am": "alumnus" if link.alumnus_id == member.pk else "family member",
                "relationship": link.relationship,
                "shares_milestones": link.shares_milestones,
                "created_at": iso(link.created_at),
                "ended_at": iso(link.ended_at),
            }
            for link in links.order_by("created_at", "pk")
        ],
    }


def erase(erasure: Erasure) -> set[tuple[str, str]]:
    """Delete the member's requests and every link they are a side of; a
    request another alumnus made for this member's address goes too (it holds
    the address); a staff member's decisions stay without their name."""
    member = erasure.member
    FamilyLink.objects.filter(Q(alumnus=member) | Q(family_member=member)).delete()
    FamilyRequest.objects.filter(Q(alumnus=member) | Q(email__in=erasure.emails)).delete()
    FamilyRequest.objects.filter(decided_by=member).update(decided_by=None)
    return set()
