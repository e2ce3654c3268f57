"""The event loop's ordered sender (community.realtime._OrderedSender): what
queued while a broadcast was being sent goes to the layer together, and what
a failed batch may not have delivered is sent again, one by one, in order."""

import asyncio
import threading

import pytest

from community.channel_layers import GroupSendFailed
from community.realtime import _OrderedSender


class Layer:
    def __init__(self, fail_batch=None):
        self.batches: list[list[int]] = []
        self.singles: list[int] = []
        self.fail_batch = fail_batch  # a batch -> the exception to raise, or None

    async def group_send_many(self, events):
        batch = [message["n"] for _, message in events]
        self.batches.append(batch)
        exc = self.fail_batch(events) if self.fail_batch else None
        if exc is not None:
            raise exc

    async def group_send(self, group, message):
        if message.get("fail"):
            raise ConnectionError("gone")
        self.singles.append(message["n"])


async def _run(layer, events, then=()):
    """Hand `events` over from a worker thread while the loop is busy (they
    all queue), then `then` once the first lot has gone."""
    sender = _OrderedSender(layer, asyncio.get_running_loop())
    for lot in (events, then):
        thread = threading.Thread(target=lambda lot=lot: [sender.submit(layer, e) for e in lot])
        thread.start()
        thread.join()
        for _ in range(20):
            await asyncio.sleep(0.01)
    sender.task.cancel()


def _events(count, **extra):
    return [{"group": f"room.{n % 3}", "type": "frame", "n": n, **extra} for n in range(count)]


def test_what_queued_goes_together_in_order():
    async def main():
        layer = Layer()
        events = _events(80)
        await _run(layer, events[:70], then=events[70:71])
        assert layer.batches == [list(range(64)), list(range(64, 70))]  # at most 64 at a time
        assert layer.singles == [70]  # alone in the queue: a plain group_send

    asyncio.run(main())


@pytest.mark.parametrize("partial", [True, False], ids=["named", "unknown"])
def test_a_failed_batch_is_sent_again_one_by_one(partial, caplog):
    def fail(events):
        if partial:  # the layer names what may not have gone out
            return GroupSendFailed([e for e in events if e[1]["n"] % 2])
        return ConnectionError("the layer went away")

    async def main():
        layer = Layer(fail_batch=fail)
        events = _events(8)
        events[5]["fail"] = True  # and one of them fails again on its own
        await _run(layer, events)
        again = [1, 3, 7] if partial else [0, 1, 2, 3, 4, 6, 7]
        assert layer.batches == [list(range(8))]
        assert layer.singles == again

    asyncio.run(main())
    assert "sending them one by one" in caplog.text
    assert "broadcast to room.2 failed" in caplog.text  # event 5, logged, the others still went
