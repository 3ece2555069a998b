"""Open redirect: every view that reads `next` (sign-in, closing a challenge) stays on this site."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.security.probes import url_with

TARGETS = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "https:evil.example",
    " //evil.example",
    "http://testserver@evil.example/",
]


def _stays_here(location: str) -> bool:
    parts = urlsplit(location.strip())
    return not parts.scheme and not parts.netloc and not location.strip().startswith(("//", "/\\", "\\"))


@pytest.mark.parametrize("target", TARGETS)
def test_sign_in_never_sends_people_off_site(client, db, target):
    # A user of its own: a new password would end the world's people's sessions in later tests.
    user = UserFactory(username="redirect-probe")
    user.set_password("a-long-enough-password")
    user.save()
    page = client.get(reverse("login"), {"next": target})
    assert page.status_code == 200
    response = client.post(
        reverse("login") + "?" + f"next={target}",
        {"username": user.username, "password": "a-long-enough-password", "next": target},
    )
    assert response.status_code == 302
    assert _stays_here(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", TARGETS)
def test_closing_a_challenge_never_sends_people_off_site(client, db, world, target):
    people, objects = world
    client.force_login(people["plan_manager"])
    challenge = objects["challenge"]
    response = client.post(
        url_with("governance:challenge_close", objects), {"version": challenge.version, "next": target}
    )
    assert response.status_code == 302
    assert _stays_here(response["Location"]), response["Location"]
