"""IDOR: every URL with an object id, given another plan's object or an id that does not exist under
the world's plan, answers 404 to everyone in the plan (a superuser too), for GET and POST alike."""

import pytest

from tests.security.probes import (
    INT_KEYS,
    accepts_post,
    allowed_for,
    converters,
    object_kind,
    object_url_names,
    url_with,
)

PEOPLE = ["board_member", "lead", "plan_manager", "superuser"]
PAST_THE_END = 10**6
BEYOND_64_BITS = 2**64


def _probes(name: str, objects: dict) -> list[tuple[str, str]]:
    probes = []
    for key in (key for key in converters(name) if key in INT_KEYS):
        other = objects["other"][object_kind(name, key)]
        for label, value in (
            ("another plan's", other.pk),
            ("the id after another plan's", other.pk + 1),
            ("a missing", PAST_THE_END),
            ("an out-of-range", BEYOND_64_BITS),
        ):
            if value == objects[object_kind(name, key)].pk:
                continue  # the world's own object: the matrix covers it
            probes.append((f"{label} {key}", url_with(name, objects, **{key: value})))
    return probes


@pytest.mark.parametrize("name", object_url_names())
def test_another_plans_objects_and_missing_ids_are_not_found(client, db, world, name):
    people, objects = world
    methods = [m for m in ("GET", "POST") if m == "GET" and allowed_for(name, "plan_manager") != 405]
    if accepts_post(name):
        methods.append("POST")
    failures = []
    for person in PEOPLE:
        client.force_login(people[person])
        for label, url in _probes(name, objects):
            for method in methods:
                response = client.get(url) if method == "GET" else client.post(url, {"version": 1})
                # Someone whose part forbids the page anyway may be told so (403) before any lookup.
                allowed = {404, 403} if allowed_for(name, person, method) == 403 else {404}
                if response.status_code not in allowed:
                    failures.append((person, method, label, url, response.status_code))
    assert not failures, failures


def test_every_object_url_is_probed():
    names = object_url_names()
    assert "governance:action_detail" in names and "governance:pack_download" in names
    assert len(names) >= 30, names
