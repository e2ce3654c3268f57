"""Inviting one graduate, and what the link does: single use, 14-day expiry,
resend replaces the link, revoke kills it, sign-up is closed without one."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community import actions
from community.models import AuditLog, Invitation, User

NEW_PASSWORD = "a-long-and-new-pass-2026"


def link_from(message) -> str:
    """The /invite/<token>/ path in an invitation email."""
    line = next(ln for ln in message.body.splitlines() if "/invite/" in ln)
    return line[line.index("/invite/") :].strip()


def sign_up(client, link, *, display_name="Newbie", email=None):
    opened = client.get(link)
    data = {"display_name": display_name, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    if email is not None:
        data["email"] = email
    return opened, client.post(reverse("account_signup"), data)


@pytest.fixture
def invitation(staff, cohort, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return actions.invite_member(staff=staff, email="new@example.org", cohort=cohort)


# --- inviting one graduate ---------------------------------------------------------


def test_invite_one_creates_invitation_and_emails_link(client, staff, cohort, django_capture_on_commit_callbacks):
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_invitation_create"), {"email": " New@Example.org ", "cohort": cohort.pk, "role": "alumnus"}
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.cohort, invitation.role, invitation.invited_by) == (
        "new@example.org",
        cohort,
        "alumnus",
        staff,
    )
    assert abs(invitation.expires_at - invitation.created_at - timedelta(days=14)) < timedelta(seconds=1)
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert link_from(mail.outbox[0]) == f"/invite/{invitation.token}/"
    assert list(AuditLog.objects.values_list("action", "actor")) == [("invitation.create", staff.pk)]


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("not-an-address", "Enter a valid email address."),
        ("alice@example.org", "This address already belongs to a member."),
        ("", "This field is required."),
    ],
)
def test_invite_one_bad_input_shows_error_and_changes_nothing(client, staff, alumnus, email, error):
    client.force_login(staff)

    response = client.post(reverse("staff_invitation_create"), {"email": email, "role": "alumnus"})

    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"] == [error]
    assert Invitation.objects.count() == 0
    assert AuditLog.objects.count() == 0
    assert mail.outbox == []


def test_invite_one_with_open_invitation_asks_to_resend(client, staff, invitation):
    client.force_login(staff)
    mail.outbox.clear()

    response = client.post(reverse("staff_invitation_create"), {"email": "NEW@example.org", "role": "alumnus"})

    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"] == [
        "This address already has an open invitation; resend it instead."
    ]
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_invite_one_unknown_role_or_cohort_is_refused(client, staff):
    client.force_login(staff)

    response = client.post(
        reverse("staff_invitation_create"), {"email": "x@example.org", "role": "admin", "cohort": "999"}
    )

    assert response.status_code == 400
    assert set(response.context["invite_form"].errors) == {"role", "cohort"}
    assert Invitation.objects.count() == 0


def test_invite_after_expiry_replaces_the_expired_invitation(staff, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    fresh = actions.invite_member(staff=staff, email="new@example.org")

    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert fresh.status == "pending"


# --- the link ----------------------------------------------------------------------


def test_link_leads_to_signup_with_the_invited_address_read_only(client, invitation):
    response = client.get(f"/invite/{invitation.token}/")

    assert response.status_code == 302
    # No address in the URL: it would land in browser history and logs.
    assert response.headers["Location"] == reverse("account_signup")
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="new@example.org" readonly' in html
    assert page.context["form"].fields["email"].disabled is True


def test_signup_from_invitation_creates_member_and_signs_in(client, invitation, cohort):
    _, response = sign_up(client, f"/invite/{invitation.token}/", display_name="  New   Person ")

    assert response.status_code == 302
    assert response.headers["Location"] == "/welcome/"  # the first-run welcome
    user = User.objects.get(email="new@example.org")
    assert (user.display_name, user.cohort, user.role) == ("New Person", cohort, "alumnus")
    assert user.graduation_date == cohort.graduation_date
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        ("new@example.org", True, True)
    ]
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == ("accepted", user)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_ignores_a_different_posted_address(client, invitation):
    _, response = sign_up(client, f"/invite/{invitation.token}/", email="someone-else@example.org")

    assert response.status_code == 302
    assert list(User.objects.filter(display_name="Newbie").values_list("email", flat=True)) == ["new@example.org"]
    assert not User.objects.filter(email="someone-else@example.org").exists()


def test_signup_with_role_invitation_gives_that_role(client, staff, django_capture_on_commit_callbacks):
    invitation = actions.invite_member(staff=staff, email="mod2@example.org", role="moderator")

    sign_up(client, f"/invite/{invitation.token}/", display_name="Quinn")

    assert User.objects.get(email="mod2@example.org").role == "moderator"


@pytest.mark.parametrize(
    ("display_name", "error"),
    [
        ("A", "Choose a display name of at least 2 characters."),
        ("me@example.org", "A display name cannot contain '@'. A first name or a nickname works well."),
        ("alice", "That display name is taken. Try another one."),
    ],
)
def test_signup_bad_display_name_changes_nothing(client, invitation, alumnus, display_name, error):
    _, response = sign_up(client, f"/invite/{invitation.token}/", display_name=display_name)

    assert response.status_code == 200
    assert response.context["form"].errors["display_name"] == [error]
    assert not User.objects.filter(email="new@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_link_is_single_use(client, invitation):
    sign_up(client, f"/invite/{invitation.token}/")
    other = client.__class__()

    response = other.get(f"/invite/{invitation.token}/")

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    assert User.objects.filter(email="new@example.org").count() == 1


def test_link_expires_after_14_days(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.get(f"/invite/{invitation.token}/")

    assert response.status_code == 404
    assert client.session.get("invitation_id") is None


def test_link_expiring_while_signup_page_is_open_gives_form_error(client, invitation):
    client.get(f"/invite/{invitation.token}/")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.post(
        reverse("account_signup"), {"display_name": "Late", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    # allauth re-checks the adapter first: sign-up is closed again.
    assert response.status_code == 200
    assert "Membership is by invitation" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_unknown_token_is_not_valid(client, invitation):
    response = client.get("/invite/not-a-real-token/")

    assert response.status_code == 404


def test_signed_in_member_opening_a_link_is_told_to_sign_out(client, alumnus, invitation):
    client.force_login(alumnus)

    response = client.get(f"/invite/{invitation.token}/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "invitation_id" not in client.session


# --- resend and revoke ----------------------------------------------------------------


def test_resend_makes_a_new_link_and_the_old_one_stops_working(
    client, staff, invitation, django_capture_on_commit_callbacks
):
    old_token = invitation.token
    client.force_login(staff)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff_invitation_resend", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.token != old_token
    assert invitation.send_count == 2
    assert [link_from(m) for m in mail.outbox] == [f"/invite/{invitation.token}/"]
    client.logout()
    assert client.get(f"/invite/{old_token}/").status_code == 404
    assert client.get(f"/invite/{invitation.token}/").status_code == 302
    assert AuditLog.objects.filter(action="invitation.resend").count() == 1


def test_resend_of_an_expired_invitation_gives_a_fresh_14_days(staff, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))

    actions.resend_invitation(staff=staff, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert invitation.expires_at > timezone.now() + timedelta(days=13)


def test_revoke_kills_the_link(client, staff, invitation):
    client.force_login(staff)

    response = client.post(reverse("staff_invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    client.logout()
    assert client.get(f"/invite/{invitation.token}/").status_code == 404
    assert AuditLog.objects.filter(action="invitation.revoke", target_id=str(invitation.pk)).count() == 1


@pytest.mark.parametrize("name", ["staff_invitation_resend", "staff_invitation_revoke"])
def test_resend_or_revoke_of_a_used_invitation_is_refused_with_a_message(client, staff, invitation, name):
    sign_up(client.__class__(), f"/invite/{invitation.token}/")
    client.force_login(staff)
    before = AuditLog.objects.count()

    response = client.post(reverse(name, args=[invitation.pk]), follow=True)

    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert AuditLog.objects.count() == before
    assert [str(m) for m in response.context["messages"]] == [
        f"Only an open invitation can be {'resent' if 'resend' in name else 'revoked'}."
    ]


def test_resend_of_unknown_invitation_is_404(client, staff):
    client.force_login(staff)

    assert client.post(reverse("staff_invitation_resend", args=[9999])).status_code == 404


# --- sign-up without an invitation ------------------------------------------------------


def test_signup_is_closed_without_an_invitation(client, db):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "account/signup_closed.html"
    assert "Membership is by invitation" in response.content.decode()


def test_signup_post_without_an_invitation_creates_nothing(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "walk-in@example.org",
            "display_name": "Walk in",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "Membership is by invitation" in response.content.decode()
    assert not User.objects.filter(email="walk-in@example.org").exists()


def test_signup_with_revoked_invitation_in_session_is_closed(client, staff, invitation):
    client.get(f"/invite/{invitation.token}/")
    actions.revoke_invitation(staff=staff, invitation=invitation)

    response = client.get(reverse("account_signup"))

    assert "Membership is by invitation" in response.content.decode()
