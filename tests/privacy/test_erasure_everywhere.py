"""THE erasure test: the member is seeded in every table, then erased, then
every table is searched for them.

A model added later with a foreign key to the user fails
`test_seed_reaches_every_user_foreign_key` until the seed (and so the
erasure) covers it.
"""

import json

import pytest
from django.apps import apps
from django.db import models

from alumni import privacy

from .seed import FORMER_NAME, user_foreign_keys

pytestmark = pytest.mark.django_db

TEXT_TYPES = (models.CharField, models.TextField, models.JSONField)


def traces(member_id: int, needles: list[str]) -> list[str]:
    """Every (table, column, row) whose text holds a needle, and every user
    foreign key that still points at the member."""
    found = []
    needles = [n.lower() for n in needles]
    for model, name in user_foreign_keys():
        rows = model._default_manager.filter(**{f"{name}_id": member_id})
        for pk in rows.values_list("pk", flat=True):
            found.append(f"{model._meta.label}.{name} -> member (row {pk})")
    for model in apps.get_models(include_auto_created=True):
        columns = [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT_TYPES)]
        if not columns:
            continue
        for row in model._default_manager.values("pk", *columns):
            for column in columns:
                value = row[column]
                text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).lower()
                for needle in needles:
                    if needle in text:
                        found.append(f"{model._meta.label}.{column} row {row['pk']}: {text[:120]!r}")
    return found


def sessions_of(member_id: int) -> list[str]:
    """Django sessions (signed, base64) that still carry the member's id."""
    from django.contrib.sessions.models import Session

    return [s.session_key for s in Session.objects.all() if str(s.get_decoded().get("_auth_user_id")) == str(member_id)]


def test_seed_reaches_every_user_foreign_key(seeded):
    member = seeded.member
    missing = [
        f"{model._meta.label}.{name}"
        for model, name in user_foreign_keys()
        if not model._default_manager.filter(**{f"{name}_id": member.pk}).exists()
    ]

    assert missing == [], f"seed the member into these (and erase them): {missing}"


@pytest.mark.parametrize("keep_messages", [False, True], ids=["delete-messages", "keep-messages"])
def test_erasure_leaves_no_trace_anywhere(seeded, keep_messages, django_capture_on_commit_callbacks):
    member = seeded.member
    needles = [member.email, "alice.alt@example.net", member.display_name, FORMER_NAME]
    assert traces(member.pk, needles), "the seed put the member's name and email in the tables"
    # The crisis alert reached moderators and staff under the name she had then.
    assert [n for n in traces(member.pk, [FORMER_NAME]) if "Notification" in n and "crisis" in n]
    assert [n for n in traces(member.pk, [FORMER_NAME]) if "groups.Message.body" in n]
    assert sessions_of(member.pk)

    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_member(member=member, password_confirmed=True, keep_messages=keep_messages)

    assert traces(member.pk, needles) == []
    assert sessions_of(member.pk) == []


def test_session_data_check_sees_the_member_id(seeded):
    # Guards the check above: a signed session really does decode to the id.
    from django.contrib.sessions.models import Session

    session = Session.objects.get(session_key=seeded.session_keys[0])
    assert str(session.get_decoded()["_auth_user_id"]) == str(seeded.member.pk)
