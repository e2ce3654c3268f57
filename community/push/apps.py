from django.apps import AppConfig


class PushConfig(AppConfig):
    """Web Push and the installable app: part of the ground floor (community
    notifications reach phones through it), kept in its own app for its tables."""

    name = "community.push"
    label = "push"
    verbose_name = "Web Push"
