"""The Django admin only looks. Every change to these rows has an action
(with its permission check, audit row and socket closing) behind a staff or
moderation page, so the admin never writes: a field edited here would skip
all three. Sign-in and password change go through allauth's own pages, so the
MFA stage and the socket-closing signals always run."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .models import AuditLog, Cohort, CrisisResource, FocusArea, Invitation, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "email", "role", "cohort", "is_active"]
    list_filter = ["role", "cohort"]
    search_fields = ["display_name", "email"]
    exclude = ["password", "user_permissions", "groups"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "target_label"]
    list_filter = ["action"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "role", "cohort", "created_at", "accepted_at", "revoked_at"]
    exclude = ["token"]


admin.site.register([Cohort, FocusArea, CrisisResource], ReadOnlyAdmin)


def _login(request, extra_context=None):
    """allauth's sign-in (with its MFA stage and rate limits) instead of the
    admin's password-only form."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?next={target}")


def _password_change(request, extra_context=None):
    # allauth's page sends password_changed, which closes the member's other sockets.
    return redirect("account_change_password")


admin.site.login = _login
admin.site.password_change = _password_change
