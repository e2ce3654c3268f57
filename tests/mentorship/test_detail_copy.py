"""A proposal's page speaks to whoever reads it: the mentee who chose a
mentor reads "You accepted; waiting for Bob.", never their own name as a
third person; the mentor reads "Alice has accepted."; staff read both names.
Its "Why this match" lists only what the pair shares."""

import re

import pytest

pytestmark = pytest.mark.django_db


def status_line(html: str) -> str:
    line = re.search(r'<p><span class="mt-pill.*?</p>', html, re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", line).split())


def test_the_mentee_is_told_they_accepted(client, alumnus, mentor, proposal):
    client.force_login(alumnus)

    line = status_line(client.get(f"/mentors/m/{proposal.pk}/").content.decode())

    assert f"You accepted; waiting for {mentor.display_name}." in line
    assert f"{alumnus.display_name} accepted" not in line


def test_the_mentor_is_told_the_mentee_accepted(client, alumnus, mentor, proposal):
    client.force_login(mentor)

    line = status_line(client.get(f"/mentors/m/{proposal.pk}/").content.decode())

    assert f"{alumnus.display_name} has accepted." in line
    assert "You accepted" not in line


def test_staff_read_both_names(client, staff, alumnus, proposal):
    client.force_login(staff)

    line = status_line(client.get(f"/mentors/m/{proposal.pk}/").content.decode())

    assert f"{alumnus.display_name} accepted." in line


def test_why_this_match_lists_no_gaps(client, alumnus, mentor, proposal):
    client.force_login(alumnus)

    html = client.get(f"/mentors/m/{proposal.pk}/").content.decode()
    why = html.split('id="why-h"')[1].split("</section>")[0]

    assert "<li>" in why
    for gap in ("no shared", "different meeting", "same program track"):
        assert gap not in why
