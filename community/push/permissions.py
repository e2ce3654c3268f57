"""Who may use Web Push, and for what. Views ask these; deny by default."""

from django.http import Http404

from community.permissions import is_active_account, is_site_moderator

from .models import MODERATOR_CATEGORIES, Category, PushSubscription


def can_use_push(user) -> bool:
    """Any active account, family members included: their own notifications
    to their own devices. Suspended and deactivated accounts get nothing."""
    return is_active_account(user)


def categories_for(user) -> list[str]:
    """The categories this member may switch on (crisis alerts: moderators)."""
    if not can_use_push(user):
        return []
    return [c for c in Category if c not in MODERATOR_CATEGORIES or is_site_moderator(user)]


def get_subscription_for_member_or_404(user, endpoint: str) -> PushSubscription:
    """The member's own subscription at `endpoint`; "missing" and "someone
    else's" are the same 404."""
    if not can_use_push(user):
        raise Http404("No such subscription.")
    subscription = PushSubscription.objects.filter(member=user, endpoint=endpoint).first()
    if subscription is None:
        raise Http404("No such subscription.")
    return subscription
