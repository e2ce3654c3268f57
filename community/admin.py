from django.contrib import admin

from .models import AuditLog, Cohort, CrisisResource, FocusArea, Invitation, User
from .ratelimit import admin_login_limit


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["display_name", "email", "role", "cohort", "is_active"]
    list_filter = ["role", "cohort"]
    search_fields = ["display_name", "email"]
    readonly_fields = ["role", "password", "last_login", "date_joined", "suspended_at"]
    exclude = ["user_permissions", "groups"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "target_label"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register([Cohort, FocusArea, CrisisResource, Invitation])

# The admin's own sign-in has no attempt limit; allauth's limits cover only
# the member sign-in. Wrapped here so the route keeps its name (admin:login).
admin.site.login = admin_login_limit(admin.site.login)
