"""Settings read from the environment: prepared statements on PostgreSQL, the cache key prefix."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def settings_under(**env: str) -> dict:
    """The database OPTIONS and cache KEY_PREFIX the settings module makes from this environment."""
    code = (
        "import json; from improvement_tracker import settings as s; "
        "print(json.dumps([s.DATABASES['default'].get('OPTIONS', {}), s.CACHES['default']['KEY_PREFIX']]))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_PREPARE_THRESHOLD", "CACHE_KEY_PREFIX")}
    output = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=clean | {"SECRET_KEY": "settings-test", "DEBUG": "0"} | env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    options, prefix = json.loads(output.strip().splitlines()[-1])
    return {"options": options, "prefix": prefix}


def test_postgresql_prepares_repeated_queries_unless_turned_off():
    url = "postgres://someone@db.example:5432/tracker"
    assert settings_under(DATABASE_URL=url)["options"] == {"server_side_binding": True, "prepare_threshold": 5}
    assert settings_under(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="0")["options"]["prepare_threshold"] == 0
    for off in ("off", "None", ""):
        assert settings_under(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD=off)["options"] == {}
    # SQLite has no such thing.
    assert settings_under(DATABASE_URL="sqlite:////tmp/x.sqlite3")["options"] == {}


def test_the_cache_key_prefix_comes_from_the_environment():
    assert settings_under()["prefix"] == ""
    assert settings_under(CACHE_KEY_PREFIX="site-b")["prefix"] == "site-b"


@pytest.mark.django_db
def test_a_query_run_again_and_again_is_prepared_on_the_server():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    with connection.cursor() as cursor:
        for _ in range(threshold + 2):
            cursor.execute("SELECT count(*) FROM plans_plan WHERE id > %s", [0])
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FROM plans_plan WHERE id > $1" in statement for statement in prepared), prepared
