"""Privacy tests: the fixed cast plus the everywhere-seeded member."""

import pytest


@pytest.fixture(autouse=True)
def _privacy_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def seeded(alumnus, alumnus2, moderator, staff, outsider, room):
    from .seed import seed_member_everywhere

    return seed_member_everywhere(
        member=alumnus, bob=alumnus2, moderator=moderator, staff=staff, outsider=outsider, room=room
    )
