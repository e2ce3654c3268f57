"""The notification socket: one per signed-in member, pushing new notifications."""

from channels.generic.websocket import AsyncWebsocketConsumer

from .permissions import is_active_member
from .realtime import notification_group, session_group, user_group


class NotificationConsumer(AsyncWebsocketConsumer):
    user = None

    async def connect(self):
        user = self.scope.get("user")
        if not is_active_member(user):
            await self.close(code=4401)
            return
        self.user = user
        await self.channel_layer.group_add(notification_group(user.pk), self.channel_name)
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        self.session_group = session_group(getattr(self.scope.get("session"), "session_key", None))
        if self.session_group:
            await self.channel_layer.group_add(self.session_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.user is not None:
            await self.channel_layer.group_discard(notification_group(self.user.pk), self.channel_name)
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
            if self.session_group:
                await self.channel_layer.group_discard(self.session_group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        # Nothing to say from the client on this socket; reads go through HTTP.
        return

    async def frame(self, event):
        await self.send(text_data=event["text"])

    async def force_disconnect(self, event):
        if event.get("room") is None:
            await self.close(code=event.get("code", 4403))
