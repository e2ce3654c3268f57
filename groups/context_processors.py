"""The open-alert count in every moderator page's header."""

from community.permissions import is_site_moderator

from .models import CrisisAlert


def crisis(request):
    user = getattr(request, "user", None)
    if user is None or not is_site_moderator(user):
        return {}
    return {"open_crisis_alerts": CrisisAlert.objects.filter(status=CrisisAlert.Status.OPEN).count()}
