"""Concurrent RSVPs never exceed capacity (PostgreSQL: real row locks).

Runs in the suite's PostgreSQL pass (TEST_DATABASE_URL); on SQLite the
IMMEDIATE transaction mode serialises writers and threads cannot share the
in-memory test database, so the first pass skips it.
"""

import threading

import pytest
from django.db import connection, connections

from events import actions
from events.models import RSVP, Occurrence
from tests.conftest import make_member

from .conftest import make_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_rsvps_never_exceed_capacity(postgres_url, staff, cohort):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; runs in the PostgreSQL pass")
    event = make_event(staff, capacity=3)
    occurrence = event.occurrences.get()
    members = [make_member(f"racer{i}@example.org", f"Racer {i}", cohort=cohort) for i in range(12)]
    barrier = threading.Barrier(len(members))
    errors = []

    def answer(member):
        try:
            barrier.wait(timeout=10)
            actions.rsvp(member=member, occurrence=occurrence, status="going")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    occurrence = Occurrence.objects.get(pk=occurrence.pk)
    assert errors == []
    assert RSVP.objects.filter(occurrence=occurrence, status="going").count() == 3
    assert RSVP.objects.filter(occurrence=occurrence, status="waitlisted").count() == 9
    assert (occurrence.going_count, occurrence.waitlist_count) == (3, 9)
