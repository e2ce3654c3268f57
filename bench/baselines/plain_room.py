"""The plain Channels room: the simplest AsyncWebsocketConsumer that joins a
group and group_sends each message. No persistence, no permissions, no
presence. Served by Daphne through bench.baselines.plain_asgi."""

from channels.generic.websocket import AsyncWebsocketConsumer


class PlainRoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = "plain." + self.scope["url_route"]["kwargs"]["slug"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "text": text_data})

    async def chat_message(self, event):
        await self.send(text_data=event["text"])
