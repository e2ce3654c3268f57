"""REQUIRE_MFA_FOR_STAFF: moderators and staff must set up an authenticator
app first; alumni never. Off means nobody is redirected. The allauth MFA
pages render inside our own base template."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.conftest import PASSWORD


def add_totp(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})


@pytest.mark.parametrize(
    ("who", "redirected"),
    [
        ("alumnus", False),
        ("moderator", True),
        ("staff", True),
    ],
)
def test_mfa_on_sends_moderators_and_staff_to_setup(client, request, settings, who, redirected):
    settings.REQUIRE_MFA_FOR_STAFF = True
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("member_directory"))

    if redirected:
        assert response.status_code == 302
        assert response.headers["Location"] == reverse("mfa_activate_totp")
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("who", ["moderator", "staff"])
def test_mfa_on_lets_moderators_with_totp_through(client, request, settings, who):
    settings.REQUIRE_MFA_FOR_STAFF = True
    user = request.getfixturevalue(who)
    add_totp(user)
    client.force_login(user)

    assert client.get(reverse("member_directory")).status_code == 200


@pytest.mark.parametrize("path", ["/accounts/2fa/", "/crisis/", "/healthz", "/accounts/logout/"])
def test_mfa_on_still_allows_setup_crisis_and_sign_out(client, moderator, settings, path):
    settings.REQUIRE_MFA_FOR_STAFF = True
    client.force_login(moderator)

    response = client.get(path)

    assert response.status_code != 302 or response.headers["Location"] != reverse("mfa_activate_totp")


def test_mfa_on_blocks_staff_writes_too(client, staff, settings):
    from community.models import Invitation

    settings.REQUIRE_MFA_FOR_STAFF = True
    client.force_login(staff)

    response = client.post(reverse("staff_invitation_create"), {"email": "x@example.org", "role": "alumnus"})

    assert response.headers["Location"] == reverse("mfa_activate_totp")
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize("who", ["moderator", "staff"])
def test_mfa_off_redirects_nobody(client, request, settings, who):
    settings.REQUIRE_MFA_FOR_STAFF = False
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("member_directory")).status_code == 200


def test_mfa_on_anonymous_is_not_redirected_to_setup(client, settings, db):
    settings.REQUIRE_MFA_FOR_STAFF = True

    response = client.get(reverse("crisis"))

    assert response.status_code == 200


def test_totp_setup_page_renders_inside_our_layout(client, moderator, settings):
    settings.REQUIRE_MFA_FOR_STAFF = True
    client.force_login(moderator)
    # allauth asks for the password again before adding an authenticator;
    # that page must be reachable while MFA setup is pending.
    first = client.get(reverse("mfa_activate_totp"))
    reauth = client.get(first.headers["Location"])
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    response = client.get(reverse("mfa_activate_totp"))

    html = response.content.decode()
    assert reauth.status_code == 200
    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == ["mfa/totp/activate_form.html", "mfa/totp/base.html"]
    assert "allauth/layouts/base.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]
    assert 'class="crisis-bar"' in html
    assert 'id="main"' in html
    assert 'class="allauth"' in html
    assert 'name="code"' in html
    assert 'for="id_code"' in html


def test_mfa_index_renders_inside_our_layout(client, staff):
    client.force_login(staff)

    response = client.get(reverse("mfa_index"))

    assert response.status_code == 200
    assert 'class="crisis-bar"' in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("who", "room_ok"), [("alumnus", True), ("moderator", False)])
async def test_mfa_on_refuses_sockets_until_set_up(settings, room, alumnus, moderator, who, room_ok):
    """Held on the set-up page over HTTP means no sockets either: not the room
    socket (a moderator reads every room), not the crisis console."""
    from channels.db import database_sync_to_async

    from tests.community.test_notification_socket import open_notifications
    from tests.groups.conftest import open_socket

    settings.REQUIRE_MFA_FOR_STAFF = True
    user = {"alumnus": alumnus, "moderator": moderator}[who]
    connected, code, communicator = await open_socket(user, room.slug, expect_ok=False)
    assert (connected, code if not connected else None) == (room_ok, None if room_ok else 4403)
    if connected:
        await communicator.disconnect()
    notify, notify_ok, notify_code = await open_notifications(user)
    assert notify_ok == room_ok
    if notify_ok:
        await notify.disconnect()
    else:
        assert notify_code == 4401
    if not room_ok:
        await database_sync_to_async(add_totp)(user)
        connected, _, communicator = await open_socket(user, room.slug, expect_ok=False)
        assert connected
        await communicator.disconnect()
