"""alumni.asgi with the room socket swapped for HubRoomConsumer."""

from bench.prototypes._asgi import build
from bench.prototypes.room_hub import HubRoomConsumer

application = build(HubRoomConsumer)
