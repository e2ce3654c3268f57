"""One way to show a moment: the same words everywhere (search, sessions,
notifications, logs), in the viewer's own time zone (the middleware activates
it), with the exact instant in a <time> element for machines.

    {% load when %}
    {{ message.created_at|when }}       <time datetime="2026-12-04T20:03:00-06:00">Dec 4, 2026, 8:03 PM</time>
    {{ session.last_seen_at|when_text }} Dec 4, 2026, 8:03 PM
"""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

register = template.Library()

FORMAT = "M j, Y, g:i A"


def _local(value):
    if not isinstance(value, datetime):
        return None
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def when_text(value) -> str:
    local = _local(value)
    return date_format(local, FORMAT) if local else ""


@register.filter
def when(value) -> str:
    local = _local(value)
    if local is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', local.isoformat(timespec="seconds"), date_format(local, FORMAT))
