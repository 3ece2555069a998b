"""Sign-in hardening: lockout (django-axes), password rules, session timeouts, sessions ended by
deactivation or a new password, and two-factor sign-in for plan managers and superusers."""

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from plans.models import Membership
from plans.twofactor import new_recovery_codes
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"  # tests/factories.py
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def sign_in(client, username, password=PASSWORD, address="10.0.0.1", next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data, REMOTE_ADDR=address)


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# --- Lockout ---------------------------------------------------------------------------------------


def test_ten_failures_from_one_address_lock_the_username_with_a_429_page(client, db, caplog):
    UserFactory(username="target")
    for attempt in range(9):
        assert sign_in(client, "target", "wrong password").status_code == 200, attempt
    with caplog.at_level(logging.WARNING, logger="tracker.security"):
        locked = sign_in(client, "target", "wrong password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many attempts to sign in" in page and "15 minutes" in page
    assert any("locked out" in record.getMessage() and "target" in record.getMessage() for record in caplog.records)
    # The right password does not open it now...
    assert sign_in(client, "target").status_code == 429
    # ...but the same username from another address still signs in.
    assert sign_in(Client(), "target", address="10.0.0.2").status_code == 302


def test_a_success_resets_the_count_and_the_lock_ends_after_the_cool_off(client, db):
    UserFactory(username="target")
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(9):
            sign_in(client, "target", "wrong password")
        assert sign_in(client, "target").status_code == 302
        client.post(reverse("logout"))
        for _ in range(9):
            assert sign_in(client, "target", "wrong password").status_code == 200
        assert sign_in(client, "target", "wrong password").status_code == 429
        traveller.shift(dt.timedelta(minutes=14))
        assert sign_in(client, "target").status_code == 429  # and trying again restarts the 15 minutes
        traveller.shift(dt.timedelta(minutes=14))
        assert sign_in(client, "target").status_code == 429
        traveller.shift(dt.timedelta(minutes=16))
        assert sign_in(client, "target").status_code == 302


def test_the_test_client_signs_in_with_a_request_or_force_login(client, db):
    from django.http import HttpRequest

    user = UserFactory(username="tester")
    assert client.login(request=HttpRequest(), username="tester", password=PASSWORD)
    client.logout()
    client.force_login(user)
    assert client.get(reverse("governance:my_actions")).status_code == 200


# --- Password rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-pass1", "too short"),
        ("password1234", "too common"),
        ("736452819034", "entirely numeric"),
        ("Improvement-Tracker-2024", "name of this service"),
        ("ImprovementPlan!!2019", "name of this service"),
        ("BOARD-council-plan-7", "name of this service"),
        ("mina.manager.2024", "too similar"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(db, password, why):
    user = UserFactory(username="mina.manager", first_name="Mina", last_name="Manager")
    with pytest.raises(ValidationError) as error:
        validate_password(password, user)
    assert why in " ".join(error.value.messages)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "riverside lantern marmalade", "an action plan for otters"]
)
def test_a_long_passphrase_needs_no_digits_capitals_or_symbols(db, password):
    validate_password(password, UserFactory(username="someone"))


# --- Session timeouts ------------------------------------------------------------------------------


@pytest.fixture
def session_limits(settings):
    """The production limits (tests/conftest.py lifts them for tests that travel in time)."""
    from improvement_tracker import settings as production

    assert production.SESSION_IDLE_SECONDS == 30 * 60
    assert production.SESSION_MAX_SECONDS == production.SESSION_COOKIE_AGE == 10 * 60 * 60
    settings.SESSION_IDLE_SECONDS = production.SESSION_IDLE_SECONDS
    settings.SESSION_MAX_SECONDS = settings.SESSION_COOKIE_AGE = production.SESSION_MAX_SECONDS


def test_thirty_minutes_idle_signs_out_with_a_message(client, lead, session_limits):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(lead)
        url = reverse("governance:my_actions")
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(url).status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(url).status_code == 200  # activity keeps it alive
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=%2Fmy-actions%2F"
    login = client.get(response.url)
    assert "had not used the service for 30 minutes" in login.content.decode()
    assert not login.wsgi_request.user.is_authenticated


def test_ten_hours_after_sign_in_signs_out_however_active(client, lead, session_limits):
    url = reverse("two_factor")
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(lead)
        for _ in range(600 // 25):
            traveller.shift(dt.timedelta(minutes=25))
            assert client.get(url).status_code == 200
        traveller.shift(dt.timedelta(minutes=25))  # 10 hours 25 minutes
        response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "signed in more than 10 hours ago" in client.get(response.url).content.decode()


def test_an_ordinary_page_writes_the_session_at_most_once_a_minute(client, lead, session_limits):
    url = reverse("two_factor")

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return sum(1 for q in queries if re.match(r'\s*(UPDATE|INSERT)[^"]*"django_session"', q["sql"]))

    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(lead)
        traveller.shift(dt.timedelta(seconds=30))
        assert session_writes() == 0
        traveller.shift(dt.timedelta(seconds=40))
        assert session_writes() == 1
        assert session_writes() == 0


# --- Sessions that end -----------------------------------------------------------------------------


def two_sessions(user):
    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(user)
    return first, second


def signed_in(client) -> bool:
    return client.get(reverse("governance:my_actions")).status_code == 200


def test_deactivating_a_user_ends_their_sessions(lead):
    first, second = two_sessions(lead)
    lead.is_active = False
    lead.save()
    assert not signed_in(first) and not signed_in(second)


def test_changing_your_password_ends_your_other_sessions_but_not_this_one(lead):
    first, second = two_sessions(lead)
    response = first.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "marmalade lantern river",
            "new_password2": "marmalade lantern river",
        },
    )
    assert response.status_code == 302
    assert signed_in(first)
    assert not signed_in(second)


def test_an_admin_setting_a_password_ends_the_users_sessions(admin_client_logged_in, lead):
    first, _ = two_sessions(lead)
    url = reverse("admin:auth_user_password_change", args=[lead.pk])
    new = "marmalade lantern river"
    response = admin_client_logged_in.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not signed_in(first)


def test_a_password_reset_ends_the_users_sessions(client, lead):
    lead.email = "lee@example.gov.uk"
    lead.save()
    first, _ = two_sessions(lead)
    client.post(reverse("password_reset"), {"email": lead.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    new = "marmalade lantern river"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert not signed_in(first)


# --- Two-factor sign-in ----------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["lead", "board_member"])
def test_leads_and_board_members_need_no_second_factor(client, request, person):
    user = request.getfixturevalue(person)
    assert sign_in(client, user.username).status_code == 302
    assert client.get(reverse("governance:my_actions")).status_code == 200


@pytest.mark.parametrize("person", ["plan_manager", "admin_user"])
def test_managers_and_superusers_must_set_up_an_app_before_any_page(client, request, person):
    user = request.getfixturevalue(person)
    assert sign_in(client, user.username).status_code == 302
    for url in [reverse("governance:my_actions"), "/admin/", reverse("plans:home")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("two_factor_verify")), url
    assert client.get(reverse("two_factor_verify")).url.startswith(reverse("two_factor_setup"))


def test_setting_up_an_app_shows_the_key_as_text_confirms_a_code_and_shows_recovery_codes_once(client, plan_manager):
    sign_in(client, plan_manager.username)
    page = client.get(reverse("two_factor_setup") + "?next=/my-actions/")
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=plan_manager, confirmed=False)
    assert re.sub(r"\s", "", page.context["key"]) in html.replace(" ", "")
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "style=" not in svg and "<script" not in svg  # nothing the CSP would block

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "There is a problem" in wrong.content.decode() and "The code is not correct" in wrong.content.decode()

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(reverse("two_factor_setup"), {"code": code_for(device), "next": "/my-actions/"})
    assert done.url == reverse("two_factor_recovery_codes")
    codes_page = client.get(done.url).content.decode()
    codes = re.findall(r"<code>([a-z2-7]{8})</code>", codes_page)
    assert len(codes) == 10 and 'href="/my-actions/"' in codes_page
    assert client.get(reverse("two_factor_recovery_codes")).status_code == 302  # shown once
    assert client.get(reverse("governance:my_actions")).status_code == 200
    assert TOTPDevice.objects.get(user=plan_manager).confirmed


@pytest.fixture
def manager_with_app(plan_manager):
    device = TOTPDevice.objects.create(user=plan_manager, name="Phone", confirmed=True)
    return plan_manager, device


def test_a_manager_with_an_app_gives_its_code_after_the_password(client, manager_with_app, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    manager, device = manager_with_app
    sign_in(client, manager.username, next_url="/my-actions/")
    assert client.get("/my-actions/").url == f"{reverse('two_factor_verify')}?next=%2Fmy-actions%2F"
    assert client.get(reverse("two_factor_verify")).status_code == 200
    wrong = client.post(reverse("two_factor_verify"), {"code": "12345x"})
    assert "The code is not correct" in wrong.content.decode()
    empty = client.post(reverse("two_factor_verify"), {"code": ""})
    assert "Enter the code from your authenticator app or a recovery code" in empty.content.decode()
    right = client.post(reverse("two_factor_verify"), {"code": code_for(device), "next": "/my-actions/"})
    assert right.url == "/my-actions/"
    assert DEVICE_ID_SESSION_KEY in client.session
    assert client.get("/my-actions/").status_code == 200


def test_a_verified_superuser_reaches_the_admin(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    sign_in(client, admin_user.username)
    assert client.get("/admin/").status_code == 302
    client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_works_once_instead_of_the_app(client, manager_with_app, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # no wait after the refused code
    manager, _ = manager_with_app
    first, second = new_recovery_codes(manager)[:2]
    sign_in(client, manager.username)
    assert client.post(reverse("two_factor_verify"), {"code": first.upper()}).status_code == 302
    assert client.get("/my-actions/").status_code == 200
    client.post(reverse("logout"))

    sign_in(client, manager.username)
    again = client.post(reverse("two_factor_verify"), {"code": first})
    assert again.status_code == 200 and "an unused recovery code" in again.content.decode()
    assert client.post(reverse("two_factor_verify"), {"code": second}).status_code == 302
    assert StaticToken.objects.filter(device__user=manager).count() == 8


def test_new_recovery_codes_replace_the_old_ones(manager_client, plan_manager):
    old = new_recovery_codes(plan_manager)
    response = manager_client.post(reverse("two_factor_recovery_codes"))
    assert response.url == reverse("two_factor_recovery_codes")
    new = re.findall(r"<code>([a-z2-7]{8})</code>", manager_client.get(response.url).content.decode())
    assert len(new) == 10
    stored = set(StaticToken.objects.filter(device__user=plan_manager).values_list("token", flat=True))
    assert stored == set(new) and not stored & set(old)
    assert "10 of 10" in manager_client.get(reverse("two_factor")).content.decode()


def test_someone_made_a_plan_manager_mid_session_must_verify_before_the_plan(client, lead, seed_plan):
    sign_in(client, lead.username)
    url = reverse("plans:action_list", args=[seed_plan.slug])
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=lead, plan=seed_plan).delete()
    Membership.objects.create(user=lead, plan=seed_plan, kind=Membership.Kind.PLAN_MANAGER)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_verify"))
    # And from then on every page asks, as for anyone who needs two factors.
    assert client.get(reverse("governance:my_actions")).status_code == 302
