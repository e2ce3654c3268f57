"""Who may do what with members, invitations, notifications and the audit log.

Pure predicates take the acting user first and return a bool; views,
consumers and templates all ask these, never the role field directly.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import Http404

from .models import Notification, User


def is_active_account(user) -> bool:
    """Signed in, not deactivated, not suspended: the floor for an account's
    own pages (notifications, profile, data, sessions), whatever its role."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and not getattr(user, "is_suspended", True)
    )


def is_family(user) -> bool:
    """A graduate's family member or friend, on the families' side."""
    return is_active_account(user) and user.role == User.Role.FAMILY


def is_active_member(user) -> bool:
    """An active account on the alumni side (alumnus, moderator, staff): the
    floor for everything of the alumni community. A family member is not one:
    every rule built on this refuses them unless it lets families in by name."""
    return is_active_account(user) and user.role != User.Role.FAMILY


def is_staff(user) -> bool:
    return is_active_member(user) and user.role == User.Role.STAFF


def is_site_moderator(user) -> bool:
    return is_active_member(user) and user.role in (User.Role.MODERATOR, User.Role.STAFF)


def can_invite(user) -> bool:
    return is_staff(user)


def can_manage_roles(user) -> bool:
    return is_staff(user)


def can_change_role(user, target: User) -> bool:
    # Staff cannot demote themselves: a site must never be left without staff
    # by one mis-click.
    return can_manage_roles(user) and target.pk != user.pk


def can_view_audit_log(user) -> bool:
    return is_staff(user)


def can_edit_crisis_resources(user) -> bool:
    return is_staff(user)


def can_manage_cohorts(user) -> bool:
    return is_staff(user)


def can_manage_focus_areas(user) -> bool:
    return is_staff(user)


def can_view_invitations(user) -> bool:
    return is_staff(user)


def can_use_staff_area(user) -> bool:
    """The /staff/ landing page: moderators see the tools they may use."""
    return is_site_moderator(user)


def can_view_directory(user) -> bool:
    return is_active_member(user)


def can_see_email(user, target: User) -> bool:
    """Members see only their own address; staff see everyone's."""
    return is_active_member(user) and (user.pk == target.pk or is_staff(user))


def can_view_member_profile(user, target: User) -> bool:
    if not is_active_member(user):
        return False
    if user.pk == target.pk or is_site_moderator(user):
        return True
    if target.role == User.Role.FAMILY:
        return False  # the families' side is not in the alumni directory
    return target.is_active and target.in_directory and not target.is_suspended


def requires_mfa(user) -> bool:
    return is_site_moderator(user)


def mfa_setup_missing(user) -> bool:
    """A moderator or staff member who must use an authenticator app and has
    not set one up: held on the set-up page over HTTP, refused on sockets."""
    if not settings.REQUIRE_MFA_FOR_STAFF or not requires_mfa(user):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def get_notification_for_recipient_or_404(user, notification_id: int) -> Notification:
    try:
        return Notification.objects.get(pk=notification_id, recipient=user)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("No such notification.") from None


def get_member_profile_or_404(user, member_id: int) -> User:
    try:
        target = User.objects.get(pk=member_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such member.") from None
    if not can_view_member_profile(user, target):
        raise Http404("No such member.")
    return target
