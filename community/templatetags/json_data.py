"""Django's json_script filter, with its escaping done by three str.replace
calls instead of str.translate with a dict.

The output is the same, character for character (a test holds that).
translate() looks up every character of the JSON in the dict: for the room
page's 35 KB of first messages that was 4.5 ms, a fifth of the page; three
replace() passes take a quarter of a millisecond.

    {% load json_data %}
    {{ config|json_data:"room-config" }}
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


def json_data_script(value, element_id: str | None = None) -> str:
    """<script type="application/json"> holding `value`, safe to put
    anywhere in HTML outside a tag's attribute: <, > and & are written as
    JSON escapes, so nothing in it can end the element."""
    text = json.dumps(value, cls=DjangoJSONEncoder)
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    if element_id:
        return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text))  # noqa: S308
    return format_html('<script type="application/json">{}</script>', mark_safe(text))  # noqa: S308


@register.filter(is_safe=True)
def json_data(value, element_id=None):
    return json_data_script(value, element_id)
