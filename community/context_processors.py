from django.conf import settings

from . import permissions


def community(request):
    user = getattr(request, "user", None)
    context = {
        "site_name": settings.SITE_NAME,
        "crisis_phone": "988",
    }
    if user is not None and permissions.is_active_account(user):
        context["unread_notifications"] = user.notifications.filter(read_at__isnull=True).count()
        context["is_community_staff"] = permissions.is_staff(user)
        context["is_site_moderator"] = permissions.is_site_moderator(user)
        context["is_family"] = permissions.is_family(user)
    return context
