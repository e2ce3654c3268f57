"""The socket Origin check: a page on another site must not open a socket with
a member's cookie. The Origin header is compared as a whole — scheme, host
and port — with the site's own origins (settings.SITE_ORIGINS); a page
served from the same host over plain HTTP or on another port is another
origin (outside review finding 10: Channels' AllowedHostsOriginValidator
looked at the host alone).

Settings are read on every handshake, so tests and servers on other ports
configure it like any setting.
"""

from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str | None:
    """`scheme://host:port` in lower case with the default port spelled out,
    or None for anything that is not a plain origin (`null`, a path, a
    user name, an unknown scheme)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port or DEFAULT_PORTS[scheme]}"


def origin_allowed(raw: bytes | None) -> bool:
    if not raw:
        return False
    origin = normalise_origin(raw.decode("latin-1"))
    return origin is not None and origin in {normalise_origin(o) for o in settings.SITE_ORIGINS}
