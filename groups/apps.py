from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Chat rooms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # A queued push about a direct message is checked again as it goes.
        from community.push.delivery import register_send_check

        from .permissions import push_still_allowed

        register_send_check(push_still_allowed)
