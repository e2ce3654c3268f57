"""Who a socket belongs to (community.socket_entry puts it in the scope):
the user as Channels' AuthMiddleware finds it, read by a statement written
once (community.prepared) — a reconnect storm of a thousand members
re-reads a thousand users.

The rules are Channels' own (channels.auth.get_user): the session names the
user and the backend that logged them in; a backend no longer configured
counts for nothing; the user must still be allowed to log in (Django's
ModelBackend: `is_active`); the session's password hash must match the
user's now, or the session is ended. A backend with its own `get_user` is
asked as before.

Unlike Channels, the user is not read before the consumer starts: scope["user"]
is a `SocketUser` that reads it on first use, which a consumer does in its
first trip to the database thread together with the rest of what it needs
(a room socket: the user, the room and the membership in one trip, not two).
Used from the event loop before that, the session or user query refuses to
run there (Django's SynchronousOnlyOperation): a consumer that forgets fails
closed. `concrete_user` gives the resolved user."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from django.utils.functional import LazyObject, empty

from community.models import User
from community.prepared import Prepared

USER_BY_PK = Prepared(lambda pk: User.objects.filter(pk=pk)[:1])


def session_store(session_key: str):
    """The session of that key, as the configured engine stores it (read on first use)."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


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


class SocketUser(LazyObject):
    """The socket's user, read from its session on first use (in a database thread)."""

    def __init__(self, session):
        super().__init__()
        self.__dict__["_session"] = session

    def _setup(self):
        self._wrapped = user_for_session(self.__dict__["_session"])


def concrete_user(user):
    """The user itself: a SocketUser (or any lazy user) resolved. Call it in
    a database thread."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user
