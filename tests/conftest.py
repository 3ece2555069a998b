import os

import pytest
from django.core.management import call_command

from plans.models import Plan
from tests.factories import UserFactory

SEED_SLUG = "barking-dagenham-ilacs-2019"


@pytest.fixture
def seed_plan(db) -> Plan:
    call_command("loaddata", "seed_plan", verbosity=0)
    return Plan.objects.get(slug=SEED_SLUG)


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
