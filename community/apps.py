from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Members"
    default_auto_field = "django.db.models.BigAutoField"
