"""A push service on loopback, and browsers' side of a subscription.

`push_service` is a real HTTP server in a thread that stores what it is sent;
`Browser` makes a subscription the way a browser does (an ECDH P-256 key pair
and a 16-byte auth secret) and decrypts a stored push with its private key
(RFC 8291, aes128gcm), so a test reads exactly what the phone would show.
"""

import base64
import contextlib
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.contrib.sessions.backends.db import SessionStore

from community.push.management.commands.vapid_keys import new_key_pair


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class PushService:
    """What the loopback push service was sent, and how it answers."""

    origin: str = ""
    received: list[Received] = field(default_factory=list)
    # path -> HTTP status; anything else is 201 Created, as real services answer.
    answers: dict[str, int] = field(default_factory=dict)

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"


@contextlib.contextmanager
def running_push_service():
    """A push service on 127.0.0.1 (a free port) for the length of the block."""
    service = PushService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            service.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status = service.answers.get(self.path, 201)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def push_service():
    with running_push_service() as service:
        yield service


@pytest.fixture
def vapid(settings, push_service):
    """Push configured: a fresh VAPID pair, and the loopback service as the
    only push service the server will send to."""
    private, public = new_key_pair()
    settings.VAPID_PRIVATE_KEY = private
    settings.VAPID_PUBLIC_KEY = public
    settings.VAPID_SUBJECT = "mailto:community@example.org"
    settings.PUSH_SERVICES = [push_service.origin]
    return public


class Browser:
    """One browser's push subscription: the keys a browser makes."""

    def __init__(self, endpoint: str, key=None, auth: bytes | None = None):
        self.endpoint = endpoint
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.auth = auth or os.urandom(16)

    @classmethod
    def from_jwk(cls, endpoint: str, jwk: dict, auth: str) -> "Browser":
        """The keys a page made with WebCrypto (private key as a JWK)."""
        private = int.from_bytes(unb64url(jwk["d"]), "big")
        return cls(endpoint, ec.derive_private_key(private, ec.SECP256R1()), unb64url(auth))

    def subscription_json(self) -> dict:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def decrypt(self, received: Received) -> dict:
        assert received.headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(received.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


def live_session_key(user) -> str:
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    return session.session_key


def vapid_claims(received: Received, public_key: str) -> dict:
    """The VAPID token's claims, after checking its signature with the
    server's public key (RFC 8292: `vapid t=<JWT>, k=<key>`); raises if the
    key is not the server's or the signature does not verify."""
    scheme, _, params = received.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == public_key
    head, body, signature = parts["t"].split(".")
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    key.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(unb64url(body))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(execute=True):` runs what the block left for after
    commit (the test's own transaction never commits)."""
    return django_capture_on_commit_callbacks
