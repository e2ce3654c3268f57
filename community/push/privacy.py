"""Export and erasure of a member's push subscriptions and settings (called
by alumni/privacy.py, before the members app's own)."""

from community.privacy import Erasure

from .models import PushSettings, PushSubscription


def export(member) -> dict:
    # The endpoint's path and the keys are this browser's secrets (whoever
    # holds them can push to it): the export names the push service only.
    choice = PushSettings.objects.filter(member=member).first()
    return {
        "push_settings": {"categories": choice.categories, "previews": choice.previews} if choice else None,
        "push_subscriptions": [
            {
                "push_service": s.service,
                "created_at": s.created_at.isoformat(),
                "last_success_at": s.last_success_at.isoformat() if s.last_success_at else None,
                "failures_since_last_success": s.failures,
            }
            for s in PushSubscription.objects.filter(member=member)
        ],
    }


def erase(erasure: Erasure) -> set[tuple[str, str]]:
    """Delete the member's subscriptions (their browsers get nothing more)
    and settings. Previews waiting to be pushed to them go with their
    notifications (community.privacy)."""
    PushSubscription.objects.filter(member=erasure.member).delete()
    PushSettings.objects.filter(member=erasure.member).delete()
    return set()
