"""Evidence files: size from settings, type from the content (never the name), stored under a random name."""

import re
import zipfile

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from governance import uploads
from governance.models import Evidence
from governance.uploads import check_upload
from tests.governance import (
    CSV,
    ELF,
    HTML,
    JPEG,
    PDF,
    PNG,
    TODAY,
    WINDOWS_EXE,
    action_of,
    add_file,
    docx_bytes,
    upload,
    xlsx_bytes,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STORED_NAME = re.compile(r"^evidence/(\d+)/([0-9a-f]{32})(\.[a-z]+)$")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root) -> list:
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def refusal(error: ValidationError) -> str:
    return " ".join(error.value.message_dict["file"])


def test_the_default_size_limit_is_20_mb():
    assert django_settings.EVIDENCE_MAX_BYTES == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "content", "content_type", "suffix"),
    [
        ("report.pdf", PDF, "application/pdf", ".pdf"),
        ("chart.png", PNG, "image/png", ".png"),
        ("photo.jpeg", JPEG, "image/jpeg", ".jpg"),
        ("minutes.docx", docx_bytes(), DOCX_TYPE, ".docx"),
        ("figures.xlsx", xlsx_bytes(), XLSX_TYPE, ".xlsx"),
        ("figures.csv", CSV, "text/csv", ".csv"),
    ],
)
def test_each_accepted_type_is_recognised_from_its_content(name, content, content_type, suffix):
    assert check_upload(upload(name, content)) == (content_type, suffix)


@pytest.mark.parametrize(
    ("name", "content", "suffix"),
    [
        ("report.exe", PDF, ".pdf"),
        ("no-suffix", PNG, ".png"),
        ("minutes.pdf", docx_bytes(), ".docx"),
        ("figures.txt", CSV, ".csv"),
    ],
)
def test_the_name_does_not_decide_the_type(name, content, suffix):
    assert check_upload(upload(name, content))[1] == suffix


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", WINDOWS_EXE),
        ("report.pdf", ELF),
        ("report.pdf", HTML),
        ("figures.csv", HTML),
        ("figures.csv", b"\xef\xbb\xbf  <html><body>hello, world</body></html>"),
        ("chart.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("run.csv", b"#!/bin/sh\nrm -rf /tmp/x, y\n"),
        ("notes.csv", b"Just one line of prose without separators\n"),
        ("archive.xlsx", b"PK\x03\x04 this is not really a zip"),
    ],
    ids=[
        "exe-as-pdf",
        "elf-as-pdf",
        "html-as-pdf",
        "html-as-csv",
        "html-with-bom",
        "svg-as-png",
        "script",
        "prose",
        "bad-zip",
    ],
)
def test_content_that_is_not_an_accepted_type_is_refused_whatever_its_name(name, content):
    with pytest.raises(ValidationError) as error:
        check_upload(upload(name, content))
    assert refusal(error) == (
        "The file must be a PDF, Word (DOCX), Excel (XLSX), CSV, PNG or JPEG. Its content is not one of these."
    )


def test_a_zip_that_is_not_an_office_document_is_refused():
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", WINDOWS_EXE)
    with pytest.raises(ValidationError):
        check_upload(upload("minutes.docx", buffer.getvalue()))


def test_an_office_file_that_unpacks_to_far_more_than_allowed_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ValidationError) as error:
        check_upload(upload("figures.xlsx", xlsx_bytes()))
    assert "unpacks to far more than its size" in refusal(error)


def test_a_file_over_the_size_limit_is_refused_with_the_limit_in_words(settings):
    settings.EVIDENCE_MAX_BYTES = 100
    assert check_upload(upload("report.pdf", PDF[:100].ljust(100, b" "))) == ("application/pdf", ".pdf")
    with pytest.raises(ValidationError) as error:
        check_upload(upload("report.pdf", PDF[:100].ljust(101, b" ")))
    assert refusal(error) == "The file must be 100\xa0bytes or smaller."


def test_the_size_limit_is_told_in_megabytes_by_default():
    with pytest.raises(ValidationError) as error:
        check_upload(upload("report.pdf", PDF.ljust(20 * 1024 * 1024 + 1, b" ")))
    assert refusal(error) == "The file must be 20.0\xa0MB or smaller."


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        check_upload(upload("report.pdf", b""))
    assert refusal(error) == "The selected file is empty."


def test_an_oversized_file_is_never_stored(settings, seed_plan, lead, media_root):
    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ValidationError):
        add_file(action_of(seed_plan, "3.6"), lead, upload("report.pdf", PDF))
    assert Evidence.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("name", "content", "suffix"),
    [("report.pdf", PDF, ".pdf"), ("minutes.docx", docx_bytes(), ".docx"), ("figures.csv", CSV, ".csv")],
)
def test_a_file_is_stored_under_a_random_name_in_media_evidence(seed_plan, lead, media_root, name, content, suffix):
    action = action_of(seed_plan, "3.6")
    evidence = add_file(action, lead, upload(name, content))

    match = STORED_NAME.match(evidence.file.name)
    assert match, evidence.file.name
    assert match[1] == str(seed_plan.pk)
    assert match[3] == suffix
    path = media_root / evidence.file.name
    assert path.read_bytes() == content
    assert stored_files(media_root) == [path]
    assert "static" not in path.relative_to(media_root).parts
    assert evidence.original_name == name
    assert evidence.size == len(content)
    assert evidence.kind == Evidence.Kind.FILE
    assert evidence.evidence_date == TODAY


def test_two_files_with_the_same_name_get_different_stored_names(seed_plan, lead):
    action = action_of(seed_plan, "3.6")
    first = add_file(action, lead, upload("report.pdf", PDF))
    second = add_file(action, lead, upload("report.pdf", PDF))
    assert first.file.name != second.file.name


def test_a_name_with_a_path_never_reaches_the_stored_name(seed_plan, lead, media_root):
    evidence = add_file(action_of(seed_plan, "3.6"), lead, upload("../../../etc/passwd.pdf", PDF))

    assert STORED_NAME.match(evidence.file.name)
    assert "passwd" not in evidence.file.name
    assert ".." not in evidence.file.name
    assert evidence.original_name == "passwd.pdf"
    [path] = stored_files(media_root)
    assert path.parent.parent == media_root / "evidence"
    assert path.resolve().is_relative_to(media_root.resolve())


def test_the_stored_suffix_follows_the_content_not_the_name(seed_plan, lead):
    evidence = add_file(action_of(seed_plan, "3.6"), lead, upload("invoice.exe", PDF))
    assert evidence.file.name.endswith(".pdf")
    assert evidence.content_type == "application/pdf"
    assert evidence.original_name == "invoice.exe"


def test_a_refused_file_is_not_stored(seed_plan, lead, media_root):
    with pytest.raises(ValidationError):
        add_file(action_of(seed_plan, "3.6"), lead, upload("report.pdf", WINDOWS_EXE))
    assert stored_files(media_root) == []
    assert Evidence.objects.count() == 0


def test_when_the_database_write_fails_the_stored_file_is_removed(seed_plan, lead, media_root, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("history table unavailable")

    monkeypatch.setattr(Evidence.history.model, "save", fail)
    with pytest.raises(RuntimeError):
        add_file(action_of(seed_plan, "3.6"), lead, upload("report.pdf", PDF))
    assert Evidence.objects.count() == 0
    assert stored_files(media_root) == []
