"""Refusals a chat client is told about, shared by the actions and the socket
consumer: each becomes an `error` frame with its code."""


class ChatError(Exception):
    """A refusal the client is told about: becomes an `error` frame."""

    def __init__(self, code: str, detail: str, **extra):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


DENIAL_DETAIL = {
    "forbidden": "You are not a member of this room.",
    "banned": "You are banned from this room.",
    "locked": "This room is read-only right now.",
    "muted": "You are muted in this room.",
    "guidelines": "Please read and accept the room guidelines before your first message.",
    # A direct conversation whose other member is gone, or with a block
    # between the two: the same words for both sides.
    "closed": "This conversation is closed: no new messages can be sent in it.",
}
