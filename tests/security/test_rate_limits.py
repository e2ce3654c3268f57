"""Attempt limits on sign-in (members; the admin signs in through allauth too), invitations and reports;
password reset says the same thing whether or not an address is known."""

import uuid

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from tests.conftest import PASSWORD

ATTACKER = "203.0.113.9"
HOME = "198.51.100.7"


def _sign_in(email, password, ip):
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return client, response


def test_allauth_login_limits_are_on():
    limits = settings.ACCOUNT_RATE_LIMITS
    assert limits is not False
    assert "ip" in limits["login_failed"]
    assert "key" in limits["login_failed"]  # the account at one address (community.adapters)
    assert "key" in limits["login_failed_account"]
    assert "reset_password" in limits


def test_guesser_is_refused_after_repeated_failures_from_their_address(alumnus):
    for _ in range(5):
        _, response = _sign_in(alumnus.email, "wrong-password", ATTACKER)
        assert b"Too many failed login attempts" not in response.content
    # allauth answers with a form error rather than a 429 once the limit holds,
    # and even the right password is refused from that address.
    client, response = _sign_in(alumnus.email, PASSWORD, ATTACKER)
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("who", ["alumnus", "moderator"])
def test_a_guesser_elsewhere_cannot_lock_a_member_out_of_their_own_network(request, who):
    """Outside review finding 7: five wrong passwords from anywhere locked the
    member (moderators included) out everywhere for five minutes."""
    member = request.getfixturevalue(who)
    for _ in range(6):
        _sign_in(member.email, "wrong-password", ATTACKER)
    _, refused = _sign_in(member.email, PASSWORD, ATTACKER)
    assert b"Too many failed login attempts" in refused.content

    client, response = _sign_in(member.email, PASSWORD, HOME)

    assert b"Too many failed login attempts" not in response.content
    assert client.session["_auth_user_id"] == str(member.pk)


def test_guessing_from_many_addresses_meets_the_slower_per_account_back_off(alumnus):
    """The per-account limit (50 an hour) holds against guesses spread over
    many addresses, each under its own limit."""
    for i in range(10):
        for _ in range(5):
            _, response = _sign_in(alumnus.email, "wrong-password", f"203.0.113.{100 + i}")
            assert b"Too many failed login attempts" not in response.content

    client, response = _sign_in(alumnus.email, PASSWORD, "203.0.113.200")

    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_does_not_use_up_the_accounts_attempts(alumnus):
    for i in range(60):
        client, _ = _sign_in(alumnus.email, PASSWORD, f"198.51.100.{i}")
        assert client.session["_auth_user_id"] == str(alumnus.pk)


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
