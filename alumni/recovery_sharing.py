"""Check-in summaries a member shares with their mentor.

Composed here, on the top floor, because it needs two feature apps that
never import each other: recovery (check-ins, who a summary is shared with,
the predicates) and mentorship (who is whose mentor right now). The
predicates stay in recovery/permissions.py and take the mentor relation as
an argument; this module only asks mentorship and passes it on.

Sharing is per person and the member's choice. Revoking deletes the share
row, so the mentor's next request is refused; an ended mentorship closes the
summary at once too, because `is_mentor` is asked on every request.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from community.decorators import member_required
from community.models import User
from mentorship.models import Mentorship
from recovery import actions as recovery_actions
from recovery import permissions as recovery_permissions
from recovery import queries as recovery_queries
from recovery.models import SummaryShare


def active_mentors(member) -> list[User]:
    """The member's mentors in active mentorships (one query)."""
    return [
        m.mentor
        for m in Mentorship.objects.filter(mentee=member, status=Mentorship.Status.ACTIVE)
        .select_related("mentor")
        .order_by("started_at", "pk")
    ]


def is_mentor_of(viewer, member) -> bool:
    return Mentorship.objects.filter(mentor=viewer, mentee=member, status=Mentorship.Status.ACTIVE).exists()


def shares_in_force(member):
    """The member's shares given within the mentorship that is active now: a
    share from an earlier mentorship with the same person does not come back
    on its own when they are matched again (one query)."""
    current = Mentorship.objects.filter(
        mentee=member,
        mentor=OuterRef("viewer"),
        status=Mentorship.Status.ACTIVE,
        started_at__lte=OuterRef("created_at"),
    )
    return SummaryShare.objects.filter(member=member).filter(Exists(current))


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest) -> HttpResponse:
    """The member's sharing choices: each of their mentors, shared or not,
    and anyone they still share with who is no longer their mentor (to stop)."""
    member = request.user
    mentors = active_mentors(member)
    if request.method == "POST":
        viewer_id = str(request.POST.get("viewer", ""))
        share = request.POST.get("share") == "1"
        viewer = next((m for m in mentors if str(m.pk) == viewer_id), None)
        if share:
            if viewer is None:
                raise Http404("No such mentor.")
            try:
                recovery_actions.share_summary(member=member, viewer=viewer, is_mentor=True)
            except PermissionDenied:
                messages.error(request, "You can share your summary with your mentor only.")
            else:
                messages.success(request, f"{viewer.display_name} can now see a summary of your check-ins.")
        elif viewer_id.isdigit():
            name = (
                SummaryShare.objects.filter(member=member, viewer_id=int(viewer_id))
                .values_list("viewer__display_name", flat=True)
                .first()
            )
            if recovery_actions.revoke_summary(member=member, viewer_id=int(viewer_id)):
                messages.success(request, f"{name} can no longer see your summary.")
        return redirect("checkin_sharing")
    shares = {s.viewer_id: s for s in SummaryShare.objects.filter(member=member).select_related("viewer")}
    in_force = set(shares_in_force(member).values_list("viewer_id", flat=True))
    rows = [{"person": m, "shared": m.pk in in_force, "mentor": True} for m in mentors]
    mentor_ids = {m.pk for m in mentors}
    rows += [{"person": s.viewer, "shared": True, "mentor": False} for pk, s in shares.items() if pk not in mentor_ids]
    return render(request, "recovery/sharing.html", {"rows": rows})


@never_cache
@member_required
@require_GET
def shared_summary(request: HttpRequest, member_id: int) -> HttpResponse:
    """What a mentor sees of their mentee's check-ins, if the mentee shares
    it: a summary, never single answers. Anyone who is not the member's
    mentor right now gets the same 404 as for a member that does not exist
    (staff and moderators included)."""
    member = User.objects.filter(pk=member_id, is_active=True).first()
    if member is None or member.pk == request.user.pk:
        raise Http404("No such summary.")
    mentor = is_mentor_of(request.user, member)
    if not mentor:
        raise Http404("No such summary.")
    shared = shares_in_force(member).filter(viewer=request.user).exists()
    allowed = recovery_permissions.can_view_summary(request.user, member, shared=shared, is_mentor=mentor)
    summary = recovery_queries.summary(member) if allowed else None
    return render(request, "recovery/summary.html", {"member": member, "summary": summary})
