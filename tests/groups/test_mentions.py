"""Who a message mentions: names with spaces, any case, followed by
punctuation; never a non-member; and the lookup reads only the members whose
name could match (not the whole room)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Notification
from groups import actions
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def post(author, room, body):
    return actions.post_message(author=author, room=room, body=body, client_id=uuid.uuid4()).message


def mentioned(user):
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.MENTION).count()


def test_names_with_spaces_case_and_punctuation(room, alumnus, alumnus2, cohort):
    jo = make_member("jo@example.org", "Jo Ann", cohort=cohort)
    actions.join_room(member=jo, room=room)
    message = post(alumnus, room, "thanks @jo ann, and @BOB!")
    assert mentioned(jo) == 1
    assert mentioned(alumnus2) == 1
    assert message.html.count('class="mention"') == 2


def test_no_mention_without_an_at_before_the_name_or_for_a_non_member(room, alumnus, alumnus2, outsider):
    post(alumnus, room, "Bob said hi, mail bob@example.org")
    post(alumnus, room, f"@{outsider.display_name} are you here?")
    assert mentioned(alumnus2) == 0
    assert mentioned(outsider) == 0


def test_the_lookup_reads_only_members_whose_name_could_match(room, alumnus, alumnus2, cohort):
    for i in range(30):
        actions.join_room(member=make_member(f"m{i}@example.org", f"Member {i}", cohort=cohort), room=room)
    with CaptureQueriesContext(connection) as queries:
        post(alumnus, room, "hey @bob")
    lookup = next(q["sql"] for q in queries.captured_queries if "display_name" in q["sql"] and "LIKE" in q["sql"])
    assert "LIKE" in lookup
    assert mentioned(alumnus2) == 1


def test_a_flood_of_at_words_still_posts_and_mentions_the_first_ones(room, alumnus, alumnus2):
    body = "@bob " + "".join(f"@{i}" for i in range(1000))  # 1,001 distinct @-words in 3,895 characters
    message = post(alumnus, room, body)
    assert message.pk is not None
    assert mentioned(alumnus2) == 1
