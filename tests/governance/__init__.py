"""Helpers shared by the governance tests: a fixed "today", updates, and small valid files of each type."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from governance import services
from plans.models import Action

# Tests fix "today" here: the reporting period is October 2019.
NOW = dt.datetime(2019, 10, 15, 10, 0, tzinfo=ZoneInfo("Europe/London"))
TODAY = NOW.date()
PERIOD = dt.date(2019, 10, 1)
LAST_PERIOD = dt.date(2019, 9, 1)


def action_of(plan, reference: str) -> Action:
    return Action.objects.get(plan=plan, reference=reference)


def submit(action: Action, by, *, period=PERIOD, status="green", narrative="Progress as planned.", **kwargs):
    return services.action_update_submit(
        action=action, period=period, status=status, narrative=narrative, by=by, **kwargs
    )


def add_link(action: Action, by, *, period=PERIOD, title="Audit report", url="https://example.org/audit"):
    return services.evidence_save(
        evidence=services.evidence_build_link(
            action=action, period=period, title=title, evidence_date=TODAY, url=url, by=by
        )
    )


def add_file(action: Action, by, upload, *, period=PERIOD, title="Audit report"):
    return services.evidence_save(
        evidence=services.evidence_build_file(
            action=action, period=period, title=title, evidence_date=TODAY, upload=upload, by=by
        )
    )


# Minimal files of each accepted type. Only PDF, PNG and JPEG are checked by their first bytes;
# DOCX and XLSX are real Office packages.

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
CSV = b"Month,Audits,Good or better\nApril 2019,12,7\nMay 2019,15,10\n"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00>\x00\x01\x00\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Audit findings</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["Month", "Audits"])
    workbook.active.append(["April 2019", 12])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    # The browser's content type is never trusted: tests send a generic one unless they say otherwise.
    return SimpleUploadedFile(name, content, content_type=content_type)
