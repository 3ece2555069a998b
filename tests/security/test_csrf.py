"""CSRF: every page that takes a POST refuses one without a token, or with another session's token
(403), and changes nothing; the same POST with the session's own token gets past the check."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.security.probes import accepts_post, snapshot_changes, state_snapshot, url_with
from tests.security.test_permission_matrix import MATRIX

POST_URLS = sorted(name for name in MATRIX if accepts_post(name))


def _token_of(client: Client) -> str:
    client.get(reverse("password_change"))  # a light page with a form
    return client.cookies[settings.CSRF_COOKIE_NAME].value


@pytest.mark.parametrize("name", POST_URLS)
def test_a_post_without_its_sessions_token_is_refused(db, world, name):
    people, objects = world
    person = "superuser" if name == "plans:import_upload" else "plan_manager"
    victim = Client(enforce_csrf_checks=True)
    victim.force_login(people[person])
    own_token = _token_of(victim)
    attacker = Client(enforce_csrf_checks=True)
    attacker.force_login(people["board_member"])
    foreign_token = _token_of(attacker)
    assert foreign_token != own_token
    url = url_with(name, objects)
    before = state_snapshot()
    missing = victim.post(url, {"version": 1, "text": "Forged", "name": "Forged"})
    foreign = victim.post(url, {"csrfmiddlewaretoken": foreign_token, "version": 1, "text": "Forged"})
    header = victim.post(url, {"version": 1}, headers={"x-csrftoken": foreign_token})
    assert (missing.status_code, foreign.status_code, header.status_code) == (403, 403, 403), url
    assert snapshot_changes(before, state_snapshot()) == {}
    # The check is what refused it: with the session's own token the same request is let through.
    allowed = victim.post(url, {"csrfmiddlewaretoken": own_token})
    assert allowed.status_code != 403, url


def test_every_post_url_is_probed():
    assert len(POST_URLS) >= 25
    assert "governance:update_submit" in POST_URLS and "plans:role_holder_end" in POST_URLS
