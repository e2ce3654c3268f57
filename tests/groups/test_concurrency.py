"""Ten concurrent sends of one client_id store exactly one message."""

import threading
import uuid

import pytest
from django.db import connection, connections

from groups import actions
from groups.models import Message


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_client_id_store_one_message(room, alumnus):
    if connection.vendor != "postgresql":
        # The in-memory SQLite test database is one shared connection cache
        # that serialises every thread; the PostgreSQL pass runs this for real.
        pytest.skip("needs PostgreSQL (runs in the suite's PostgreSQL pass)")
    client_id = uuid.uuid4()
    barrier = threading.Barrier(10)
    ids, errors = [], []

    def send():
        try:
            barrier.wait()
            result = actions.post_message(author=alumnus, room=room, body="once", client_id=client_id)
            ids.append(result.message.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert Message.objects.filter(client_id=client_id).count() == 1
    assert len(set(ids)) == 1
    assert len(ids) == 10
