"""The crisis console's note on why the detector flagged a message."""

from django import template

from .. import detector

register = template.Library()


@register.filter
def crisis_reason(text: str) -> str:
    return detector.explain(text) if text else ""
