"""The access decorators every app's views use, and the one safe way to
follow a `next` parameter. Views then check the object itself through their
app's permissions.py access helpers."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from .permissions import is_active_account, is_active_member


def member_required(view):
    """Signed in, and an active member (suspended or deactivated accounts are out): 403 otherwise."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_active_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def account_required(view):
    """Signed in with an active account of any role, family members included:
    for an account's own pages (notifications, profile, data, sessions)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_active_account(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def permission_required(predicate, *, hide: bool = True, families: bool = False):
    """Signed in, an active member, and predicate(user) true. With `hide` (the
    default) a refusal looks like a missing page (404), so staff and moderator
    pages do not announce themselves; otherwise it is a 403. Family members
    are refused before the predicate is asked unless `families` says the page
    is theirs too."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                if hide:
                    raise Http404("No such page.")
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return (account_required if families else member_required)(wrapped)

    return decorator


def redirect_back(request, fallback: str):
    """Redirect to the posted or queried `next` if it is a path on this site,
    else to `fallback` (never to another site: //evil.example is refused)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)
