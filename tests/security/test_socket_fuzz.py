"""Hypothesis throws malformed frames at a real room socket: random JSON,
known frame types with wrong-typed fields, huge and negative numbers, odd
unicode, deep nesting and text that is not JSON. Only `error` frames may come
back, the socket must stay open (no server error), and nothing is stored.

After each fuzzed frame a `ping` follows: the consumer handles frames in
order, so every reply before the `pong` belongs to the fuzzed frame.
"""

import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alumni.asgi import application
from tests.groups.conftest import ORIGIN, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

HUGE = st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 10**30, -1, 1e308, float("inf"), -0.0])
ODD_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=50) | st.sampled_from(
    ["\u202e\u0000", "\ufeff", "𝕏" * 40, "\u0301" * 30, "\x00", "\ud7ff\ue000"]
)
SCALARS = st.none() | st.booleans() | st.integers() | HUGE | st.floats(allow_nan=False) | ODD_TEXT
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ODD_TEXT, inner, max_size=4), max_leaves=12
)
NOT_A_STRING = (
    st.none()
    | st.booleans()
    | st.integers()
    | HUGE
    | st.floats(allow_nan=False)
    | st.lists(SCALARS, max_size=3)
    | st.dictionaries(ODD_TEXT, SCALARS, max_size=3)
)
NOT_AN_ID = st.none() | st.booleans() | HUGE | st.floats(allow_nan=False) | ODD_TEXT | st.lists(SCALARS, max_size=3)
# Ids that are not whole numbers at all (HUGE holds integers past 64 bits).
NOT_AN_INT = st.none() | st.booleans() | st.floats(allow_nan=False) | ODD_TEXT | st.lists(SCALARS, max_size=3)
# A reply_to or content note that is present and of the wrong type (null
# and "" mean "none", which is valid).
PRESENT_NOT_AN_ID = NOT_AN_ID.filter(lambda v: v not in (None, False, "", []))
PRESENT_NOT_A_STRING = NOT_A_STRING.filter(lambda v: v not in (None, False, 0, 0.0, [], {}))


def _typed(kind, **fields):
    return st.fixed_dictionaries({"type": st.just(kind), **fields})


# Known frame types whose every field is of the wrong type or out of range:
# none of them may store anything.
WRONG_TYPES = st.one_of(
    _typed("message.send", client_id=st.just(str(uuid.uuid4())), body=NOT_A_STRING),
    _typed("message.send", client_id=NOT_A_STRING | ODD_TEXT, body=st.just("a valid body")),
    _typed("message.send", client_id=st.just(str(uuid.uuid4())), body=st.just("hi"), reply_to=PRESENT_NOT_AN_ID),
    _typed("message.send", client_id=st.just(str(uuid.uuid4())), body=st.just("hi"), content_note=PRESENT_NOT_A_STRING),
    _typed("message.edit", id=NOT_AN_ID, body=JSON),
    _typed("message.delete", id=NOT_AN_ID, reason=JSON),
    _typed("reaction.toggle", id=NOT_AN_ID, emoji=JSON),
    # A read marker has no reply when valid; only ids no database can hold are tested here.
    _typed("read", id=NOT_AN_INT | st.integers(max_value=-1) | st.integers(min_value=2**63)),
    # A `before` past every id is a valid request for the newest messages.
    _typed("history", before=NOT_AN_INT, limit=JSON),
    _typed("history", limit=st.integers().filter(lambda n: not 1 <= n <= 100) | HUGE),
    _typed("message.report", id=NOT_AN_ID, reason=JSON, note=JSON),
    _typed("no.such.type"),
    st.fixed_dictionaries({"type": NOT_A_STRING}),
)
RAW = st.one_of(
    JSON.map(json.dumps).filter(lambda t: not t.startswith("{")),  # JSON, but not an object
    ODD_TEXT.filter(lambda t: t and not t.startswith(("{", "["))),  # not JSON at all
    st.integers(min_value=1000, max_value=20000).map(lambda n: "[" * n + "]" * n),  # deep nesting
    st.integers(min_value=1000, max_value=20000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.just("x" * (64 * 1024 + 1)),  # over the frame limit
    st.just('{"type": "message.send", "body": "\\ud800"}'),  # a lone surrogate escape
)
FRAMES = WRONG_TYPES.map(json.dumps) | RAW


def _stored(room):
    from groups.models import CrisisAlert, Membership, Message, Reaction, Report

    return (
        Message.objects.count(),
        Reaction.objects.count(),
        Report.objects.count(),
        CrisisAlert.objects.count(),
        sorted(Membership.objects.filter(room=room).values_list("last_read_message_id", flat=True)),
    )


async def _exchange(cookie, slug, text):
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{slug}/", headers=[ORIGIN, (b"cookie", cookie)])
    connected, _ = await communicator.connect(timeout=3)
    assert connected
    await communicator.send_to(text_data=text)
    await communicator.send_to(text_data='{"type": "ping"}')
    replies = []
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return replies, output.get("code")
        frame = json.loads(output["text"])
        if frame["type"] == "pong":
            await communicator.disconnect()
            return replies, None
        if frame["type"] != "presence":
            replies.append(frame)


def test_fuzzed_frames_get_only_error_frames_and_store_nothing(room, alumnus, alumnus2):
    from groups import actions

    actions.post_message(author=alumnus2, room=room, body="Bob's message", client_id=str(uuid.uuid4()))
    cookie = session_cookie(alumnus).encode()
    before = _stored(room)
    seen = []

    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )
    @given(text=FRAMES)
    def check(text):
        replies, close_code = async_to_sync(_exchange)(cookie, room.slug, text)
        seen.append(text)
        assert close_code is None, f"socket closed ({close_code}) on {text[:200]!r}"
        assert len(replies) == 1, f"{replies} for {text[:200]!r}"
        assert replies[0]["type"] == "error", f"{replies} for {text[:200]!r}"
        assert replies[0]["code"] in {"invalid", "too_long", "not_found", "forbidden"}

    check()
    assert len(seen) >= 100
    assert _stored(room) == before


# --- holes the fuzzing found (groups/, owned by the lead) --------------------------------


async def _one(room, alumnus, alumnus2, frame):
    from asgiref.sync import sync_to_async

    from groups import actions

    message = await sync_to_async(actions.post_message)(
        author=alumnus2, room=room, body="Bob's message", client_id=str(uuid.uuid4())
    )
    cookie = (await sync_to_async(session_cookie)(alumnus)).encode()
    if "id" in frame and frame["id"] == "MESSAGE":
        frame = {**frame, "id": message.message.pk}
    before = await sync_to_async(_stored)(room)
    replies, close_code = await _exchange(cookie, room.slug, json.dumps(frame))
    assert close_code is None
    assert [r["type"] for r in replies] == ["error"]
    assert replies[0]["code"] == "invalid"
    assert await sync_to_async(_stored)(room) == before


@pytest.mark.parametrize("emoji", [[], {}, ["heart"]])
async def test_reaction_with_a_list_or_object_as_emoji_is_invalid(room, alumnus, alumnus2, emoji):
    await _one(room, alumnus, alumnus2, {"type": "reaction.toggle", "id": "MESSAGE", "emoji": emoji})


@pytest.mark.parametrize("message_id", [2**63, 10**30])
async def test_read_with_an_id_past_64_bits_is_invalid(room, alumnus, alumnus2, message_id):
    await _one(room, alumnus, alumnus2, {"type": "read", "id": message_id})


async def test_lone_surrogate_in_a_message_is_invalid(room, alumnus, alumnus2):
    await _one(room, alumnus, alumnus2, {"type": "message.send", "client_id": str(uuid.uuid4()), "body": "hi \ud800"})
