"""`{% message_button member %}`: the "Message" button on a member's profile,
shown only when the viewer may write to them (an open conversation, a request
of theirs still showing as sent, or a request the member's setting allows)."""

from django import template
from django.urls import reverse

from .. import permissions

register = template.Library()


@register.inclusion_tag("groups/_message_button.html", takes_context=True)
def message_button(context, member):
    user = context["request"].user
    if not permissions.can_use_direct_messages(user) or member.pk == user.pk:
        return {"url": ""}
    allowed = bool(permissions.direct_targets(user, [member])) or permissions.can_request_direct(user, member)
    return {"url": reverse("direct:new", args=[member.pk]) if allowed else "", "member": member}
