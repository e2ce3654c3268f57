from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Members"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the receivers that close sockets on sign-out and password change.
        from .realtime import signals  # noqa: F401
