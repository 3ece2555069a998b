"""Production mode: headers on every response, __Host- cookies, no-store on signed-in pages, TRACE refused,
generic error pages, and `check --deploy` clean with the required variables set."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse

BASE_DIR = Path(settings.BASE_DIR)


@login_not_required
def _boom(request):
    raise RuntimeError("secret detail: the database password is hunter2")


def _forbidden(request):
    raise PermissionDenied("secret detail: you are not in plan 42")


# Used as ROOT_URLCONF by the error-page tests: the app's pages plus two that fail on purpose.
urlpatterns = [
    path("boom/", _boom),
    path("forbidden/", _forbidden),
    path("", include(settings.ROOT_URLCONF)),
]


def assert_security_headers(response) -> None:
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("method", ["TRACE", "TRACK"])
def test_trace_and_track_are_refused_with_405_and_the_headers(client, db, method):
    response = client.generic(method, reverse("login"), secure=True)
    assert response.status_code == 405
    assert "TRACE" not in response["Allow"]
    assert_security_headers(response)


def test_pages_redirects_and_not_found_carry_the_security_headers(client, db):
    for url, status in [(reverse("login"), 200), ("/my-actions/", 302), ("/no-such-page/", 404), ("/healthz", 200)]:
        response = client.get(url, secure=True)
        assert response.status_code == status, url
        assert_security_headers(response)


def test_signed_in_pages_are_not_stored(client, lead):
    client.force_login(lead)
    response = client.get(reverse("governance:my_actions"), secure=True)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert_security_headers(response)


def test_cookies_are_host_prefixed_secure_and_path_wide_with_debug_off(client, db, django_user_model):
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_NAME == "__Host-sessionid"
    assert settings.CSRF_COOKIE_NAME == "__Host-csrftoken"
    django_user_model.objects.create_user("cookie-user", password="a long and unusual passphrase")
    client.get(reverse("login"), secure=True)
    response = client.post(
        reverse("login"), {"username": "cookie-user", "password": "a long and unusual passphrase"}, secure=True
    )
    assert response.status_code == 302
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        morsel = response.cookies[name]
        assert morsel["secure"] and morsel["path"] == "/" and not morsel["domain"], name
    assert response.cookies["__Host-sessionid"]["httponly"]


def test_not_found_is_the_generic_page(client, lead):
    client.force_login(lead)
    response = client.get("/plans/no-such-plan/", secure=True)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "no-such-plan" not in page and "Traceback" not in page


def test_a_server_error_is_the_generic_page_without_detail(client, db, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    response = client.get("/boom/", secure=True)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert "hunter2" not in page and "Traceback" not in page and "RuntimeError" not in page
    assert_security_headers(response)


def test_forbidden_and_bad_request_are_generic_pages(client, lead, settings):
    settings.ROOT_URLCONF = __name__
    client.force_login(lead)
    forbidden = client.get("/forbidden/", secure=True)
    assert forbidden.status_code == 403
    assert "You do not have permission" in forbidden.content.decode()
    assert "plan 42" not in forbidden.content.decode()
    bad = client.get(reverse("login"), secure=True, headers={"host": "evil.example"})
    assert bad.status_code == 400
    assert "Sorry, there is a problem with your request" in bad.content.decode()
    assert "evil.example" not in bad.content.decode()


@pytest.mark.parametrize(("person", "url"), [("lead", "/my-actions/"), ("lead", "/healthz"), ("plan_manager", "/")])
def test_the_hardening_middleware_adds_no_query_to_an_ordinary_request(client, request, settings, person, url):
    client.force_login(request.getfixturevalue(person))
    client.get(url)  # warm: content types; the session's clocks were set at sign-in

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code in (200, 302)
        return len(queries)

    with_ours = count()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("improvement_tracker.middleware.")]
    assert with_ours == count()


def test_check_deploy_reports_no_issue_with_production_settings(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "tracker.example.gov.uk",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
