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


# The community day (bench/scenarios/community_day.py): the fan-out room is
# the big room (members 0..999) and 99 small rooms day-00..day-98 have a long
# tail of sizes. Their online sizes at 2,000 online are DAY_SIZES (5–50, 1,000
# in all); each holds DAY_FILL times as many members in the database, so that
# more members online (4,000 over two processes, capacity steps above 2,000)
# fill the same rooms up instead of needing new ones.
DAY_BIG = "fanout"
DAY_ROOMS = 99
DAY_FILL = 3
DAY_FIRST_MEMBER = 1_000  # small rooms hold members 1000..3999


def _day_sizes() -> list[int]:
    sizes = [max(5, min(50, round(50 / (1 + k * 0.15)))) for k in range(DAY_ROOMS)]
    k = 1
    while sum(sizes) < 1_000:  # exactly 1,000: one more in the larger rooms
        sizes[k] += 1
        k += 1
    return sizes


DAY_SIZES = _day_sizes()


def day_slug(j: int) -> str:
    return f"day-{j:02d}"


def day_members(j: int) -> list[int]:
    first = DAY_FIRST_MEMBER + DAY_FILL * sum(DAY_SIZES[:j])
    return list(range(first, first + DAY_FILL * DAY_SIZES[j]))
