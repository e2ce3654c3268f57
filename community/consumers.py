"""The notification socket: one per signed-in member, pushing new notifications."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from .permissions import is_active_account, is_site_moderator, mfa_setup_missing
from .realtime import console_group, notification_group, session_group, user_group
from .realtime.hub import HubConsumerMixin
from .ws_auth import concrete_user, session_store, user_for_session


def _may_have_socket(user) -> bool:
    return is_active_account(user) and not mfa_setup_missing(user)


def _allowed_user(user):
    """The socket's user (read from the session here, community.ws_auth), or
    None if it may not have this socket."""
    user = concrete_user(user)
    return user if _may_have_socket(user) else None


def _refusal_now(session_key, user_id: int, console: bool) -> int | None:
    """Read once the socket is in its groups: the close code if its session
    no longer signs this user in (signed out, password changed) or the user
    may no longer have the socket (4401), or is no longer — or now is — a
    site moderator, which decides the console group (4000: reconnect)."""
    fresh = user_for_session(session_store(session_key)) if session_key else None
    if fresh is None or fresh.pk != user_id or not _may_have_socket(fresh):
        return 4401
    return 4000 if is_site_moderator(fresh) != console else None


class NotificationConsumer(HubConsumerMixin, AsyncWebsocketConsumer):
    user = None

    async def connect(self):
        """The groups are joined before a second, fresh read of the user: a
        suspension or role change that commits after the first read is either
        seen by the second or reaches the socket as `force_disconnect`."""
        user = await database_sync_to_async(_allowed_user)(self.scope.get("user"))
        if user is None:
            await self.close(code=4401)
            return
        self.user = user
        session_key = getattr(self.scope.get("session"), "session_key", None)
        self.session_group = session_group(session_key)
        groups = [notification_group(user.pk), user_group(user.pk), self.session_group]
        console = is_site_moderator(user)
        if console:
            # A role change closes this socket (set_role), so a former
            # moderator's next socket no longer joins the console.
            groups.append(console_group())
        self.hold_events()
        try:
            await self.hub_join(tuple(groups))
            refusal = await database_sync_to_async(_refusal_now)(session_key, user.pk, console)
            if refusal is not None:
                self.hub_leave()
                await self.close(code=refusal)
                return
            await self.accept()
            await self.release_events()
        except BaseException:
            self.hub_leave()
            raise

    async def disconnect(self, code):
        self.hub_leave()

    async def receive(self, text_data=None, bytes_data=None):
        # Nothing to say from the client on this socket; reads go through HTTP.
        return

    def hub_frame_text(self, event):
        if event.get("only_room") is not None:
            return None  # meant for the member's socket in one chat room
        return event["text"]

    async def frame(self, event):
        text = self.hub_frame_text(event)
        if text is not None:
            await self.send(text_data=text)

    async def force_disconnect(self, event):
        if event.get("room") is None:
            await self.close(code=event.get("code", 4403))
