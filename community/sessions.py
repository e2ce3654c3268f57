"""The session engine: Django's database sessions, with the lookup that every
socket connect makes written once (community.prepared; sockets' database
thread lives as long as the process, so a reconnect storm compiles it once —
a page view runs on a thread of its own and pays what the ORM would).

Same rows, same rules: a session is found by its key and only while it has
not expired (checked here on the row rather than in the query's WHERE, which
keeps the statement free of a time parameter)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from community.prepared import Prepared

SESSION_BY_KEY = Prepared(lambda key: Session.objects.filter(session_key=key)[:1], args=(str,))


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        session = SESSION_BY_KEY.first(key) if isinstance(key, str) else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
