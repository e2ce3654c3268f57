"""Creates members, a room and signed-in sessions in the database named by
DATABASE_URL, for the integration tests. Run as a child process:

    DATABASE_URL=... python tests/integration/seed.py '{"room": "it-room", "members": ["Alice", "Bob"]}'

Prints one JSON line: {"room": slug, "room_id": id, "members": {name: {"id", "cookie"}}}.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alumni.settings")

import django

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from community.models import User  # noqa: E402
from groups import actions  # noqa: E402
from groups.models import Room  # noqa: E402


def member(name: str, role: str = "alumnus") -> User:
    email = f"{name.lower()}@it.example.org"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=None, display_name=name, role=role, is_staff=role == "staff"
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def main(spec: dict) -> dict:
    with transaction.atomic():
        staff = member("Staffer", role="staff")
        if "room_id_start" in spec and not Room.objects.exists():
            # Presence keys in Redis are named by room id only; starting the
            # ids at a random value keeps concurrent test databases apart.
            with connection.cursor() as cursor:
                start = spec["room_id_start"]
                cursor.execute("SELECT setval(pg_get_serial_sequence('groups_room', 'id'), %s)", [start])
        room = actions.create_room(creator=staff, name=spec["room"], slug=spec["room"], kind=Room.Kind.TOPIC)
        out = {"room": room.slug, "room_id": room.pk, "members": {}}
        for name in spec["members"]:
            user = member(name)
            actions.join_room(member=user, room=room)
            out["members"][name] = {"id": user.pk, "cookie": session_cookie(user)}
    return out


if __name__ == "__main__":
    print("SEED=" + json.dumps(main(json.loads(sys.argv[1]))))
