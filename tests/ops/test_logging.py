"""JSON log lines in production, and never a message body in them."""

import json
import logging

from community.logging import JSONFormatter

from ._prod import production_settings

BODY = "I relapsed last night and I feel ashamed"


def _record(**extra) -> logging.LogRecord:
    record = logging.LogRecord("groups.consumers", logging.WARNING, __file__, 1, "send refused", None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_formatter_writes_one_json_object_with_allowed_fields():
    line = JSONFormatter().format(_record(room="anxiety", user_id=7, code="rate_limited"))

    data = json.loads(line)
    assert {k: data[k] for k in ("level", "logger", "message", "room", "user_id", "code")} == {
        "level": "WARNING",
        "logger": "groups.consumers",
        "message": "send refused",
        "room": "anxiety",
        "user_id": 7,
        "code": "rate_limited",
    }
    assert "\n" not in line


def test_json_formatter_drops_fields_off_the_allow_list():
    line = JSONFormatter().format(_record(body=BODY, frame={"body": BODY}, text=BODY, room="anxiety"))

    assert BODY not in line
    assert set(json.loads(line)) == {"time", "level", "logger", "message", "room"}


def test_production_logging_uses_the_json_formatter():
    values = production_settings("LOGGING")

    handler = values["LOGGING"]["handlers"]["console"]
    assert values["LOGGING"]["formatters"][handler["formatter"]] == {"()": "community.logging.JSONFormatter"}
