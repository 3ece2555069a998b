import copy
import json
import os
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

from plans.formats import validate_plan_data
from plans.models import Plan
from plans.services import plan_import
from tests.factories import UserFactory

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


# Three ready users, as the house style has them: a lead, a board member and an outsider.
@pytest.fixture
def lead(db):
    return UserFactory(username="lee", first_name="Lee", last_name="Lead")


@pytest.fixture
def board_member(db):
    return UserFactory(username="bola", first_name="Bola", last_name="Board")


@pytest.fixture
def outsider(db):
    return UserFactory(username="olu", first_name="Olu", last_name="Outsider")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="ada", is_staff=True, is_superuser=True)


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def admin_client_logged_in(client, admin_user):
    client.force_login(admin_user)
    return client


def pytest_report_header(config):
    return f"database: {os.environ.get('DATABASE_URL') or 'SQLite (default)'}"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow by design; tests need not pay for it on every user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
