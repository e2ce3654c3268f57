from django.contrib import admin

from .models import Membership, Message, Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "member_count", "is_locked"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in Room._meta.fields]

    def has_add_permission(self, request):
        return False  # rooms are created through the app, which audits it


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["room", "user", "role", "left_at"]
    readonly_fields = [f.name for f in Membership._meta.fields]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "created_at", "status"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False
