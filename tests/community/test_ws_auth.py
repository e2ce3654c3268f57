"""Sockets' user (community.ws_auth) and the session engine (community.sessions):
Channels' and Django's rules, with their lookups written once."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from community.ws_auth import user_for_session

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ALLAUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _session(user, backend=MODEL_BACKEND, auth_hash=None):
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash() if auth_hash is None else auth_hash
    store.save()
    return store.session_key


def _load(key):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)


def test_the_engine_is_ours():
    assert settings.SESSION_ENGINE == "community.sessions"


@pytest.mark.parametrize("backend", [MODEL_BACKEND, ALLAUTH_BACKEND])
def test_a_logged_in_session_gives_its_user(alumnus, backend, django_assert_num_queries):
    key = _session(alumnus, backend)
    _load(key).load()  # the statements are written on first use
    user_for_session(_load(key))
    with django_assert_num_queries(2):  # the session, the user
        user = user_for_session(_load(key))
    assert user.pk == alumnus.pk
    assert user.is_authenticated


def test_a_changed_password_ends_the_session(alumnus):
    key = _session(alumnus)
    alumnus.set_password("a new long passphrase 42")
    alumnus.save()
    session = _load(key)
    assert user_for_session(session).is_anonymous
    assert not Session.objects.filter(session_key=key).exists()  # flushed


def test_a_forged_hash_is_refused(alumnus):
    assert user_for_session(_load(_session(alumnus, auth_hash="0" * 64))).is_anonymous


def test_a_deactivated_or_deleted_user_is_anonymous(alumnus, alumnus2):
    key = _session(alumnus)
    alumnus.is_active = False
    alumnus.save()
    assert user_for_session(_load(key)).is_anonymous
    key2 = _session(alumnus2)
    alumnus2.delete()
    assert user_for_session(_load(key2)).is_anonymous


def test_a_backend_no_longer_configured_counts_for_nothing(alumnus):
    assert user_for_session(_load(_session(alumnus, "some.removed.Backend"))).is_anonymous


def test_no_login_in_the_session_is_anonymous(db):
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["theme"] = "dark"
    store.save()
    assert user_for_session(_load(store.session_key)).is_anonymous


def test_an_expired_session_is_not_loaded(alumnus):
    key = _session(alumnus)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    session = _load(key)
    assert session.load() == {}
    assert session.session_key is None
    assert user_for_session(_load(key)).is_anonymous


def test_an_unknown_or_missing_key_is_an_empty_session(db):
    assert _load("x" * 32).load() == {}
    assert _load(None).load() == {}


@pytest.mark.django_db(transaction=True)
def test_a_socket_user_is_read_on_first_use_and_never_from_the_event_loop(alumnus):
    """scope["user"] of a socket is read in the consumer's first database
    trip. Touched from the event loop before that, it refuses (fails closed)
    instead of answering without its session."""
    import asyncio

    from asgiref.sync import sync_to_async
    from django.core.exceptions import SynchronousOnlyOperation

    from community.ws_auth import SocketUser, concrete_user

    key = _session(alumnus)

    async def in_the_loop():
        user = SocketUser(_load(key))
        with pytest.raises(SynchronousOnlyOperation):
            user.is_authenticated  # noqa: B018 - the access is the test
        fresh = SocketUser(_load(key))
        resolved = await sync_to_async(concrete_user)(fresh)
        return resolved, fresh.is_authenticated, fresh.pk

    resolved, authenticated, pk = asyncio.run(in_the_loop())
    assert (type(resolved).__name__, resolved.pk, authenticated, pk) == ("User", alumnus.pk, True, alumnus.pk)
    assert concrete_user(alumnus) is alumnus
