"""No state changes on GET: every page, opened by a plan manager and by a superuser, leaves every
table's row count, versions and dates as they were (sessions, sign-in attempts and the audit log aside)."""

import pytest

from tests.security.probes import snapshot_changes, state_snapshot, url_with
from tests.security.test_permission_matrix import MATRIX


@pytest.mark.parametrize("person", ["plan_manager", "superuser"])
def test_opening_every_page_changes_nothing(client, db, world, person):
    people, objects = world
    client.force_login(people[person])
    client.get("/healthz")  # the sign-in's own writes happen before the snapshot
    before = state_snapshot()
    statuses = {}
    for name in sorted(MATRIX):
        response = client.get(url_with(name, objects))
        statuses[name] = response.status_code
        assert response.status_code < 500, name
    assert snapshot_changes(before, state_snapshot()) == {}
    assert sum(1 for status in statuses.values() if status == 200) >= 40, statuses
