"""Outside review finding 12: the invitation limit counted requests, so one
CSV confirm of 2,000 rows counted once. Every invitation e-mail counts now."""

import re

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from community.models import Invitation


def _staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _preview(client, count: int, start: int = 0):
    body = "email,cohort\n" + "".join(f"grad{i}@example.org,\n" for i in range(start, start + count))
    upload = SimpleUploadedFile("grads.csv", body.encode(), content_type="text/csv")
    response = client.post("/staff/invitations/upload/", {"file": upload})
    assert response.status_code == 200
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


def test_a_csv_of_2000_rows_counts_2000_emails_and_sends_none(staff):
    client = _staff_client(staff)
    payload = _preview(client, 2000)

    response = client.post("/staff/invitations/confirm/", {"payload": payload})

    assert response.status_code == 429
    assert "that would be 2000 invitation e-mails" in response.content.decode()
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


def test_csv_rows_and_single_invitations_share_one_email_budget(staff, settings):
    settings.INVITATION_EMAILS_PER_HOUR = 12
    client = _staff_client(staff)

    first = client.post("/staff/invitations/confirm/", {"payload": _preview(client, 10)})
    assert first.status_code == 302
    assert Invitation.objects.count() == 10

    # Two requests so far, but ten e-mails: a second file of three is over.
    second = client.post("/staff/invitations/confirm/", {"payload": _preview(client, 3, start=100)})
    assert second.status_code == 429
    assert Invitation.objects.count() == 10

    singles = [
        client.post("/staff/invitations/new/", {"email": f"single{i}@example.org", "role": "alumnus"}).status_code
        for i in range(3)
    ]
    assert singles == [302, 302, 429]
    assert Invitation.objects.count() == 12


def test_a_refused_invitation_does_not_use_up_the_budget(staff, alumnus, settings):
    settings.INVITATION_EMAILS_PER_HOUR = 2
    client = _staff_client(staff)
    for _ in range(3):
        refused = client.post("/staff/invitations/new/", {"email": alumnus.email, "role": "alumnus"})
        assert refused.status_code == 400  # already a member: nothing sent
    statuses = [
        client.post("/staff/invitations/new/", {"email": f"grad{i}@example.org", "role": "alumnus"}).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]
