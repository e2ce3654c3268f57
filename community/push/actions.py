"""Every change to push subscriptions and push settings. Views call these;
each docstring lists the side effects."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from community.models import User

from . import permissions
from .models import DEFAULT_CATEGORIES, PushSettings, PushSubscription


def default_categories(member: User) -> list[str]:
    allowed = permissions.categories_for(member)
    return [str(c) for c in DEFAULT_CATEGORIES if c in allowed]


@transaction.atomic
def subscribe(*, member: User, endpoint: str, p256dh: str, auth: str, session_key: str) -> PushSubscription:
    """Turn push on for one browser (already validated by SubscriptionForm).

    Side effects: the member's push settings are created with the defaults
    the first time. An endpoint that belonged to another member moves to this
    one: it is one browser, and whoever signed in there last is who it is for
    (a shared device must not keep showing the previous member's news). The
    subscription lasts as long as `session_key`'s session."""
    if not permissions.can_use_push(member):
        raise PermissionDenied
    if not session_key:
        raise ValidationError("Sign in again to turn on notifications for this device.")
    PushSubscription.objects.filter(endpoint=endpoint).exclude(member=member).delete()
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "member": member,
            "p256dh": p256dh,
            "auth": auth,
            "session_key": session_key,
            "failures": 0,
            "last_failure_at": None,
        },
    )
    PushSettings.objects.get_or_create(member=member, defaults={"categories": default_categories(member)})
    return subscription


@transaction.atomic
def unsubscribe(*, member: User, subscription: PushSubscription) -> None:
    """Turn push off for one browser of the member's (found through
    permissions.get_subscription_for_member_or_404). Settings stay."""
    if not permissions.can_use_push(member) or subscription.member_id != member.pk:
        raise PermissionDenied
    subscription.delete()


@transaction.atomic
def save_push_settings(*, member: User, categories: list[str], previews: bool) -> PushSettings:
    """Store what the member wants pushed, for all their devices. Raises
    ValidationError for a category they may not choose (nothing changes)."""
    if not permissions.can_use_push(member):
        raise PermissionDenied
    allowed = permissions.categories_for(member)
    unknown = sorted(set(categories) - set(allowed))
    if unknown:
        raise ValidationError(f"These are not yours to choose: {', '.join(unknown)}")
    choice, _ = PushSettings.objects.select_for_update().get_or_create(
        member=member, defaults={"categories": default_categories(member)}
    )
    choice.categories = [c for c in allowed if c in categories]
    choice.previews = previews
    choice.updated_at = timezone.now()
    choice.save(update_fields=["categories", "previews", "updated_at"])
    return choice
