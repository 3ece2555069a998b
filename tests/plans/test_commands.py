import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from plans import formats
from plans.models import RoleHolder

DOCS = Path(settings.BASE_DIR) / "docs"


def test_load_demo_is_refused_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused when DEBUG is off"):
        call_command("load_demo")


def test_load_demo_makes_the_three_users_and_gives_the_lead_seed_roles(seed_plan, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # running twice is harmless
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__in=["admin", "board", "lead"])
    assert users.count() == 3
    assert users.get(username="admin").is_superuser
    held = RoleHolder.objects.filter(user__username="lead").values_list("role__title", flat=True)
    assert sorted(held) == ["Director of Operations (CC&S)", "Head of Quality Assurance (CC&S)"]
    assert users.get(username="lead").check_password("demo-password-2019")


@pytest.mark.parametrize("name", ["plan-template.json", "plan-template.csv", "plan-template.xlsx"])
def test_the_documented_templates_import_cleanly(name):
    content = (DOCS / name).read_bytes()
    result = formats.read_plan(
        content, formats.guess_format(name), overrides={"title": "Template", "organisation": "Council"}
    )
    assert result.ok, result.errors
    assert result.warnings == []
    assert [a["reference"] for a in result.data["recommendations"][0]["actions"]] == ["1.1", "1.2"]


def test_the_spreadsheet_templates_match_the_json_template():
    data = json.loads((DOCS / "plan-template.json").read_text(encoding="utf-8"))
    assert (DOCS / "plan-template.csv").read_bytes() == formats.to_csv(data)
    fresh = load_workbook(io.BytesIO(formats.to_xlsx(data)))
    kept = load_workbook(DOCS / "plan-template.xlsx")
    for sheet in fresh.sheetnames:
        assert [list(r) for r in fresh[sheet].values] == [list(r) for r in kept[sheet].values]


def _manage(*args, env_changes):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")} | env_changes
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def test_manage_py_runs_in_a_checkout_without_a_secret_key():
    result = _manage("check", env_changes={})
    assert result.returncode == 0, result.stderr


def test_manage_py_with_a_secret_key_stays_in_production_mode():
    result = _manage("load_demo", env_changes={"SECRET_KEY": "a-deployment-key"})
    assert result.returncode == 1
    assert "refused when DEBUG is off" in result.stderr
