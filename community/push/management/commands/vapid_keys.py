"""Make a VAPID key pair for Web Push.

manage.py vapid_keys              print a new pair, as environment lines
manage.py vapid_keys --dev FILE   print the private key kept in FILE,
                                  making it first if FILE does not exist
                                  (scripts/run: one key per checkout, so
                                  browsers stay subscribed across runs)
"""

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_key_pair() -> tuple[str, str]:
    """(private, public), base64url: the raw 32-byte scalar and the
    uncompressed point, as browsers' applicationServerKey wants it."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = _b64(key.private_numbers().private_value.to_bytes(32, "big"))
    public = _b64(
        key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return private, public


class Command(BaseCommand):
    help = "Make a VAPID key pair for Web Push (or keep one for development with --dev FILE)."

    def add_arguments(self, parser):
        parser.add_argument("--dev", metavar="FILE", help="keep the development key in FILE and print it")

    def handle(self, *args, dev=None, **options):
        if dev:
            path = Path(dev)
            if not path.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                private, _ = new_key_pair()
                # Readable by its owner only: it signs this checkout's pushes.
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "w") as file:
                    file.write(private + "\n")
            self.stdout.write(path.read_text().strip())
            return
        private, public = new_key_pair()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"# its public key, derived by the settings: {public}")
