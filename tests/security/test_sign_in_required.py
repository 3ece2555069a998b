"""Sign-in is required everywhere but a few named pages, and the security headers are set."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.urls import URLPattern, reverse

from tests.security.test_permission_matrix import url_patterns

# Pages that must open without signing in.
PUBLIC = {
    "healthz",
    "login",
    "admin:login",
    "plans:invitation_accept",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def example_url(name: str, pattern: URLPattern) -> str:
    """Reverse a URL name with made-up arguments of the right kind."""
    if name == "admin:app_list":
        return reverse(name, kwargs={"app_label": "plans"})
    regex_groups = getattr(pattern.pattern, "regex", None)
    if not pattern.pattern.converters and regex_groups is not None and regex_groups.groups:
        return reverse(name, args=["1"] * regex_groups.groups)
    kwargs = {}
    for key, converter in pattern.pattern.converters.items():
        kind = type(converter).__name__
        kwargs[key] = {"IntConverter": 1, "SlugConverter": "some-plan", "UUIDConverter": "0" * 32}.get(kind, "json")
    if name == "admin:app_list":
        kwargs = {"app_label": "plans"}
    if name.endswith("password_reset_confirm"):
        kwargs = {"uidb64": "MQ", "token": "set-password"}
    return reverse(name, kwargs=kwargs)


# The data feed answers BI tools that send a token instead of a session: 401, not a redirect.
TOKEN_FEEDS = {
    "governance:plan_feed_json",
    "governance:plan_feed_csv",
    "governance:pack_feed_json",
    "governance:pack_feed_csv",
}
URLS = sorted(url_patterns(), key=lambda item: item[0])
PRIVATE_URLS = [(name, pattern) for name, pattern in URLS if name not in PUBLIC | TOKEN_FEEDS]


@pytest.mark.parametrize("name", sorted(TOKEN_FEEDS))
def test_the_data_feed_asks_an_anonymous_caller_for_a_token(client, db, name):
    pattern = dict(URLS)[name]
    response = client.get(example_url(name, pattern))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_urlconf_walk_finds_the_pages():
    names = {name for name, _ in URLS}
    assert {"plans:home", "governance:action_detail", "plans:import_upload", "admin:index"} <= names
    assert names >= PUBLIC  # every page open by design exists


@pytest.mark.parametrize(("name", "pattern"), PRIVATE_URLS, ids=[name for name, _ in PRIVATE_URLS])
def test_every_page_redirects_an_anonymous_visitor_to_sign_in(client, db, name, pattern):
    url = example_url(name, pattern)
    response = client.get(url)
    assert response.status_code == 302, url
    # The admin's own index sends people to its login page; everything else to ours.
    logins = (reverse("login"), reverse("admin:login"))
    assert response.url.startswith(logins), (url, response.url)


@pytest.mark.parametrize("name", sorted(PUBLIC - {"password_reset_confirm", "admin:login", "plans:invitation_accept"}))
def test_the_public_pages_open_without_sign_in(client, db, name):
    assert client.get(reverse(name)).status_code == 200


def test_content_security_policy_allows_only_our_own_scripts(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert "unsafe-inline" not in policy


def test_security_headers_with_debug_off(client, db):
    assert settings.DEBUG is False
    response = client.get(reverse("login"), secure=True)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert settings.SESSION_COOKIE_SECURE and settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


def test_a_tls_terminating_proxy_is_trusted_for_https(client, db):
    response = client.get(reverse("login"), headers={"x-forwarded-proto": "https"})
    assert response.wsgi_request.is_secure()


def test_the_database_is_the_one_ci_asked_for(db):
    import os

    expected = os.environ.get("EXPECT_DATABASE")
    if not expected:
        pytest.skip("EXPECT_DATABASE not set (CI sets it)")
    assert connection.vendor == expected
    if expected == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            assert cursor.fetchone()[0].startswith("PostgreSQL")
