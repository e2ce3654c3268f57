"""Message search across the rooms a member can read.

One function, two engines: PostgreSQL full-text search where available, and
a case-insensitive substring match elsewhere (SQLite)."""

from django.db import connection

from .models import Message, Room


def search_messages(user, query: str, *, limit: int = 50) -> list[Message]:
    readable = (
        Room.objects.visible_to(user).filter(memberships__user=user, memberships__left_at__isnull=True)
        if not _is_site_moderator(user)
        else Room.objects.visible_to(user)
    )
    qs = Message.objects.visible().filter(room__in=readable, deleted_at__isnull=True)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("body", config="english")
        search = SearchQuery(query, config="english", search_type="websearch")
        qs = qs.annotate(rank=SearchRank(vector, search)).filter(rank__gt=0).order_by("-rank", "-id")
    else:
        for word in query.split()[:8]:
            qs = qs.filter(body__icontains=word)
        qs = qs.order_by("-id")
    return list(qs.select_related("room", "author")[:limit])


def _is_site_moderator(user) -> bool:
    from community.permissions import is_site_moderator

    return is_site_moderator(user)
