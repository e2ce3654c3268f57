"""Attempt limits on sign-in (members; the admin signs in through allauth too), invitations and reports;
password reset says the same thing whether or not an address is known."""

import uuid

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from tests.conftest import PASSWORD


def test_allauth_login_limits_are_on():
    limits = settings.ACCOUNT_RATE_LIMITS
    assert limits is not False
    assert "login_failed" in limits
    assert "key" in limits["login_failed"]
    assert "ip" in limits["login_failed"]
    assert "reset_password" in limits


def test_member_login_is_refused_after_repeated_failures(alumnus):
    client = Client()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": alumnus.email, "password": "wrong-password"})
        assert b"Too many failed login attempts" not in response.content
    # allauth answers with a form error rather than a 429 once the limit holds,
    # and even the right password is refused.
    response = client.post("/accounts/login/", {"login": alumnus.email, "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_admin_sign_in_is_allauths_so_a_password_alone_never_opens_the_admin(staff):
    """The admin's password-only form would skip allauth's MFA stage and its
    limits: /admin/login/ sends everyone to allauth's sign-in instead."""
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/admin/")
    assert "_auth_user_id" not in client.session
    response = client.get("/admin/login/?next=//evil.example/")
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_admin_password_change_is_allauths(staff):
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/password_change/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/password/change/")


def test_invitations_are_limited_per_staff_member(staff):
    from community.models import Invitation

    client = Client()
    client.force_login(staff)
    statuses = [
        client.post("/staff/invitations/new/", {"email": f"grad{i}@example.org", "role": "alumnus"}).status_code
        for i in range(31)
    ]
    assert statuses == [302] * 30 + [429]
    assert Invitation.objects.count() == 30


def test_invitation_resend_counts_towards_the_same_limit(staff):
    from community import actions

    invitation = actions.invite_member(staff=staff, email="grad@example.org")
    client = Client()
    client.force_login(staff)
    statuses = [client.post(f"/staff/invitations/{invitation.pk}/resend/").status_code for _ in range(31)]
    assert statuses[-1] == 429
    assert set(statuses[:30]) == {302}


def test_password_reset_does_not_reveal_whether_an_address_exists(alumnus):
    known = Client().post("/accounts/password/reset/", {"email": alumnus.email})
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody-here@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    done_known = Client().get(known["Location"]).content.replace(alumnus.email.encode(), b"")
    done_unknown = Client().get(unknown["Location"]).content.replace(b"nobody-here@example.org", b"")
    assert done_known.count(b"<") == done_unknown.count(b"<")
    # The unknown address gets an e-mail that says no account exists (allauth's
    # prevent-enumeration behaviour), the known one a reset link: both get mail.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alumnus.email, "nobody-here@example.org"])


@pytest.mark.django_db(transaction=True)
async def test_reports_are_rate_limited(room, alumnus, alumnus2, settings):
    from asgiref.sync import sync_to_async

    settings.RATE_LIMIT_BURST = 100  # the setup posts 25 messages at once

    from groups import actions
    from tests.groups.conftest import open_socket

    ids = []
    for i in range(25):
        result = await sync_to_async(actions.post_message)(
            author=alumnus2, room=room, body=f"message {i}", client_id=str(uuid.uuid4())
        )
        ids.append(result.message.pk)
    socket = await open_socket(alumnus, room.slug)
    codes = []
    for message_id in ids:
        await socket.send({"type": "message.report", "id": message_id, "reason": "spam"})
        while True:
            frame = await socket.recv()
            if frame["type"] in ("report.received", "error"):
                codes.append(frame.get("code", "ok"))
                break
    await socket.close()
    assert "rate_limited" in codes
