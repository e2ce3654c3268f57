"""The channel layers, each a small change to the one it is named after.

InMemoryChannelLayer (the embedded default): Channels' in-memory layer, with
its expiry sweep run at most once a second.

The stock layer sweeps on every receive() — every channel queue and every
group membership of the process. The process's hub (community.realtime.hub)
receives once per broadcast, and the process has a group per room, per
member and per browser session, so each broadcast paid a walk over thousands
of groups (8% of the event loop's time while 50 rooms were busy). Expiry is
kept: queued events and group memberships still expire, at most a second
late.

RedisChannelLayer (CHANNEL_LAYER=core): channels-redis's list-based layer,
with group_send in two round trips to Redis instead of four. The stock
group_send trims the group's expired members, reads the group, trims each
member channel's expired messages and queues the message with a script, each
awaited on its own; here the first two go in one pipeline and the last two
in another. Same commands, same order, same script: what Redis stores and
drops is unchanged, only the waits between them are gone. (A message between
two processes costs the event loops twelve round trips with the stock layer;
bench/results/2026-12-06.analysis.md.)

Both layers also have `receive_many(channel, limit)` for a process-local
channel ("...!..."): it waits for the next message like receive(), then
returns it together with every message already queued behind it, up to
`limit`, in order. The process's hub reads its channel with it. On Redis the
hub then pays one round trip (BZMPOP) per batch instead of four per message
(channels-redis's receive runs a clean-up script, BZPOPMIN, a ZADD to its
backup queue and a ZPOPMIN from it for every message).

group_add is one round trip (a pipeline of the same ZADD and EXPIRE).

RedisChannelLayer.group_send_many sends a list of group messages in two
round trips (the process's ordered sender hands it what queued while one
broadcast was being sent). With one Redis host (the usual deployment) each
trip is one script: READ_GROUPS_LUA trims and reads every group of the list,
QUEUE_MANY_LUA trims every member channel and queues every message, in
order — the commands group_send would have sent, run inside Redis, so the
process no longer builds and parses four Redis replies per message. With
several hosts, one pipeline per host for each trip."""

import hashlib
import logging
import time

from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer as CoreRedisChannelLayer
from redis.exceptions import NoScriptError, ResponseError

try:
    from redis._defaults import DEFAULT_SOCKET_TIMEOUT
except ImportError:  # redis-py before 8 had no default socket timeout
    DEFAULT_SOCKET_TIMEOUT = None

logger = logging.getLogger(__name__)

SWEEP_EVERY = 1.0


RECEIVE_MANY = 100


class InMemoryChannelLayer(InMemoryChannelLayer):
    _last_sweep = float("-inf")

    async def receive_many(self, channel: str, limit: int = RECEIVE_MANY) -> list[dict]:
        messages = [await self.receive(channel)]
        queue = self.channels.get(channel)
        while queue is not None and not queue.empty() and len(messages) < limit:
            messages.append(queue.get_nowait()[1])
        if queue is not None and queue.empty():
            self.channels.pop(channel, None)
        return messages

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY:
            return
        self._last_sweep = now
        super()._clean_expired()


# channels-redis 4.3's own group_send script: queue the message on each
# channel that is under its capacity, and count those that are not.
GROUP_SEND_LUA = """
    local over_capacity = 0
    local current_time = ARGV[#ARGV - 1]
    local expiry = ARGV[#ARGV]
    for i=1,#KEYS do
        if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
            redis.call('ZADD', KEYS[i], current_time, ARGV[i])
            redis.call('EXPIRE', KEYS[i], expiry)
        else
            over_capacity = over_capacity + 1
        end
    end
    return over_capacity
"""


# group_send_many's first trip with one host: each group's expired members
# trimmed (score up to ARGV[1]), then its members read, as group_send does.
READ_GROUPS_LUA = """
    local members = {}
    for i=1,#KEYS do
        redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, ARGV[1])
        members[i] = redis.call('ZRANGE', KEYS[i], 0, -1)
    end
    return members
"""

# Its second trip: for each message in order, each of its channel keys has
# its expired messages trimmed (score up to ARGV[1]), then GROUP_SEND_LUA's
# queueing. ARGV: the trim score, the expiry, then per message its score,
# its number of keys n, n payloads and n capacities; KEYS: every message's
# channel keys, in order. Returns how many channels of each message were
# over capacity.
QUEUE_MANY_LUA = """
    local cutoff, expiry = ARGV[1], ARGV[2]
    local over = {}
    local k, a = 0, 3
    while a <= #ARGV do
        local score, n = ARGV[a], tonumber(ARGV[a + 1])
        local skipped = 0
        for j=1,n do
            local key = KEYS[k + j]
            redis.call('ZREMRANGEBYSCORE', key, 0, cutoff)
            if redis.call('ZCOUNT', key, '-inf', '+inf') < tonumber(ARGV[a + 1 + n + j]) then
                redis.call('ZADD', key, score, ARGV[a + 1 + j])
                redis.call('EXPIRE', key, expiry)
            else
                skipped = skipped + 1
            end
        end
        over[#over + 1] = skipped
        k = k + n
        a = a + 2 + 2 * n
    end
    return over
"""


# Redis names a loaded script by the SHA-1 of its text.
_SHA = {
    script: hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()
    for script in (READ_GROUPS_LUA, QUEUE_MANY_LUA)
}


async def _run_script(connection, script: str, keys: list, args: list):
    """EVALSHA, or EVAL (which also loads the script) if Redis does not have it."""
    try:
        return await connection.evalsha(_SHA[script], len(keys), *keys, *args)
    except NoScriptError:
        return await connection.eval(script, len(keys), *keys, *args)


class GroupSendFailed(Exception):
    """Some of group_send_many's events may not have reached every member."""

    def __init__(self, unsent: list[tuple[str, dict]]):
        super().__init__(f"{len(unsent)} group sends failed")
        self.unsent = unsent


class RedisChannelLayer(CoreRedisChannelLayer):
    _last_score = 0.0  # the score of the last message _group_send_scripted queued

    async def group_send_many(self, events: list[tuple[str, dict]]) -> None:
        """group_send each (group, message), in order, in two round trips for
        the whole list: the first reads its groups once (trimming their
        expired members first), the second queues every message, in the
        list's order, trimming each member channel's expired messages first.
        With one Redis host each trip is one script (_group_send_scripted);
        with several, one pipeline per host, with the same trims and script
        as group_send. A channel gets the messages in the order of the list,
        as it would from group_send after group_send; each group's members
        are read once, at the start, as if the messages had all been sent
        then.

        A host that fails does not stop the others. If any did, this raises
        GroupSendFailed naming the events that may not have reached every
        member (those whose group, or one of whose member channels, lives on
        a failed host), in order, for the caller to send again."""
        if not events:
            return
        if self.ring_size == 1:
            await self._group_send_scripted(events)
            return
        if len(events) == 1:
            await self.group_send(*events[0])
            return
        groups = list(dict.fromkeys(group for group, _ in events))
        for group in groups:
            assert self.require_valid_group_name(group), "Group name not valid"
        by_host: dict[int, list[str]] = {}
        for group in groups:
            by_host.setdefault(self.consistent_hash(group), []).append(group)
        members: dict[str, list[str]] = {}
        failed: list[BaseException] = []
        for index, host_groups in by_host.items():
            try:
                members.update(await self._read_groups(index, host_groups))
            except Exception as exc:
                failed.append(exc)
        unsent = {i for i, (group, _) in enumerate(events) if group not in members}
        pipes: dict = {}
        scripts: dict[int, list[tuple[int, int, int]]] = {}  # host -> (reply index, event index, members)
        for i, (group, message) in enumerate(events):
            channel_names = members.get(group)
            if not channel_names:
                continue
            for index, position in self._queue(pipes, channel_names, message):
                scripts.setdefault(index, []).append((position, i, len(channel_names)))
        for index, pipe in pipes.items():
            try:
                replies = await pipe.execute()
            except Exception as exc:
                failed.append(exc)
                unsent.update(i for _, i, _ in scripts[index])
                continue
            for position, i, count in scripts[index]:
                if replies[position] > 0:
                    logger.info("%s of %s channels over capacity in group %s", replies[position], count, events[i][0])
        if failed:
            raise GroupSendFailed([events[i] for i in sorted(unsent)]) from failed[0]

    async def _group_send_scripted(self, events: list[tuple[str, dict]]) -> None:
        """group_send_many with one Redis host: two scripts, one round trip
        each. Each message is queued with a score above the one this layer
        gave the message before it (in this list or an earlier one), so a
        channel reads them in order even when the clock gives two of them
        the same time or steps back. If a script fails, GroupSendFailed
        names every event it was to carry."""
        groups = list(dict.fromkeys(group for group, _ in events))
        for group in groups:
            assert self.require_valid_group_name(group), "Group name not valid"
        connection = self.connection(0)
        try:
            replies = await _run_script(
                connection,
                READ_GROUPS_LUA,
                [self._group_key(group) for group in groups],
                [int(time.time()) - self.group_expiry],
            )
        except Exception as exc:
            raise GroupSendFailed(list(events)) from exc
        members = {group: [name.decode("utf8") for name in names] for group, names in zip(groups, replies, strict=True)}
        keys: list[str] = []
        args: list = [int(time.time()) - int(self.expiry), self.expiry]
        queued: list[int] = []  # the index of each message the script queues
        last = self._last_score
        for i, (group, message) in enumerate(events):
            channel_names = members[group]
            if not channel_names:
                continue
            to_connection, messages, capacities = self._map_channel_keys_to_connection(channel_names, message)
            channel_keys = to_connection[0]
            last = score = max(time.time(), last + 1e-6)
            keys += channel_keys
            args += [score, len(channel_keys), *(messages[k] for k in channel_keys)]
            args += [capacities[k] for k in channel_keys]
            queued.append(i)
        if not queued:
            return
        self._last_score = last
        try:
            over = await _run_script(connection, QUEUE_MANY_LUA, keys, args)
        except Exception as exc:
            raise GroupSendFailed([events[i] for i in queued]) from exc
        for i, count in zip(queued, over, strict=True):
            if count > 0:
                group = events[i][0]
                logger.info("%s of %s channels over capacity in group %s", count, len(members[group]), group)

    async def group_add(self, group, channel):
        """channels-redis's group_add — ZADD the channel with the time, then
        EXPIRE the group — in one pipeline: one round trip instead of two.
        Every socket joins its member's and its session's groups, so a
        reconnect storm of 1,000 sockets made 4,000 round trips of it."""
        assert self.require_valid_group_name(group), "Group name not valid"
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        group_key = self._group_key(group)
        pipe = self.connection(self.consistent_hash(group)).pipeline(transaction=False)
        pipe.zadd(group_key, {channel: time.time()})
        pipe.expire(group_key, self.group_expiry)
        await pipe.execute()

    async def group_send(self, group, message):
        assert self.require_valid_group_name(group), "Group name not valid"
        channel_names = (await self._read_groups(self.consistent_hash(group), [group]))[group]
        pipes: dict = {}
        self._queue(pipes, channel_names, message)
        for pipe in pipes.values():
            over_capacity = (await pipe.execute())[-1]
            if over_capacity > 0:
                logger.info("%s of %s channels over capacity in group %s", over_capacity, len(channel_names), group)

    async def _read_groups(self, index: int, groups: list[str]) -> dict[str, list[str]]:
        """The members of groups that live on one Redis host, in one pipeline:
        each group's expired members trimmed, then the group read."""
        pipe = self.connection(index).pipeline(transaction=False)
        for group in groups:
            key = self._group_key(group)
            pipe.zremrangebyscore(key, min=0, max=int(time.time()) - self.group_expiry)
            pipe.zrange(key, 0, -1)
        replies = await pipe.execute()
        return {
            group: [name.decode("utf8") for name in names] for group, names in zip(groups, replies[1::2], strict=True)
        }

    def _queue(self, pipes: dict, channel_names: list[str], message: dict) -> list[tuple[int, int]]:
        """Add group_send's commands for `message` to each host's pipeline in
        `pipes` (made when first needed): trim each member channel's expired
        messages, then the script that queues it. Returns (host, reply index)
        of each script."""
        to_connection, messages, capacities = self._map_channel_keys_to_connection(channel_names, message)
        scripts = []
        for index, channel_keys in to_connection.items():
            pipe = pipes.get(index)
            if pipe is None:
                pipe = pipes[index] = self.connection(index).pipeline(transaction=False)
            for channel_key in channel_keys:
                pipe.zremrangebyscore(channel_key, min=0, max=int(time.time()) - int(self.expiry))
            args = [messages[k] for k in channel_keys] + [capacities[k] for k in channel_keys]
            args += [time.time(), self.expiry]
            pipe.eval(GROUP_SEND_LUA, len(channel_keys), *channel_keys, *args)
            scripts.append((index, len(pipe.command_stack) - 1))
        return scripts

    _bzmpop = True  # until Redis says it has no BZMPOP (before 7.0)

    async def receive_many(self, channel: str, limit: int = RECEIVE_MANY) -> list[dict]:
        """The next messages on a process-local channel, at least one, at most
        `limit`, oldest first; only one coroutine may read a channel.

        One BZMPOP (Redis 7) takes what is queued, or waits for the next
        message and takes it: one round trip per batch. Before Redis 7, a
        ZPOPMIN with a count, and BZPOPMIN when the channel is empty. Each is
        atomic in Redis. A read blocks for a quarter of the client's socket
        timeout, so an idle read never times out on our side with a message
        already popped. There is no backup queue: channels-redis's guards a
        message between its pop and the caller against the receiving task
        being cancelled, and the hub's reader is cancelled only when the
        process stops serving its sockets. Messages addressed to another
        channel of this process (a hub that was replaced after Redis went
        away) are dropped, as channels-redis would leave them unread."""
        assert self.require_valid_channel_name(channel)
        assert "!" in channel, "a process-local channel is needed"
        real_channel = self.non_local_name(channel)
        key = self.prefix + real_channel
        connection = self.connection(self.consistent_hash(real_channel))
        block = self._block_timeout(connection)
        while True:
            popped = await self._pop(connection, key, limit, block)
            messages = []
            for content in popped:
                message = self.deserialize(content)
                target = message.pop("__asgi_channel__", channel)
                if target == channel or (isinstance(target, list) and channel in target):
                    messages.append(message)
            if messages:
                return messages

    def _block_timeout(self, connection) -> float:
        socket_timeout = connection.connection_pool.connection_kwargs.get("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        if socket_timeout:
            # A quarter: the reply has three quarters of the timeout to be read,
            # even if Redis or this event loop stalls for a moment.
            return min(self.brpop_timeout, socket_timeout / 4)
        return self.brpop_timeout

    async def _pop(self, connection, key: str, limit: int, block: float) -> list[bytes]:
        if self._bzmpop:
            try:
                result = await connection.bzmpop(block, 1, [key], min=True, count=limit)
            except ResponseError as exc:
                if "unknown command" not in str(exc).lower():
                    raise
                self._bzmpop = False
            else:
                return [member for member, _ in result[1]] if result else []
        popped = await connection.zpopmin(key, limit)
        if popped:
            return [member for member, _ in popped]
        result = await connection.bzpopmin(key, timeout=block)
        return [result[1]] if result else []
