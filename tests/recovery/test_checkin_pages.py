"""The check-in form, the page after it, My progress and one week's
answers, over HTTP: what the member sees, what is stored, and the queries."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import CrisisAlert
from recovery import actions
from recovery.models import CheckIn

from .conftest import ALICE_NOTE, ALICE_REASON, answers, checkin_at

pytestmark = pytest.mark.django_db


def weeks_ago(n: int):
    return timezone.now() - timedelta(weeks=n)


# --- the form --------------------------------------------------------------------------


def test_form_is_fieldsets_of_radio_groups_with_legends(client, alumnus):
    client.force_login(alumnus)

    body = client.get(reverse("recovery:checkin")).content.decode()

    assert body.count("<fieldset") == 11
    assert body.count("<legend") == 11
    assert '<legend class="ci-legend">Feeling down, depressed or hopeless</legend>' in body
    assert body.count('type="radio" name="craving"') == 11
    assert body.count('type="checkbox" name="attended"') == 3
    assert 'for="id_note"' in body
    assert "Over the last 2 weeks, how often have you been bothered by:" in body


def test_form_requires_login(client):
    response = client.get(reverse("recovery:checkin"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_posting_stores_the_check_in_and_thanks(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:checkin"), answers())

    assert response.status_code == 302
    assert response["Location"] == reverse("recovery:checkin_done")
    checkin = CheckIn.objects.get(member=alumnus)
    assert checkin.answers["note"] == ALICE_NOTE
    done = client.get(response["Location"]).content.decode()
    assert "Thank you for checking in" in done
    assert "Talk to a moderator now" not in done


def test_bad_answers_are_listed_and_nothing_is_saved(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:checkin"), answers(craving="12", sleep=None))

    body = response.content.decode()
    assert response.status_code == 400
    assert CheckIn.objects.count() == 0
    assert '<a href="#q-craving">' in body
    assert '<a href="#q-sleep">' in body
    # What the member chose is kept for them.
    assert 'name="stress" value="2" checked' in body


def test_the_form_is_filled_with_this_weeks_answers(client, alumnus):
    checkin_at(alumnus, timezone.now(), craving="7")
    client.force_login(alumnus)

    body = client.get(reverse("recovery:checkin")).content.decode()

    assert 'name="craving" value="7" checked' in body
    assert ALICE_NOTE in body
    assert "Save changes" in body


def test_staff_and_others_do_not_see_alices_answers(client, alumnus, staff, moderator, alumnus2):
    checkin_at(alumnus, timezone.now())
    for other in (staff, moderator, alumnus2):
        client.force_login(other)
        for url in (reverse("recovery:checkin"), reverse("recovery:progress")):
            assert ALICE_NOTE not in client.get(url).content.decode()


# --- risk, over HTTP ----------------------------------------------------------------------


def test_concern_shows_the_card_with_the_members_own_plan_and_a_request_button(client, alumnus, alice_plan):
    actions.save_relapse_plan(member=alumnus, data={"rp_triggers": "Alice-trigger: payday Fridays"})
    checkin_at(alumnus, weeks_ago(1), craving="2")
    client.force_login(alumnus)

    client.post(reverse("recovery:checkin"), answers(phq2_interest="2", phq2_down="2", craving="6"))
    body = client.get(reverse("recovery:checkin_done")).content.decode()

    assert "It sounds like this week has been hard" in body
    assert ALICE_REASON in body
    assert "Alice-trigger: payday Fridays" in body
    assert f'action="{reverse("moderation:request")}"' in body
    assert CrisisAlert.objects.count() == 0


def test_the_one_tap_request_reaches_a_moderator_only_when_tapped(client, alumnus, moderator):
    client.force_login(alumnus)
    client.post(reverse("recovery:checkin"), answers(safety="not_safe"))
    assert CrisisAlert.objects.count() == 0

    response = client.post(reverse("moderation:request"), {"next": reverse("recovery:checkin_done")})

    assert response["Location"] == reverse("recovery:checkin_done")
    alert = CrisisAlert.objects.get(member=alumnus)
    assert alert.source == CrisisAlert.Source.REQUEST


def test_danger_opens_an_alert_and_says_so(client, alumnus, moderator):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:checkin"), answers(safety="danger"), follow=True)

    body = response.content.decode()
    assert CrisisAlert.objects.filter(member=alumnus, status="open", urgent=True).count() == 1
    assert "You said you're in danger right now" in body
    assert "The moderator on duty has been asked to reach out to you now" in body
    assert 'href="tel:988"' in body


# --- My progress --------------------------------------------------------------------------


def test_progress_draws_svg_charts_with_gaps_and_a_table(client, alumnus):
    for n, craving in ((5, "4"), (4, "5"), (1, "2"), (0, "1")):
        checkin_at(alumnus, weeks_ago(n), craving=craving)
    client.force_login(alumnus)

    body = client.get(reverse("recovery:progress")).content.decode()

    craving = body[body.index('id="chart-craving-t"') :]
    craving = craving[: craving.index("</svg>")]
    # Two runs of weeks, broken where there was no check-in: two lines, four dots.
    assert craving.count('<path class="ci-line"') == 2
    assert craving.count('<circle class="ci-dot"') == 4
    assert 'role="img"' in craving
    assert "4 of 12 weeks answered; lowest 1, highest 5, latest 1" in craving
    assert "<table>" in body
    assert "4 weeks in the last 12. 2 weeks in a row" in body
    assert "https://" not in craving
    assert "<script" not in body.split("</header>")[1]


def test_progress_never_shames_a_gap(client, alumnus):
    checkin_at(alumnus, weeks_ago(6))
    client.force_login(alumnus)

    body = client.get(reverse("recovery:progress")).content.decode().lower()

    for word in ("missed", "broke", "failed", "lost your streak"):
        assert word not in body
    assert "1 week in the last 12." in body


@pytest.mark.parametrize("range_key", ["12w", "6m", "1y", "junk"])
def test_progress_ranges(client, alumnus, range_key):
    client.force_login(alumnus)

    response = client.get(reverse("recovery:progress"), {"range": range_key})

    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_progress_queries(client, alumnus, count, django_assert_num_queries):
    for n in range(count):
        checkin_at(alumnus, weeks_ago(n))
    client.force_login(alumnus)
    # 1 session, 2 the member, 3 the check-ins of the range, 4 unread notifications (header).
    with django_assert_num_queries(4):
        response = client.get(reverse("recovery:progress"))
    assert response.content.decode().count("recovery/progress/") >= 0
    assert len(re.findall(r'href="/me/progress/\d{4}-\d{2}-\d{2}/"', response.content.decode())) == count


@pytest.mark.parametrize("count", [1, 3])
def test_checkin_form_queries(client, alumnus, count, django_assert_num_queries):
    for n in range(count):
        checkin_at(alumnus, weeks_ago(n))
    client.force_login(alumnus)
    # 1 session, 2 the member, 3 this week's check-in, 4 unread notifications.
    with django_assert_num_queries(4):
        client.get(reverse("recovery:checkin"))


def test_a_week_page_shows_the_answers_in_words(client, alumnus):
    checkin = checkin_at(alumnus, timezone.now(), phq2_down="2")
    client.force_login(alumnus)

    body = client.get(reverse("recovery:week", args=[checkin.week_start.isoformat()])).content.decode()

    assert "More than half the days" in body
    assert "A meeting, An alumni meetup" in body
    assert ALICE_NOTE in body


@pytest.mark.parametrize("who", ["alumnus2", "moderator", "staff"])
def test_someone_elses_week_is_missing(client, request, alumnus, who):
    checkin = checkin_at(alumnus, timezone.now())
    client.force_login(request.getfixturevalue(who))

    url = reverse("recovery:week", args=[checkin.week_start.isoformat()])
    assert client.get(url).status_code == 404
    assert client.post(reverse("recovery:week_delete", args=[checkin.week_start.isoformat()])).status_code == 404
    assert CheckIn.objects.count() == 1


def test_a_bad_week_is_missing(client, alumnus):
    client.force_login(alumnus)

    assert client.get("/me/progress/not-a-date/").status_code == 404


def test_delete_a_week(client, alumnus):
    checkin = checkin_at(alumnus, timezone.now())
    client.force_login(alumnus)
    url = reverse("recovery:week_delete", args=[checkin.week_start.isoformat()])

    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert CheckIn.objects.count() == 0


# --- the reminder form ----------------------------------------------------------------------


def test_reminder_form_saves_day_and_time(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:reminder"), {"enabled": "on", "weekday": "3", "time": "07:30"})

    assert response.status_code == 302
    schedule = alumnus.checkin_schedule
    assert (schedule.weekday, schedule.time.isoformat(), schedule.enabled) == (3, "07:30:00", True)


def test_reminder_form_refuses_a_bad_day_and_changes_nothing(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:reminder"), {"enabled": "on", "weekday": "9", "time": "07:30"})

    assert response.status_code == 400
    assert not hasattr(alumnus, "checkin_schedule") or alumnus.checkin_schedule is None


def test_home_page_offers_the_check_in(client, alumnus):
    client.force_login(alumnus)

    body = client.get("/").content.decode()

    assert "My recovery" in body
    assert 'href="/me/check-in/"' in body


def test_reminder_by_email_is_the_same_choice_as_on_the_profile(
    client, alumnus, mailoutbox, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    client.force_login(alumnus)

    client.post(reverse("recovery:reminder"), {"enabled": "on", "by_email": "on", "weekday": "2", "time": "09:00"})

    alumnus.refresh_from_db()
    assert alumnus.email_notification_kinds == ["checkin"]
    assert 'name="by_email" id="id_by_email" checked' in client.get(reverse("recovery:reminder")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_due_checkin_reminders(now=datetime(2026, 3, 4, 15, 0, tzinfo=UTC))
    assert [m.subject for m in mailoutbox] == ["[Alumni Community] Check-in reminder"]
    assert "Alice-note" not in mailoutbox[0].body

    client.post(reverse("recovery:reminder"), {"enabled": "on", "weekday": "2", "time": "09:00"})
    alumnus.refresh_from_db()
    assert alumnus.email_notification_kinds == []
