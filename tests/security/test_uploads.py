"""Hostile uploads: evidence, plan imports and measure value imports refuse over-size files, disguised
executables and HTML, zip bombs and XML entity attacks with a clear message (never a 500 or a hang),
and store accepted files under a random name inside MEDIA_ROOT whatever name they came with."""

import io
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import Workbook

from governance.models import Evidence
from measures.models import ValueImport
from plans.formats import XLSX_ENTITIES_REFUSED
from plans.models import PlanImport

EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
CSV = b"team,caseload\nA,18\nB,21\n"
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>"
)
EXTERNAL_ENTITY = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _as(client, world, person):
    people, objects = world
    client.force_login(people[person])
    return objects


def _add_evidence(client, objects, name: str, content: bytes):
    url = reverse("governance:evidence_add", args=[objects["plan"].slug, objects["action"].pk])
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(url, {"title": "Probe", "evidence_date": "01/06/2019", "file": upload})


def _xlsx(rows: list[list[str]], sheet: str = "Actions") -> bytes:
    workbook = Workbook()
    workbook.active.title = sheet
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_doctype(content: bytes, member: str, doctype: bytes) -> bytes:
    """The workbook with a DTD put in front of one of its XML parts (and an entity used in it)."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == member:
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                entity = b"&lol9;" if b"lol9" in doctype else b"&xxe;"
                body = body.replace(b"<v>", b"<v>" + entity, 1).replace(b"<t>", b"<t>" + entity, 1)
                data = doctype + body
            archive.writestr(info.filename, data)
    return out.getvalue()


def _zip_bomb(members: dict[str, bytes], big: str, size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr(big, b"\x00" * size)
    return out.getvalue()


# Evidence


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", EXECUTABLE, b"Its content is not one of these"),
        ("photo.png", HTML, b"Its content is not one of these"),
        ("figures.csv", HTML, b"Its content is not one of these"),
        ("script.csv", b"#!/bin/sh\nrm -rf /,x\n", b"Its content is not one of these"),
    ],
    ids=["executable-as-pdf", "html-as-png", "html-as-csv", "shell-script-as-csv"],
)
def test_evidence_judged_by_its_content_not_its_name(client, db, world, media, name, content, message):
    objects = _as(client, world, "lead")
    before = Evidence.objects.count()
    response = _add_evidence(client, objects, name, content)
    assert response.status_code == 200
    assert message in response.content
    assert Evidence.objects.count() == before


def test_oversize_evidence_is_refused_with_the_limit(client, db, world, media, settings):
    settings.EVIDENCE_MAX_BYTES = 20
    objects = _as(client, world, "lead")
    response = _add_evidence(client, objects, "figures.csv", CSV)
    assert response.status_code == 200
    assert "The file must be 20\xa0bytes or smaller." in response.content.decode()


def test_a_zip_bomb_named_docx_is_refused(client, db, world, media, monkeypatch):
    monkeypatch.setattr("governance.uploads.MAX_UNPACKED_BYTES", 1024 * 1024)
    bomb = _zip_bomb({"[Content_Types].xml": b"<Types/>"}, "word/document.xml", 2 * 1024 * 1024)
    assert len(bomb) < 10 * 1024  # two megabytes of zeros pack into a few kilobytes
    objects = _as(client, world, "lead")
    response = _add_evidence(client, objects, "minutes.docx", bomb)
    assert response.status_code == 200
    assert b"The file unpacks to far more than its size" in response.content


@pytest.mark.parametrize(
    "name",
    ["../../../../etc/cron.d/evil.csv", "/etc/passwd.csv", "..\\..\\windows\\win.ini.csv", "a/../../b.csv"],
    ids=["dot-dot", "absolute", "backslashes", "nested"],
)
def test_uploaded_names_never_choose_where_the_file_is_stored(client, db, world, media, name):
    objects = _as(client, world, "lead")
    response = _add_evidence(client, objects, name, CSV)
    assert response.status_code == 302
    evidence = Evidence.objects.filter(action=objects["action"]).latest("pk")
    stored = Path(evidence.file.path).resolve()
    assert stored.is_relative_to(Path(media).resolve())
    assert stored.read_bytes() == CSV
    assert ".." not in evidence.file.name and "\\" not in evidence.file.name
    assert Path(evidence.file.name).stem not in name and len(Path(evidence.file.name).stem) == 32
    # The name offered on download is made safe too.
    download = client.get(reverse("governance:evidence_download", args=[objects["plan"].slug, evidence.pk]))
    disposition = download["Content-Disposition"]
    assert "/" not in disposition.split("filename=", 1)[1] and ".." not in disposition
    download.close()


# Plan import


def _import(client, name: str, content: bytes):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client.post(reverse("plans:import_upload"), {"file": upload})
    return response


def _plan_import_errors(client, response) -> list[str]:
    assert response.status_code == 302, response.content[:2000]
    preview = PlanImport.objects.latest("pk")
    page = client.get(response.url)
    assert page.status_code == 200
    for error in preview.errors:
        assert escape(error[:40]) in page.content.decode()
    return preview.errors


@pytest.mark.parametrize(
    ("member", "doctype"),
    [
        ("xl/workbook.xml", BILLION_LAUGHS),
        ("xl/worksheets/sheet1.xml", BILLION_LAUGHS),
        ("xl/workbook.xml", EXTERNAL_ENTITY),
        ("xl/worksheets/sheet1.xml", EXTERNAL_ENTITY),
    ],
    ids=["laughs-workbook", "laughs-sheet", "external-entity-workbook", "external-entity-sheet"],
)
def test_a_plan_workbook_with_xml_entities_is_refused_quickly(client, db, world, member, doctype):
    _as(client, world, "plan_manager")
    content = _with_doctype(_xlsx([["recommendation_reference", "action_reference"], ["1", "1.1"]]), member, doctype)
    started = time.monotonic()
    errors = _plan_import_errors(client, _import(client, "plan.xlsx", content))
    assert errors == [XLSX_ENTITIES_REFUSED]
    assert time.monotonic() - started < 5


def test_a_plan_workbook_that_is_a_zip_bomb_is_refused(client, db, world, monkeypatch):
    monkeypatch.setattr("plans.formats.XLSX_MAX_UNPACKED_BYTES", 1024 * 1024)
    _as(client, world, "plan_manager")
    bomb = _zip_bomb({"[Content_Types].xml": b"<Types/>"}, "xl/sharedStrings.xml", 2 * 1024 * 1024)
    errors = _plan_import_errors(client, _import(client, "plan.xlsx", bomb))
    assert len(errors) == 1 and "unpacks to 2 MB, far more than its size" in errors[0]


@pytest.mark.parametrize(
    ("name", "content"),
    [("plan.xlsx", EXECUTABLE), ("plan.json", EXECUTABLE), ("plan.csv", HTML), ("plan.json", b"[" * 100_000)],
    ids=["executable-as-xlsx", "executable-as-json", "html-as-csv", "deeply-nested-json"],
)
def test_a_plan_file_that_is_not_a_plan_is_refused_with_a_message(client, db, world, name, content):
    _as(client, world, "plan_manager")
    errors = _plan_import_errors(client, _import(client, name, content))
    assert errors and all(isinstance(error, str) and error for error in errors)


def test_an_oversize_plan_file_is_refused_with_the_limit(client, db, world, settings):
    settings.PLAN_IMPORT_MAX_BYTES = 10
    _as(client, world, "plan_manager")
    response = _import(client, "plan.json", b'{"title": "Too big"}')
    assert response.status_code == 200
    assert "The file must be 10\xa0bytes or smaller." in response.content.decode()
    assert client.post(reverse("plans:import_upload"), {"file": "not a file"}).status_code == 200


def test_a_plan_file_whose_name_climbs_out_is_kept_by_its_base_name(client, db, world):
    _as(client, world, "plan_manager")
    response = _import(client, "../../etc/plan.json", b'{"title": "x"}')
    assert response.status_code == 302
    assert "/" not in PlanImport.objects.latest("pk").filename


# Measure value import


def _values(client, objects, name: str, content: bytes):
    url = reverse("measures:value_import", args=[objects["plan"].slug])
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")})


@pytest.mark.parametrize("doctype", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "external-entity"])
def test_a_values_workbook_with_xml_entities_is_refused(client, db, world, doctype):
    objects = _as(client, world, "plan_manager")
    header = ["measure_code", "period", "value", "numerator", "denominator", "note"]
    content = _with_doctype(
        _xlsx([header, ["CSC-17", "2019-06", "5", "", "", ""]], "Values"), "xl/worksheets/sheet1.xml", doctype
    )
    started = time.monotonic()
    response = _values(client, objects, "values.xlsx", content)
    assert response.status_code == 302
    assert ValueImport.objects.latest("pk").errors == [XLSX_ENTITIES_REFUSED]
    page = client.get(response.url)
    assert page.status_code == 200 and b"declares entities" in page.content
    assert time.monotonic() - started < 5


def test_a_values_workbook_that_is_a_zip_bomb_or_not_a_workbook_is_refused(client, db, world, monkeypatch):
    monkeypatch.setattr("plans.formats.XLSX_MAX_UNPACKED_BYTES", 1024 * 1024)
    objects = _as(client, world, "plan_manager")
    bomb = _zip_bomb({"[Content_Types].xml": b"<Types/>"}, "xl/worksheets/sheet1.xml", 2 * 1024 * 1024)
    assert _values(client, objects, "values.xlsx", bomb).status_code == 302
    assert "far more than its size" in ValueImport.objects.latest("pk").errors[0]
    assert _values(client, objects, "values.xlsx", EXECUTABLE).status_code == 302
    assert ValueImport.objects.latest("pk").errors == ["The file is not an XLSX workbook."]


def test_an_oversize_values_file_is_refused_with_the_limit(client, db, world, settings):
    settings.PLAN_IMPORT_MAX_BYTES = 10
    objects = _as(client, world, "plan_manager")
    response = _values(client, objects, "values.csv", CSV)
    assert response.status_code == 200
    assert "The file must be 10\xa0bytes or smaller." in response.content.decode()
