"""Erasing one's own account: both message choices, what stays for others,
the audit log's one exception, and the pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from alumni import privacy
from community.models import AuditLog, Notification, User
from groups.models import Membership, Message, Report, Room
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def erase(member, *, keep_messages, capture):
    with capture(execute=True):
        return privacy.erase_member(member=member, password_confirmed=True, keep_messages=keep_messages)


def test_erase_deleting_messages_removes_their_text_and_keeps_reports(seeded, django_capture_on_commit_callbacks):
    message = seeded.member_message

    alias = erase(seeded.member, keep_messages=False, capture=django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert (message.author_id, message.body, message.html, message.crisis_level) == (None, "", "", "")
    assert message.deleted_at is not None
    report = Report.objects.get(message=message)
    assert report.reason == "harassment"
    assert alias == f"member#{seeded.member.pk}"
    assert not User.objects.filter(pk=seeded.member.pk).exists()


def test_erase_keeping_messages_keeps_text_as_former_member(seeded, django_capture_on_commit_callbacks):
    message = seeded.member_message

    erase(seeded.member, keep_messages=True, capture=django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert (message.author_id, message.body, message.deleted_at) == (None, "Hi @Bob, I feel unsafe tonight", None)


def test_erase_rewrites_mentions_of_the_member_in_others_messages(seeded, django_capture_on_commit_callbacks):
    erase(seeded.member, keep_messages=True, capture=django_capture_on_commit_callbacks)

    seeded.bob_message.refresh_from_db()
    assert seeded.bob_message.body == "Thanks for listening @former member"
    assert seeded.bob_message.author.display_name == "Bob"


def test_erase_frees_the_meetup_spot_for_the_waitlist(seeded, alumnus2, django_capture_on_commit_callbacks):
    erase(seeded.member, keep_messages=False, capture=django_capture_on_commit_callbacks)

    seeded.occurrence.refresh_from_db()
    assert (seeded.occurrence.going_count, seeded.occurrence.waitlist_count) == (1, 0)
    assert list(seeded.occurrence.rsvps.values_list("member_id", "status")) == [(alumnus2.pk, "going")]


def test_erase_keeps_room_counts_in_step(seeded, django_capture_on_commit_callbacks):
    erase(seeded.member, keep_messages=False, capture=django_capture_on_commit_callbacks)

    for room in Room.objects.all():
        active = Membership.objects.filter(room=room, left_at__isnull=True).count()
        assert room.member_count == active, room.name


def test_erase_ends_the_mentorship_without_naming_anything(seeded, alumnus2, django_capture_on_commit_callbacks):
    erase(seeded.member, keep_messages=False, capture=django_capture_on_commit_callbacks)

    texts = list(Notification.objects.filter(recipient=alumnus2, kind="match").values_list("text", flat=True))
    assert texts == [
        "One of your mentorships has ended: the other member left the community. Thank you for the time you shared."
    ]
    room = Room.objects.get(pk=seeded.mentorship_room.pk)
    assert (room.name, room.is_locked) == ("Mentorship (ended)", True)


def test_erase_rewrites_other_members_notifications(seeded, alumnus2, moderator, django_capture_on_commit_callbacks):
    erase(seeded.member, keep_messages=False, capture=django_capture_on_commit_callbacks)

    assert Notification.objects.filter(recipient=alumnus2, kind="mention").get().text == (
        "A former member mentioned you in Anxiety"
    )
    assert (
        Notification.objects.filter(recipient=moderator, kind="crisis_alert")
        .get()
        .text.startswith("A former member in Anxiety may be in crisis")
    )


def test_erase_leaves_a_pseudonymous_audit_trail(seeded, staff, django_capture_on_commit_callbacks):
    member_id = seeded.member.pk
    before = AuditLog.objects.count()

    erase(seeded.member, keep_messages=False, capture=django_capture_on_commit_callbacks)

    assert AuditLog.objects.count() == before
    rows = {row.action: row for row in AuditLog.objects.all()}
    assert (rows["report.claim"].actor_id, rows["report.claim"].actor_label) == (None, f"member#{member_id}")
    assert rows["member.role"].actor_label == f"member#{staff.pk} (Sta the staffer)"
    assert (rows["member.role"].target_label, rows["member.role"].details) == (
        f"member#{member_id}",
        {"note": f"member#{member_id} asked"},
    )
    assert rows["invitation.create"].target_label == f"Invitation for member#{member_id}"


def test_audit_log_still_refuses_ordinary_updates(seeded, django_capture_on_commit_callbacks):
    erase(seeded.member, keep_messages=False, capture=django_capture_on_commit_callbacks)
    row = AuditLog.objects.first()

    with pytest.raises(TypeError):
        AuditLog.objects.update(actor_label="someone")
    with pytest.raises(TypeError):
        AuditLog.objects.filter(pk=row.pk).update(target_label="x")
    row.actor_label = "someone"
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get(pk=row.pk).actor_label != "someone"


def test_pseudonymise_touches_only_the_erased_members_rows(alumnus, alumnus2, staff):
    from community.actions import record_audit

    record_audit(actor=staff, action="member.role", target=alumnus2, details={"note": "Alice is fine"})

    changed = AuditLog.objects.pseudonymise_erased_member(
        member_id=alumnus.pk, targets={("user", str(alumnus.pk))}, names=["Alice", alumnus.email]
    )

    row = AuditLog.objects.get()
    assert changed == 0
    assert (row.target_label, row.details) == ("Bob", {"note": "Alice is fine"})


def test_erase_without_password_confirmation_changes_nothing(seeded):
    with pytest.raises(PermissionDenied):
        privacy.erase_member(member=seeded.member, password_confirmed=False, keep_messages=False)

    assert User.objects.filter(pk=seeded.member.pk).exists()
    assert Message.objects.filter(author=seeded.member).count() == 1


def test_erase_refuses_the_only_staff_member(staff):
    with pytest.raises(ValidationError):
        privacy.erase_member(member=staff, password_confirmed=True, keep_messages=False)

    assert User.objects.filter(pk=staff.pk).exists()


# --- pages -------------------------------------------------------------------------


def test_delete_page_shows_the_warning_and_the_choice(client, alumnus):
    client.force_login(alumnus)

    response = client.get(reverse("account_delete"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "This cannot be undone." in body
    assert 'value="keep"' in body
    assert 'value="delete"' in body


def test_delete_with_wrong_password_is_a_form_error_and_changes_nothing(client, seeded):
    client.force_login(seeded.member)
    audit_before = list(AuditLog.objects.values_list("pk", "actor_label", "target_label"))

    response = client.post(
        reverse("account_delete_confirm"),
        {"password": "not-my-password", "messages_choice": "delete", "understood": "on"},
    )

    assert response.status_code == 400
    assert "That password is not right. Nothing was deleted." in response.content.decode()
    seeded.member_message.refresh_from_db()
    assert seeded.member_message.author_id == seeded.member.pk
    assert User.objects.filter(pk=seeded.member.pk, display_name="Alice").exists()
    assert list(AuditLog.objects.values_list("pk", "actor_label", "target_label")) == audit_before
    assert client.get(reverse("account_data")).status_code == 200  # still signed in


def test_delete_without_ticking_the_box_changes_nothing(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("account_delete_confirm"), {"password": PASSWORD, "messages_choice": "delete"})

    assert response.status_code == 400
    assert User.objects.filter(pk=alumnus.pk).exists()


def test_delete_with_password_erases_and_signs_out(client, seeded, django_capture_on_commit_callbacks):
    client.force_login(seeded.member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_delete_confirm"),
            {"password": PASSWORD, "messages_choice": "keep", "understood": "on"},
        )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert not User.objects.filter(pk=seeded.member.pk).exists()
    seeded.member_message.refresh_from_db()
    assert (seeded.member_message.author_id, seeded.member_message.body) == (None, "Hi @Bob, I feel unsafe tonight")
    assert "_auth_user_id" not in client.session


WRITES = ["account_delete_confirm", "account_data_download", "account_sessions_end_others"]
PAGES = ["account_delete", "account_data", "account_sessions"]


@pytest.mark.parametrize("name", WRITES)
def test_write_views_reject_get(client, alumnus, name):
    client.force_login(alumnus)

    assert client.get(reverse(name)).status_code == 405
    assert client.get(reverse("account_session_end", args=[1])).status_code == 405
    assert User.objects.filter(pk=alumnus.pk).exists()


@pytest.mark.parametrize("name", WRITES + PAGES)
def test_privacy_views_require_login(client, alumnus, name):
    response = client.post(reverse(name), {"password": PASSWORD, "messages_choice": "delete", "understood": "on"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert User.objects.filter(pk=alumnus.pk).exists()


def test_profile_page_links_the_data_pages(client, alumnus):
    client.force_login(alumnus)

    body = client.get(reverse("profile")).content.decode()

    for name in PAGES:
        assert f'href="{reverse(name)}"' in body
