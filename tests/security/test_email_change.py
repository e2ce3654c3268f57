"""Outside review finding 15: the primary e-mail could be changed with no
re-authentication and no notice to the old address, so a borrowed session
was enough to take the account over (a password reset then goes to the new
address)."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "taken-over@evil.example"


def _signed_in(member) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(member.pk), response
    mail.outbox.clear()
    return client


def _primary(member) -> str:
    return EmailAddress.objects.get(user=member, primary=True).email


def test_adding_an_address_needs_a_fresh_reauthentication(alumnus):
    client = _signed_in(alumnus)

    response = client.post("/accounts/email/", {"action_add": "", "email": NEW})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not EmailAddress.objects.filter(email=NEW).exists()
    assert mail.outbox == []


def test_making_another_address_primary_needs_a_fresh_reauthentication(alumnus):
    # The attacker already added and confirmed their address somehow.
    EmailAddress.objects.create(user=alumnus, email=NEW, verified=True, primary=False)
    client = _signed_in(alumnus)

    response = client.post("/accounts/email/", {"action_primary": "", "email": NEW})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert _primary(alumnus) == "alice@example.org"
    assert mail.outbox == []


def test_after_reauthentication_the_change_goes_through_and_the_old_address_is_told(alumnus):
    EmailAddress.objects.create(user=alumnus, email=NEW, verified=True, primary=False)
    client = _signed_in(alumnus)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})

    response = client.post("/accounts/email/", {"action_primary": "", "email": NEW})

    assert response.status_code == 302
    assert _primary(alumnus) == NEW
    notices = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert len(notices) == 1
    assert NEW in notices[0].body
    assert "Tell the program's staff" in notices[0].body
