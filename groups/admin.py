"""Read-only: rooms, memberships and messages change through groups.actions
(moderation pages and sockets), which audit and broadcast.

Members-only rooms (two-person, mentorship and support conversations) are
left out altogether, with their messages and memberships: moderators and
staff do not read conversations, nor see who talks with whom, and a
superuser's admin is no way round that."""

from django.contrib import admin

from community.admin import ReadOnlyAdmin

from .models import Membership, Message, Room


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "kind", "member_count", "is_locked"]
    list_filter = ["kind"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(kind__in=Room.MEMBERS_ONLY)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["room", "user", "role", "left_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(room__kind__in=Room.MEMBERS_ONLY)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "room", "created_at", "status"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(room__kind__in=Room.MEMBERS_ONLY)
