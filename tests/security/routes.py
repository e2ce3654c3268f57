"""Every HTTP route and WebSocket route of the project, enumerated from the
resolvers (never listed by hand), with path parameters filled from the
security world: a newly added view shows up here by itself."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the pattern text for unnamed ones
    pattern: str  # the joined pattern, for messages
    parts: tuple  # (pattern object, ...) from the root to the view
    module: str = ""  # where the view lives: ours, allauth's or the admin's

    def __str__(self):
        return self.name


def _walk(patterns, prefix=(), namespace=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespace, entry.namespace) if entry.namespace else namespace
            yield from _walk(entry.url_patterns, (*prefix, entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            parts = (*prefix, entry.pattern)
            text = "".join(str(p) for p in parts)
            name = ":".join((*namespace, entry.name)) if entry.name else text
            callback = getattr(entry.callback, "view_class", entry.callback)
            module = getattr(callback, "__module__", "") or ""
            yield Route(name=name, pattern=text, parts=parts, module=module)


def http_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def socket_routes() -> list[Route]:
    import community.routing
    import groups.routing

    return list(_walk(community.routing.websocket_urlpatterns + groups.routing.websocket_urlpatterns))


class Unfillable(Exception):
    pass


def _fill_regex(regex: str, values: dict) -> str:
    """A path for a regex pattern (the admin's): named groups from `values`,
    anchors dropped. Only the simple shapes the admin uses are supported."""
    import re

    def group(match):
        name = match.group(1)
        if name not in values:
            raise Unfillable(name)
        return str(values[name])

    text = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", group, text)
    if any(ch in text for ch in "()[]*+?|\\"):
        raise Unfillable(regex)
    return text


def build_path(route: Route, values) -> str:
    """The route with every parameter filled by `values(route, param)`."""
    import re

    path = "/"
    for part in route.parts:
        if isinstance(part, RoutePattern):
            text = str(part)
            for param in re.findall(r"<(?:\w+:)?(\w+)>", text):
                value = values(route, param)
                text = re.sub(rf"<(?:\w+:)?{param}>", str(value), text)
            path += text
        elif isinstance(part, RegexPattern):
            names = re.findall(r"\(\?P<(\w+)>", part.regex.pattern)
            path += _fill_regex(part.regex.pattern, {n: values(route, n) for n in names})
        else:
            raise Unfillable(repr(part))
    return path
