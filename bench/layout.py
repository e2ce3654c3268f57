"""Who is where in the seeded benchmark database (bench/seed.py writes it,
the scenarios read it). Indexes are positions in seed.json's `sessions`."""

MEMBERS = 5_000  # the alumni scenario 5 asks for
FANOUT_MAX = 1_000  # receivers 0..999 in room "fanout"
FANOUT_SENDER = 5_050
THROUGHPUT_ROOMS = 50
THROUGHPUT_MEMBERS = 20  # receivers 1000..1999, 20 per room
THROUGHPUT_SENDER0 = 5_000  # senders 5000..5049, one per room
IDLE_ROOM_SIZE = 50  # idle-00..idle-99: members 0..4999, 50 per room
MESSAGES_FANOUT = 5_000
MESSAGES_PER_THROUGHPUT_ROOM = 100  # 5,000 more: 10,000 messages in all
MEETUPS = 2_000
USERS = 5_051


def tp_slug(i: int) -> str:
    return f"tp-{i:02d}"


def tp_receivers(i: int) -> list[int]:
    first = FANOUT_MAX + i * THROUGHPUT_MEMBERS
    return list(range(first, first + THROUGHPUT_MEMBERS))


def idle_slug(j: int) -> str:
    return f"idle-{j:02d}"
