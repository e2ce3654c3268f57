"""Exit 0 if the PostgreSQL and Redis URLs given both answer, else 1."""

import socket
import sys
from urllib.parse import urlparse


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=1):
            return True
    except OSError:
        return False


sys.exit(0 if all(reachable(u) for u in sys.argv[1:]) else 1)
