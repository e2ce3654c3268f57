"""Fill an empty, migrated database for the benchmarks (see bench/layout.py)
and write seed.json: one session key per user and the room ids.

Seeding bypasses the actions on purpose: it is test data in bulk, not a use
case. Run with the benchmark's environment:
    python -m bench.seed /path/to/seed.json
"""

import json
import os
import random
import sys
from datetime import date, time, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import layout as L  # noqa: E402
from community.models import User  # noqa: E402
from events.models import Event, Occurrence  # noqa: E402
from groups.models import Membership, Message, Room  # noqa: E402


def main(out_path: str) -> None:
    rng = random.Random(2026)
    now = timezone.now()
    password = make_password("bench-pass-2026")
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"member{i:05d}@bench.example.org",
                    display_name=f"member {i:05d}",
                    password=password,
                    in_directory=True,
                    bio="Graduated; here for the evening rooms.",
                )
                for i in range(L.USERS)
            ],
            batch_size=1000,
        )
        users = list(User.objects.order_by("id"))
        staff = User.objects.create(
            email="staff@bench.example.org", display_name="bench staff", role=User.Role.STAFF, password=password
        )

        rooms = {"fanout": Room.objects.create(slug="fanout", name="Fan-out", kind=Room.Kind.TOPIC)}
        for i in range(L.THROUGHPUT_ROOMS):
            rooms[L.tp_slug(i)] = Room.objects.create(slug=L.tp_slug(i), name=f"Throughput {i:02d}")
        for j in range(L.MEMBERS // L.IDLE_ROOM_SIZE):
            rooms[L.idle_slug(j)] = Room.objects.create(slug=L.idle_slug(j), name=f"Idle {j:02d}")
        for j in range(L.DAY_ROOMS):
            rooms[L.day_slug(j)] = Room.objects.create(slug=L.day_slug(j), name=f"Community day {j:02d}")

        members: list[tuple[str, int]] = [("fanout", u) for u in [*range(L.FANOUT_MAX), L.FANOUT_SENDER]]
        for i in range(L.THROUGHPUT_ROOMS):
            members += [(L.tp_slug(i), u) for u in [*L.tp_receivers(i), L.THROUGHPUT_SENDER0 + i]]
        members += [(L.idle_slug(u // L.IDLE_ROOM_SIZE), u) for u in range(L.MEMBERS)]
        for j in range(L.DAY_ROOMS):
            members += [(L.day_slug(j), u) for u in L.day_members(j)]
        Membership.objects.bulk_create(
            [Membership(room=rooms[slug], user=users[u], accepted_guidelines_at=now) for slug, u in members],
            batch_size=1000,
        )
        counts: dict[str, int] = {}
        for slug, _ in members:
            counts[slug] = counts.get(slug, 0) + 1
        for slug, room in rooms.items():
            room.member_count = counts.get(slug, 0)
            room.last_message_at = now
        Room.objects.bulk_update(list(rooms.values()), ["member_count", "last_message_at"], batch_size=500)

        history = []
        start = now - timedelta(days=30)
        for k in range(L.MESSAGES_FANOUT):
            history.append((rooms["fanout"], users[rng.randrange(L.FANOUT_MAX)], k))
        for i in range(L.THROUGHPUT_ROOMS):
            receivers = L.tp_receivers(i)
            for k in range(L.MESSAGES_PER_THROUGHPUT_ROOM):
                history.append((rooms[L.tp_slug(i)], users[rng.choice(receivers)], k))
        Message.objects.bulk_create(
            [
                Message(
                    room=room,
                    author=author,
                    body=f"h{k} Earlier conversation, kept for the page and resume benchmarks.",
                    html=f"<p>h{k} Earlier conversation, kept for the page and resume benchmarks.</p>",
                    created_at=start + timedelta(seconds=n * 200),
                )
                for n, (room, author, k) in enumerate(history)
            ],
            batch_size=1000,
        )

        today = date.today()
        events = Event.objects.bulk_create(
            [
                Event(
                    title=f"Alumni meetup {k}",
                    description="Peer support, coffee, and a check-in round.",
                    description_html="<p>Peer support, coffee, and a check-in round.</p>",
                    host=staff,
                    created_by=staff,
                    time_zone="America/Chicago",
                    start_date=today + timedelta(days=rng.randint(-180, 180)),
                    start_time=time(rng.choice([10, 12, 17, 18, 19]), 0),
                    duration=timedelta(hours=1, minutes=30),
                    format=rng.choice([Event.Format.IN_PERSON, Event.Format.VIRTUAL, Event.Format.HYBRID]),
                    address="12 Main St, Springfield",
                    meeting_url="https://meet.example.org/alumni",
                    materialised_until=today + timedelta(days=200),
                )
                for k in range(L.MEETUPS)
            ],
            batch_size=500,
        )
        occurrences = []
        for event in events:
            starts, ends = event.utc_span(event.local_start())
            occurrences.append(Occurrence(event=event, series_date=event.start_date, starts_at=starts, ends_at=ends))
        Occurrence.objects.bulk_create(occurrences, batch_size=500)

        store = SessionStore()
        expire = now + timedelta(days=7)
        keys, rows = [], []
        for user in users:
            key = store._get_new_session_key()
            data = {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
            }
            keys.append(key)
            rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        Session.objects.bulk_create(rows, batch_size=1000)

    with open(out_path, "w") as f:
        json.dump({"sessions": keys, "rooms": {slug: room.pk for slug, room in rooms.items()}}, f)


if __name__ == "__main__":
    main(sys.argv[1])
