"""Small per-key attempt limits for HTTP views that allauth does not cover
(the admin's sign-in, staff invitations). Counters live in the cache, so with
Redis they hold across every Daphne process.

A fixed window: at most `limit` POSTs per `window` seconds per key. Only POSTs
count; a refused attempt gets 429 and changes nothing.
"""

from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse


def hit(key: str, *, limit: int, window: int) -> bool:
    """Count one attempt; False once `limit` attempts were made in this window."""
    cache_key = f"throttle:{key}"
    cache.add(cache_key, 0, window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window)
        count = 1
    return count <= limit


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def too_many() -> HttpResponse:
    response = HttpResponse(
        "Too many attempts. Please wait a few minutes and try again.", status=429, content_type="text/plain"
    )
    response["Retry-After"] = "300"
    return response


def limit_posts(scope: str, *rules):
    """Refuse POSTs past any rule. A rule is (limit, window, key_function);
    key_function(request) -> str, or "" to skip that rule for this request."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                for limit, window, key_function in rules:
                    key = key_function(request)
                    if key and not hit(f"{scope}:{window}:{key}", limit=limit, window=window):
                        return too_many()
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def by_ip(request) -> str:
    return "ip:" + _client_ip(request)


def by_user(request) -> str:
    return f"user:{request.user.pk}" if request.user.is_authenticated else by_ip(request)


def by_posted(field: str):
    def key(request) -> str:
        value = str(request.POST.get(field, "")).strip().lower()
        return f"{field}:{value}" if value else ""

    return key


# The admin's sign-in: the same budget as allauth's login_failed for members.
admin_login_limit = limit_posts("admin-login", (10, 60, by_ip), (5, 300, by_posted("username")))
# Invitations send e-mail to outside addresses: a stolen staff session must not
# turn the site into a mailer. Generous for real use (a CSV upload counts once).
invitation_limit = limit_posts("invite", (30, 600, by_user))
