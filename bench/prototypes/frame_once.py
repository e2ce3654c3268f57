"""The app (alumni.asgi) served by community.serve's Daphne server class,
whose WebSocket protocol builds each broadcast's frame once per process and
writes it straight to idle sockets (community/realtime/frames.py).

The harness starts prototypes with `python -m daphne`; importing this module
(which Daphne's command line does before it creates its Server) swaps the
command line's server class for the one community.serve runs."""

from daphne.cli import CommandLineInterface

from alumni.asgi import application  # noqa: F401
from community.serve import RedactingServer

CommandLineInterface.server_class = RedactingServer
