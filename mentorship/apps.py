from django.apps import AppConfig


class MentorshipConfig(AppConfig):
    name = "mentorship"
    default_auto_field = "django.db.models.BigAutoField"
