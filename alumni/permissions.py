"""Who may do what on the families' side (alumni/family.py).

A family member sees family rooms, family and mixed meetups, the family
resources and the crisis resources; of the alumni side, only the milestones
a linked alumnus chose to share. Access helpers give the same 404 for
"missing" and "not yours".
"""

from django.http import Http404

from community.permissions import is_active_account, is_active_member, is_family, is_staff

from .models import FamilyLink, FamilyRequest


def can_ask_for_family(user) -> bool:
    """An alumnus (or moderator, or staff member) asks staff to invite their
    own family member or friend."""
    return is_active_member(user)


def can_review_family_requests(user) -> bool:
    return is_staff(user)


def can_edit_family_resources(user) -> bool:
    return is_staff(user)


def can_read_family_resources(user) -> bool:
    """Staff write them for families; alumni may read them too, to point
    their own people at them."""
    return is_active_account(user)


def can_see_shared_milestones(user, link: FamilyLink) -> bool:
    return (
        is_family(user)
        and link.family_member_id == user.pk
        and link.ended_at is None
        and link.shares_milestones
        and link.alumnus.is_active
        and not link.alumnus.is_suspended
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such link.") from None


def get_own_request_or_404(user, request_id) -> FamilyRequest:
    request = FamilyRequest.objects.filter(pk=_int(request_id), alumnus=user).first()
    if request is None or not can_ask_for_family(user):
        raise Http404("No such request.")
    return request


def get_request_for_staff_or_404(user, request_id) -> FamilyRequest:
    if not can_review_family_requests(user):
        raise Http404("No such request.")
    request = FamilyRequest.objects.select_related("alumnus").filter(pk=_int(request_id)).first()
    if request is None:
        raise Http404("No such request.")
    return request


def get_own_link_or_404(user, link_id) -> FamilyLink:
    """A link the user is a side of and that is still open: the alumnus
    (sharing, ending) or the family member (ending)."""
    if not (is_family(user) or is_active_member(user)):
        raise Http404("No such link.")
    side = {"family_member": user} if is_family(user) else {"alumnus": user}
    link = FamilyLink.objects.filter(pk=_int(link_id), ended_at__isnull=True, **side).first()
    if link is None:
        raise Http404("No such link.")
    return link
