import copy
import json
import os
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

from plans.formats import validate_plan_data
from plans.models import Membership, Plan, RoleHolder
from plans.services import plan_import
from tests.factories import PlanFactory, UserFactory

SEED_SLUG = "barking-dagenham-ilacs-2019"
SEED_JSON = Path(settings.BASE_DIR) / "fixtures" / "seed" / "barking-dagenham-2019.plan.json"


@cache
def _seed_data() -> dict:
    result = validate_plan_data(json.loads(SEED_JSON.read_text(encoding="utf-8")))
    assert result.ok, result.errors
    return result.data


@pytest.fixture
def seed_plan(db) -> Plan:
    """The seed plan, written through the importer (faster than loaddata; test_seed checks the fixture
    itself and the round-trip tests check the two agree)."""
    return plan_import(data=copy.deepcopy(_seed_data()))


# Ready users, as the house style has them: a lead, a board member, a plan manager and an
# outsider (a member of another plan), all about the seed plan.
LEAD_ROLE = "Head of Quality Assurance (CC&S)"  # leads 2.6, 3.6, 4.2 and 6.1


def member_of(user, plan, kind):
    Membership.objects.create(user=user, plan=plan, kind=kind)
    return user


def holding(user, plan, title):
    RoleHolder.objects.create(user=user, role=plan.roles.get(title=title))
    return user


@pytest.fixture
def lead(seed_plan):
    return holding(UserFactory(username="lee", first_name="Lee", last_name="Lead"), seed_plan, LEAD_ROLE)


@pytest.fixture
def other_lead(seed_plan):
    """Leads other actions of the same plan (Director of Public Health: 5.9)."""
    return holding(
        UserFactory(username="pat", first_name="Pat", last_name="Other"), seed_plan, "Director of Public Health"
    )


@pytest.fixture
def board_member(seed_plan):
    return member_of(UserFactory(username="bola", first_name="Bola", last_name="Board"), seed_plan, "board_member")


@pytest.fixture
def plan_manager(seed_plan):
    return member_of(UserFactory(username="mina", first_name="Mina", last_name="Manager"), seed_plan, "plan_manager")


@pytest.fixture
def outsider(db):
    """In another plan, not this one."""
    return member_of(UserFactory(username="olu", first_name="Olu", last_name="Outsider"), PlanFactory(), "plan_manager")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="ada", is_staff=True, is_superuser=True)


# Marks the session of a test user who needs no second factor as verified all the same, so that a test
# which makes them a plan manager mid-session (e.g. to import over a plan) is not sent to give a code.
NO_DEVICE_NEEDED = "tests: no device needed"


def pass_two_factor(client, user):
    """Give a signed-in test client's session a passed two-factor sign-in (django-otp's session key),
    as a plan manager or superuser has after giving their code: those who need it (decided at sign-in)
    get a confirmed authenticator app too; others get the key alone, and keep no device."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from plans.twofactor import NEEDS_TWO_FACTOR

    session = client.session
    if DEVICE_ID_SESSION_KEY in session:
        return client
    if session.get(NEEDS_TWO_FACTOR):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="Test authenticator", confirmed=True
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    else:
        session[DEVICE_ID_SESSION_KEY] = NO_DEVICE_NEEDED
    session.save()
    return client


def _client_for(client, user):
    client.force_login(user)
    return pass_two_factor(client, user)


@pytest.fixture(autouse=True)
def _sessions_outlast_time_travel(settings):
    """Tests that travel days ahead (time-machine) with one session would be signed out by the idle and
    absolute session limits; those limits have tests of their own (tests/security/test_signin.py, which
    puts the production values back with the `session_limits` fixture)."""
    far = 60 * 60 * 24 * 365 * 10
    settings.SESSION_IDLE_SECONDS = settings.SESSION_MAX_SECONDS = settings.SESSION_COOKIE_AGE = far


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """Every test's `client.force_login` (and the browser's login_as) gives managers and superusers a
    session that has passed two-factor sign-in, so tests about other things need not give codes.
    tests/security/test_signin.py signs in through the real pages, or drops the key, to test 2FA itself."""
    from django.test.client import ClientMixin

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        pass_two_factor(self, user)

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture
def lead_client(client, lead):
    return _client_for(client, lead)


@pytest.fixture
def board_client(client, board_member):
    return _client_for(client, board_member)


@pytest.fixture
def manager_client(client, plan_manager):
    return _client_for(client, plan_manager)


@pytest.fixture
def admin_client_logged_in(client, admin_user):
    return _client_for(client, admin_user)


def pytest_report_header(config):
    return f"database: {os.environ.get('DATABASE_URL') or 'SQLite (default)'}"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow by design; tests need not pay for it on every user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def cold_process_caches():
    """Each test starts with nothing remembered in the process (access, plan memos and the cache survive
    a rolled-back test, and ids are reused), so no test depends on the order tests run in."""
    from django.core.cache import cache

    from plans.versioning import forget_process_memos

    forget_process_memos()
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _database_features_probed(django_db_setup, django_db_blocker):
    """SQLite finds out once per process whether it has JSON functions, with three queries the first time a
    query uses them (the dashboard's and measures' JSON subqueries); probed here so that the query-count
    tests count the pages, not which test happened to run first."""
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            connections[alias].features.supports_json_field  # noqa: B018 - a cached probe
