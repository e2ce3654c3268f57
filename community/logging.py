"""JSON log lines for production. Message bodies are never logged: only what
the code passes explicitly as `extra` fields on the allow-list below."""

import json
import logging

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
