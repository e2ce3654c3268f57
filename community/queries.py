"""Reads used in several places."""

from django.conf import settings

from .models import CrisisResource


def crisis_resources() -> list[dict]:
    """Staff-edited resources, or the configured defaults while none are saved."""
    saved = [r.as_dict() for r in CrisisResource.objects.filter(is_active=True)]
    if saved:
        return saved
    return [
        {
            "name": r["name"],
            "detail": r.get("detail", ""),
            "phone": r.get("phone", ""),
            "sms": r.get("sms", ""),
            "url": r.get("url", ""),
        }
        for r in settings.CRISIS_RESOURCES
    ]
