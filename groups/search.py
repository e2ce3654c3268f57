"""Message search across the rooms a member can read: one function, the
database's own full-text engine underneath (FTS5 on SQLite, tsvector with a
GIN index on PostgreSQL; both made by migration 0002)."""

import re

from django.db import connection
from django.db.models.expressions import RawSQL

from . import permissions
from .models import Block, Message

_WORD = re.compile(r"\w+", re.UNICODE)
PG_MATCH = "SELECT id FROM groups_message WHERE to_tsvector('english', body) @@ websearch_to_tsquery('english', %s)"
PG_RANK = "ts_rank(to_tsvector('english', groups_message.body), websearch_to_tsquery('english', %s))"
SQLITE_MATCH = "SELECT rowid FROM groups_message_fts WHERE groups_message_fts MATCH %s"


def search_messages(user, query: str, *, limit: int = 50) -> list[Message]:
    """Visible messages matching every word of `query`, best match first."""
    words = _WORD.findall(query)[:12]
    if not words:
        return []
    qs = Message.objects.visible().filter(room__in=permissions.readable_rooms(user), deleted_at__isnull=True)
    # Members one blocked stay hidden here too, as in the rooms.
    qs = qs.exclude(author__in=Block.objects.filter(blocker=user).values("blocked"))
    if connection.vendor == "postgresql":
        # Literal SQL with the member's words passed as parameters only.
        terms = " ".join(words)
        qs = qs.filter(id__in=RawSQL(PG_MATCH, [terms])).annotate(rank=RawSQL(PG_RANK, [terms]))  # noqa: S611
        qs = qs.order_by("-rank", "-id")
    elif connection.vendor == "sqlite":
        # Each word quoted: FTS5 query syntax in member input must not be parsed.
        match = " ".join('"' + w.replace('"', "") + '"' for w in words)
        qs = qs.filter(
            id__in=RawSQL(SQLITE_MATCH, [match])  # noqa: S611 - parameterised
        ).order_by("-id")
    else:
        for word in words:
            qs = qs.filter(body__icontains=word)
        qs = qs.order_by("-id")
    return list(qs.select_related("room", "author")[:limit])
