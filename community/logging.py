"""JSON log lines for production. Message bodies are never logged: only what
the code passes explicitly as `extra` fields on the allow-list below.

Paths that carry a credential — the calendar feed's token, an invitation's,
e-mail confirmation and password reset keys — are logged with the secret
replaced by `[redacted]`: by every handler here (RedactTokensFilter), by
Daphne's access log (community/serve.py) and by nginx (deploy/nginx.conf).
"""

import json
import logging
import re

REDACTED = "[redacted]"
# Not anchored: the same paths appear inside messages ("Not Found: /invite/…/").
TOKEN_PATHS = [
    re.compile(r"(/meetups/feed/)[^/\s?#\"']+?(\.ics)"),
    re.compile(r"(/invite/)[^/\s?#\"']+()"),
    re.compile(r"(/accounts/confirm-email/)[^/\s?#\"']+()"),
    re.compile(r"(/accounts/password/reset/key/)(?!done/)[^/\s?#\"']+()"),
]


def redact_tokens(text: str) -> str:
    for pattern in TOKEN_PATHS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED + m.group(2), text)
    return text


def redact_path(path: str) -> str:
    """An access log's view of a request path: no query string (it can carry
    ids and tokens), token segments redacted."""
    return redact_tokens(path.split("?", 1)[0])


class RedactTokensFilter(logging.Filter):
    """Rewrites a record whose message or `path` names a token path."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        path = getattr(record, "path", None)
        if isinstance(path, str):
            record.path = redact_path(path)
        return True


SAFE_EXTRA = ("room", "user_id", "message_id", "code", "path", "status", "duration_ms")


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in SAFE_EXTRA:
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data)
