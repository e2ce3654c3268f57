"""Who a socket belongs to: Channels' AuthMiddleware with the user read by a
statement written once (community.prepared) — a reconnect storm of a thousand
members re-reads a thousand users.

The rules are Channels' own (channels.auth.get_user): the session names the
user and the backend that logged them in; a backend no longer configured
counts for nothing; the user must still be allowed to log in (Django's
ModelBackend: `is_active`); the session's password hash must match the
user's now, or the session is ended. A backend with its own `get_user` is
asked as before."""

from channels.auth import AuthMiddleware, CookieMiddleware, SessionMiddleware
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare

from community.models import User
from community.prepared import Prepared

USER_BY_PK = Prepared(lambda pk: User.objects.filter(pk=pk)[:1])


def user_for_session(session):
    user = None
    try:
        user_id = User._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path in settings.AUTHENTICATION_BACKENDS:
        backend = load_backend(backend_path)
        if type(backend).get_user is ModelBackend.get_user and type(user_id) is int:
            found = USER_BY_PK.first(user_id)
            user = found if found is not None and backend.user_can_authenticate(found) else None
        else:
            user = backend.get_user(user_id)
        if hasattr(user, "get_session_auth_hash"):
            session_hash = session.get(HASH_SESSION_KEY)
            if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
                session.flush()
                user = None
    return user or AnonymousUser()


class SocketAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await database_sync_to_async(user_for_session)(scope["session"])


def SocketAuthStack(inner):
    return CookieMiddleware(SessionMiddleware(SocketAuthMiddleware(inner)))
