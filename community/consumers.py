"""The notification socket: one per signed-in member, pushing new notifications."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from .permissions import is_active_account, is_site_moderator, mfa_setup_missing
from .realtime import console_group, notification_group, session_group, user_group
from .realtime.hub import HubConsumerMixin
from .ws_auth import concrete_user


def _allowed_user(user):
    """The socket's user (read from the session here, community.ws_auth), or
    None if it may not have this socket."""
    user = concrete_user(user)
    if not is_active_account(user) or mfa_setup_missing(user):
        return None
    return user


class NotificationConsumer(HubConsumerMixin, AsyncWebsocketConsumer):
    user = None

    async def connect(self):
        user = await database_sync_to_async(_allowed_user)(self.scope.get("user"))
        if user is None:
            await self.close(code=4401)
            return
        self.user = user
        self.session_group = session_group(getattr(self.scope.get("session"), "session_key", None))
        groups = [notification_group(user.pk), user_group(user.pk), self.session_group]
        if is_site_moderator(user):
            # A role change closes this socket (set_role), so a former
            # moderator's next socket no longer joins the console.
            groups.append(console_group())
        await self.hub_accept(tuple(groups))

    async def disconnect(self, code):
        self.hub_leave()

    async def receive(self, text_data=None, bytes_data=None):
        # Nothing to say from the client on this socket; reads go through HTTP.
        return

    async def frame(self, event):
        if event.get("only_room") is not None:
            return  # meant for the member's socket in one chat room
        await self.send(text_data=event["text"])

    async def force_disconnect(self, event):
        if event.get("room") is None:
            await self.close(code=event.get("code", 4403))
