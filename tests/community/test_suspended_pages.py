"""A suspended account reaches none of its member pages: notifications and
their read markers refuse it as the rest of the site does."""

import pytest
from django.test import Client
from django.utils import timezone

from community import actions
from community.models import Notification


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/notifications/"), ("post", "/notifications/read/"), ("get", "/profile/")],
)
def test_a_suspended_member_is_refused(alumnus, method, path):
    note = actions.notify(recipient=alumnus, kind=Notification.Kind.GENERAL, text="hello")
    alumnus.suspended_at = timezone.now()
    alumnus.save()
    client = Client()
    client.force_login(alumnus)
    response = getattr(client, method)(path)
    # Signed out at the door (the suspension middleware), so sent to sign in.
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    note.refresh_from_db()
    assert note.read_at is None
