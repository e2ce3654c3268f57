"""Outside review finding 1 (the rest): with a member's open session and their
password, re-authentication accepted the password alone, and then the
authenticator app could be turned off, the recovery codes read or replaced.
Now a member with an authenticator confirms with a code from it (or a
recovery code), never with the password."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

DEACTIVATE = "/accounts/2fa/totp/deactivate/"
RECOVERY_CODES = "/accounts/2fa/recovery-codes/"
GENERATE = "/accounts/2fa/recovery-codes/generate/"


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def _enrol(user) -> tuple[str, list[str]]:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret, RecoveryCodes.activate(user).get_unused_codes()


def _signed_in_with_two_factor(user, secret) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert client.session["_auth_user_id"] == str(user.pk)
    return client


def _has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@pytest.mark.parametrize("who", ["staff", "moderator", "alumnus"])
def test_an_open_session_and_the_password_cannot_turn_two_factor_off(request, who):
    member = request.getfixturevalue(who)
    secret, codes = _enrol(member)
    client = _signed_in_with_two_factor(member, secret)

    # The password page no longer re-authenticates this member: it sends
    # them to the code page and records nothing.
    reauth = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert reauth.status_code == 302
    assert reauth["Location"].startswith("/accounts/2fa/reauthenticate/")

    deactivate = client.post(DEACTIVATE)
    read_codes = client.get(RECOVERY_CODES)
    regenerate = client.post(GENERATE)

    assert (deactivate.status_code, read_codes.status_code, regenerate.status_code) == (302, 302, 302)
    assert all(
        r["Location"].startswith("/accounts/") and "reauthenticate" in r["Location"]
        for r in (deactivate, read_codes, regenerate)
    )
    assert not any(code in read_codes.content.decode() for code in codes)
    assert _has_totp(member)
    assert RecoveryCodes(Authenticator.objects.get(user=member, type="recovery_codes")).get_unused_codes() == codes


def test_a_recovery_code_on_the_reauthentication_page_lets_the_member_turn_it_off(staff):
    secret, codes = _enrol(staff)
    client = _signed_in_with_two_factor(staff, secret)

    reauth = client.post(f"/accounts/2fa/reauthenticate/?next={DEACTIVATE}", {"code": codes[0]})
    assert reauth.status_code == 302
    deactivate = client.post(DEACTIVATE)

    assert deactivate.status_code == 302
    assert not _has_totp(staff)


def test_a_password_reauthentication_from_before_the_app_was_set_up_does_not_count(alumnus):
    client = Client()
    client.post("/accounts/login/", {"login": alumnus.email, "password": PASSWORD})
    reauth = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert reauth.status_code == 302  # accepted: no authenticator yet
    secret, _codes = _enrol(alumnus)  # set up a minute later, in the same session

    refused = client.post(DEACTIVATE)
    wrong = client.post(DEACTIVATE, {"code": "000000" if _code(secret) != "000000" else "111111"})
    assert (refused.status_code, wrong.status_code) == (200, 200)
    assert _has_totp(alumnus)

    done = client.post(DEACTIVATE, {"code": _code(secret)})
    assert done.status_code == 302
    assert not _has_totp(alumnus)
