"""Settings for the members tests.

The root conftest sets TASKS_BACKEND and REQUIRE_MFA_FOR_STAFF through the
environment, but pytest-django has already read the settings by then, so
they are pinned here per test: tasks run at once (emails land in the locmem
outbox) and MFA is off unless a test turns it on.
"""

import pytest


@pytest.fixture(autouse=True)
def _community_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.REQUIRE_MFA_FOR_STAFF = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return
