"""Read-only: rooms, memberships and messages change through groups.actions
(moderation pages and sockets), which audit and broadcast."""

from django.contrib import admin

from community.admin import ReadOnlyAdmin

from .models import Membership, Message, Room


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "kind", "member_count", "is_locked"]
    list_filter = ["kind"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["room", "user", "role", "left_at"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "room", "created_at", "status"]
