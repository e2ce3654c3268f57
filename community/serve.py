"""Daphne, with credential paths redacted from its access log and each
broadcast's WebSocket frame built once per process.

`python -m community.serve [daphne's arguments]` is Daphne's own command
line; two things change:

- the access log: the query string is left out and token segments
  (calendar feed, invitation, e-mail confirmation, password reset) read
  `[redacted]` (outside review finding 11);
- WebSocket text frames go through community.realtime.frames: the frame of a
  text sent to many sockets is built once and written straight to each idle
  socket, instead of being encoded, framed and buffered per socket.

deploy/entrypoint.sh and scripts/run start the server this way.
"""

import sys

from daphne.cli import CommandLineInterface

from .logging import redact_path
from .realtime.frames import FrameOnceServer


class RedactingServer(FrameOnceServer):
    def log_action(self, protocol, action, details):
        if isinstance(details.get("path"), str):
            details = {**details, "path": redact_path(details["path"])}
        super().log_action(protocol, action, details)


def main(argv: list[str] | None = None) -> None:
    cli = CommandLineInterface()
    cli.server_class = RedactingServer
    cli.run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
