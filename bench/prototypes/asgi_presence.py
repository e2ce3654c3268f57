"""alumni.asgi with the room socket swapped for CoalescedPresenceConsumer."""

from bench.prototypes._asgi import build
from bench.prototypes.room_hub import CoalescedPresenceConsumer

application = build(CoalescedPresenceConsumer)
