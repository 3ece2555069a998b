"""Evidence uploads: size from settings, type from the content (never the name)."""

import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

ALLOWED = "PDF, Word (DOCX), Excel (XLSX), CSV, PNG or JPEG"
# Unpacked size an Office file may claim before it is treated as a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


def _office_kind(head: bytes, upload) -> tuple[str, str] | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ValidationError({"file": ["The file unpacks to far more than its size: it cannot be accepted."]})
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("word/") for name in names):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"
    if any(name.startswith("xl/") for name in names):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
    return None


def _looks_like_csv(upload) -> bool:
    upload.seek(0)
    sample = upload.read(64 * 1024)
    upload.seek(0)
    if b"\x00" in sample:
        return False
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sample's end is fine.
        if error.start < len(sample) - 4:
            return False
        text = sample[: error.start].decode("utf-8-sig")
    lowered = text.lstrip().lower()
    if lowered.startswith(("<", "{", "#!")) or "<script" in lowered or "<html" in lowered:
        return False
    lines = [line for line in io.StringIO(text).read().splitlines() if line.strip()]
    return bool(lines) and any("," in line or ";" in line or "\t" in line for line in lines[:5])


def check_upload(upload) -> tuple[str, str]:
    """Return (content type, suffix) for an acceptable upload; raise ValidationError otherwise."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError({"file": [f"The file must be {filesizeformat(limit)} or smaller."]})
    if upload.size == 0:
        raise ValidationError({"file": ["The selected file is empty."]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"PK\x03\x04"):
        office = _office_kind(head, upload)
        if office:
            return office
    elif _looks_like_csv(upload):
        return "text/csv", ".csv"
    raise ValidationError({"file": [f"The file must be a {ALLOWED}. Its content is not one of these."]})
