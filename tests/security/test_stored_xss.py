"""Stored XSS: a payload in every text field of every model is shown escaped on every page, appears
as literal text in the dashboard and board-pack PDFs, and leaves the exports as data (JSON served as
JSON, spreadsheet formulas prefixed)."""

import csv
import io
import json
import subprocess

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from openpyxl import load_workbook

from governance.models import ActionUpdate, Meeting
from governance.packs import board_pack_freeze
from plans.models import Action, Membership
from tests.security.probes import url_with
from tests.security.test_permission_matrix import MATRIX

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
# What must never reach a page unescaped (shorter fields hold the payload's start).
# (Every script of ours carries a nonce, so a bare "<script>" is never legitimate.)
MARKERS = ["<script>", "<img src=x", "\"'><img"]
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
FORMULA = '=HYPERLINK("https://evil.example/","Click")'
APPS = {"plans", "governance", "measures", "audit"}
NOT_SHOWN_AS_TEXT = {"slug", "token_hash", "prefix", "content_type", "snapshot_sha256", "pdf_sha256", "file"}


def _text_fields(model):
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or field.choices or field.primary_key:
            continue
        if field.name in NOT_SHOWN_AS_TEXT or isinstance(field, models.SlugField | models.EmailField):
            continue
        yield field


def _poison_every_text_field() -> int:
    """Put the payload (and the row's id, for unique fields) in every filled text field of every row.
    (Empty ones stay empty: a response without its responder is not a state the app can reach.)"""
    count = 0
    for model in apps.get_models():
        if model._meta.app_label not in APPS or model._meta.proxy or not model._meta.managed:
            continue
        for field in _text_fields(model):
            room = (field.max_length or 1000) - 8
            text = PAYLOAD[:room] if room > 0 else "<"
            if isinstance(field, models.URLField):
                text = ("https://evil.example/?" + PAYLOAD)[: room if room > 0 else None]
            value = Concat(models.Value(text), Cast("pk", models.CharField()))
            rows = model._base_manager.exclude(**{field.name: ""})
            if field.null:
                rows = rows.exclude(**{f"{field.name}__isnull": True})
            count += rows.update(**{field.name: value})
    get_user_model().objects.update(first_name=PAYLOAD[:140], last_name=PAYLOAD[:140])
    return count


def _assert_escaped(content: str, where: str) -> None:
    for marker in MARKERS:
        assert marker not in content, (where, marker, content[max(0, content.find(marker) - 200) :][:400])


def _pdf_text(content: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return "".join(result.stdout.decode().split())


@pytest.fixture
def poisoned(db, world):
    people, objects = world
    # Fields the world leaves empty that people fill in.
    ActionUpdate.objects.filter(action=objects["action"]).update(reason="r", next_steps="n", risks="k")
    Meeting.objects.filter(pk=objects["meeting"].pk).update(minutes="m")
    Membership.objects.filter(plan=objects["plan"]).update(organisation="o")
    assert _poison_every_text_field() >= 400
    Action.objects.filter(pk=objects["action"].pk).update(description=FORMULA + PAYLOAD)
    return people, objects


@pytest.mark.parametrize("person", ["plan_manager", "lead"])
def test_every_page_shows_every_text_field_escaped(client, poisoned, person):
    people, objects = poisoned
    client.force_login(people[person])
    shown = 0
    for name in sorted(MATRIX):
        url = url_with(name, objects)
        response = client.get(url, follow=name == "plans:home")
        assert response.status_code < 500, url
        if response.get("Content-Type", "").startswith("text/html"):
            content = response.content.decode()
            _assert_escaped(content, url)
            shown += ESCAPED in content
    assert shown >= 15  # the payload really is on the pages, escaped


def test_pdfs_show_the_payload_as_literal_text(client, poisoned):
    people, objects = poisoned
    client.force_login(people["plan_manager"])
    plan = objects["plan"]
    dashboard = client.get(reverse("governance:dashboard_download", args=[plan.slug, "pdf"]), {"period": "2019-06"})
    assert dashboard["Content-Type"] == "application/pdf"
    assert "<script>alert(1)</script>" in _pdf_text(dashboard.content)
    meeting = Meeting.objects.get(pk=objects["meeting"].pk)
    pack = board_pack_freeze(meeting=meeting, by=people["plan_manager"], correction_reason=PAYLOAD)
    text = _pdf_text(bytes(pack.pdf))
    assert "<script>alert(1)</script>" in text
    page = client.get(reverse("governance:pack_detail", args=[plan.slug, pack.pk]))
    _assert_escaped(page.content.decode(), "pack page")


def test_exports_carry_the_payload_as_data(client, poisoned):
    people, objects = poisoned
    client.force_login(people["plan_manager"])
    plan = objects["plan"]
    as_json = client.get(reverse("plans:plan_export", args=[plan.slug, "json"]))
    assert as_json["Content-Type"].startswith("application/json")
    assert json.loads(as_json.content)["title"].startswith(PAYLOAD)
    for name in ("governance:plan_feed_json",):
        feed = client.get(reverse(name, args=[plan.slug]))
        assert feed["Content-Type"].startswith("application/json")
        json.loads(feed.content)
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("plans:plan_export", args=[plan.slug, "csv"])).content.decode("utf-8-sig"))
        )
    )
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA + PAYLOAD in cells  # a spreadsheet shows it as text, never runs it
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    workbook = load_workbook(io.BytesIO(client.get(reverse("plans:plan_export", args=[plan.slug, "xlsx"])).content))
    values = [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("governance:dashboard_download", args=[plan.slug, fmt]), {"period": "2019-06"})
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
        if fmt == "csv":
            assert not any(
                c.startswith(("=", "+", "@"))
                for r in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
                for c in r
            )
