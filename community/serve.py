"""Daphne, with credential paths redacted from its access log.

`python -m community.serve [daphne's arguments]` is Daphne's own command
line; only the access log changes: the query string is left out and token
segments (calendar feed, invitation, e-mail confirmation, password reset)
read `[redacted]` (outside review finding 11). deploy/entrypoint.sh and
scripts/run start the server this way.
"""

import sys

from daphne.cli import CommandLineInterface
from daphne.server import Server

from .logging import redact_path


class RedactingServer(Server):
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
