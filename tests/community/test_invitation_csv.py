"""Bulk invitations: the CSV is previewed with every bad row listed by line
and reason, nothing is sent until staff confirm, and confirm checks again."""

import re

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from community import actions
from community.models import AuditLog, Invitation
from community.staff_views import CSV_SALT


def upload(client, text: str, name="graduates.csv", *, encoding="utf-8"):
    file = SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")
    return client.post(reverse("staff_invitation_csv"), {"file": file})


def payload_of(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_preview_lists_every_bad_row_by_line_and_reason(staff_client, staff, alumnus, cohort, other_cohort):
    actions.invite_member(staff=staff, email="pending@example.org")
    mail.outbox.clear()
    text = (
        "email,cohort\n"  # 1 header
        "one@example.org,spring\n"  # 2 ok (short name)
        "two@example.org,Fall cohort\n"  # 3 ok (full name, any case)
        "not-an-email,spring\n"  # 4 malformed
        "three@example.org,winter\n"  # 5 unknown cohort
        "ALICE@example.org,spring\n"  # 6 already a member
        "one@example.org,fall\n"  # 7 duplicate of line 2
        "\n"  # 8 blank: skipped
        "pending@example.org,\n"  # 9 already invited
        "four@example.org,spring,x\n"  # 10 too many columns
        "five@example.org\n"  # 11 ok, no cohort
    )

    response = upload(staff_client, text)

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.errors == [
        (4, "not-an-email", "malformed email address"),
        (5, "three@example.org", "unknown cohort “winter”"),
        (6, "alice@example.org", "already a member"),
        (7, "one@example.org", "duplicate of line 2"),
        (9, "pending@example.org", "already has an open invitation (resend it instead)"),
        (10, "four@example.org,spring,x", "too many columns (expected: email, cohort)"),
    ]
    assert [(r.line, r.email, r.cohort) for r in preview.valid] == [
        (2, "one@example.org", cohort),
        (3, "two@example.org", other_cohort),
        (11, "five@example.org", None),
    ]
    html = response.content.decode()
    assert "6 rows cannot be invited" in html
    assert 'name="payload"' not in html  # no confirm button while any row is bad
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_clean_file_previews_and_confirm_sends_all(staff_client, staff, cohort, django_capture_on_commit_callbacks):
    response = upload(staff_client, "a@example.org,spring\nb@example.org,\n")
    assert response.status_code == 200
    assert Invitation.objects.count() == 0
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = staff_client.post(reverse("staff_invitation_csv_confirm"), {"payload": payload_of(response)})

    assert confirmed.status_code == 302
    assert sorted(Invitation.objects.values_list("email", "cohort__slug")) == [
        ("a@example.org", "spring"),
        ("b@example.org", None),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert sorted(AuditLog.objects.values_list("action", flat=True)) == [
        "invitation.bulk",
        "invitation.create",
        "invitation.create",
    ]


def test_confirm_revalidates_and_sends_nothing_if_something_changed(staff_client, staff, cohort):
    response = upload(staff_client, "a@example.org,spring\nb@example.org,spring\n")
    # Between preview and confirm, someone invites b@ by hand.
    actions.invite_member(staff=staff, email="b@example.org")
    mail.outbox.clear()

    confirmed = staff_client.post(reverse("staff_invitation_csv_confirm"), {"payload": payload_of(response)})

    assert confirmed.status_code == 409
    assert confirmed.context["stale"] is True
    assert confirmed.context["preview"].errors == [
        (2, "b@example.org", "already has an open invitation (resend it instead)")
    ]
    assert list(Invitation.objects.values_list("email", flat=True)) == ["b@example.org"]
    assert mail.outbox == []


@pytest.mark.parametrize(
    "payload",
    ["", "garbage", signing.dumps({"by": 1, "rows": []}, salt="other")],
    ids=["empty", "garbage", "signed-for-another-use"],
)
def test_confirm_with_a_forged_payload_sends_nothing(staff_client, payload):
    response = staff_client.post(reverse("staff_invitation_csv_confirm"), {"payload": payload}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "That preview could not be read. Upload the file again; nothing was sent."
    ]
    assert Invitation.objects.count() == 0


def test_confirm_with_someone_elses_preview_sends_nothing(staff_client, alumnus):
    payload = signing.dumps({"by": alumnus.pk, "rows": [[1, "a@example.org", ""]]}, salt=CSV_SALT)

    response = staff_client.post(reverse("staff_invitation_csv_confirm"), {"payload": payload}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "That preview belongs to someone else. Upload the file again; nothing was sent."
    ]
    assert Invitation.objects.count() == 0


def test_confirm_of_an_old_preview_sends_nothing(staff_client, staff, settings, monkeypatch):
    payload = signing.dumps({"by": staff.pk, "rows": [[1, "a@example.org", ""]]}, salt=CSV_SALT)
    monkeypatch.setattr("community.staff_views.CSV_MAX_AGE", -1)

    response = staff_client.post(reverse("staff_invitation_csv_confirm"), {"payload": payload}, follow=True)

    assert "more than an hour old" in str(next(iter(response.context["messages"])))
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "encoding", "error"),
    [
        ("", "utf-8", "The submitted file is empty."),
        ("email,cohort\n\n", "utf-8", "That file has no rows."),
        ("zoë@example.org,spring\n", "latin-1", "Save the file as UTF-8 CSV and upload it again."),
        ('"unterminated,spring\n', "utf-8", None),
    ],
)
def test_unreadable_file_gives_a_clear_error(staff_client, cohort, content, encoding, error):
    response = upload(staff_client, content, encoding=encoding)

    if error is None:
        # An unterminated quote swallows the rest: reported as a bad row, not a crash.
        assert response.status_code == 200
        assert response.context["preview"].valid == []
        assert len(response.context["preview"].errors) == 1
    else:
        assert response.status_code == 400
        assert response.context["csv_form"].errors["file"] == [error]
    assert Invitation.objects.count() == 0


def test_too_large_file_is_refused(staff_client):
    response = upload(staff_client, "a@example.org,\n" * 40000)

    assert response.status_code == 400
    assert response.context["csv_form"].errors["file"] == [
        "That file is too large. Split it into files of under 500 KB."
    ]


def test_invite_many_is_all_or_nothing(staff, cohort):
    actions.invite_member(staff=staff, email="taken@example.org")

    with pytest.raises(Exception, match="open invitation"):
        actions.invite_many(staff=staff, rows=[("fresh@example.org", cohort), ("taken@example.org", None)])

    assert list(Invitation.objects.values_list("email", flat=True)) == ["taken@example.org"]


# --- the invitations list ------------------------------------------------------------


def _invite(staff, cohort, n):
    for i in range(n):
        actions.invite_member(staff=staff, email=f"grad{i}@example.org", cohort=cohort)


@pytest.mark.parametrize("count", [1, 3])
def test_invitation_list_query_count(client, staff, cohort, count, django_assert_num_queries):
    _invite(staff, cohort, count)
    client.force_login(staff)

    # 1 session, 2 user, 3 unread notifications (header badge),
    # 4 count for the paginator, 5 the page of invitations with cohort and inviter,
    # 6 cohorts for the single-invite form's select, 7 open crisis alerts (header badge).
    with django_assert_num_queries(7):
        response = client.get(reverse("staff_invitations"))

    assert [i.email for i in response.context["invitations"]] == [
        f"grad{i}@example.org" for i in reversed(range(count))
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending", ["open@example.org"]),
        ("revoked", ["gone@example.org"]),
        ("all", ["gone@example.org", "open@example.org"]),
    ],
)
def test_invitation_list_filters_by_status(client, staff, status, expected):
    actions.invite_member(staff=staff, email="open@example.org")
    gone = actions.invite_member(staff=staff, email="gone@example.org")
    actions.revoke_invitation(staff=staff, invitation=gone)
    client.force_login(staff)

    response = client.get(reverse("staff_invitations"), {"status": status})

    assert [i.email for i in response.context["invitations"]] == expected


@pytest.mark.parametrize("who", ["alumnus", "moderator"])
def test_invitation_list_is_staff_only(client, request, who, staff):
    actions.invite_member(staff=staff, email="secret@example.org")
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("staff_invitations"))

    assert response.status_code == 404
    assert b"secret@example.org" not in response.content
