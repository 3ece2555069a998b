"""Backup and restore: the data and every file it refers to, in one archive (`manage.py backup`, `restore`).

An archive (.tar.gz or .zip) holds
- `data.json`: every row of every installed app, as Django fixtures with natural foreign keys
  (users, groups and permissions are found by name), except tables that are volatile or that
  `migrate` makes (content types, permissions, sessions, the admin log, sign-in lockouts);
  history tables included, so the timelines survive;
- `media/<name>`: every file a FileField refers to (evidence);
- `manifest.json`: format version, when (UTC), the migrations applied, rows per model, and the
  size and SHA-256 of data.json and of every file.

Primary keys are kept (no `--natural-primary`): history rows, pack snapshots, the audit log and
links people saved carry ids, which must mean the same after a restore. So a restore needs a
database with no data (freshly migrated); it refuses any other.

A restore checks everything before it writes anything: member names (no absolute paths, no `..`,
only regular files), sizes, and every SHA-256 against the manifest. It loads the data in one
transaction, then writes the files, and if anything fails removes the files it wrote and rolls
the data back.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings

FORMAT = "improvement-tracker-backup"
VERSION = 1
# Not backed up: rebuilt by migrate (content types, permissions), or volatile.
EXCLUDED_APPS = {"contenttypes", "sessions", "admin", "axes", "messages", "staticfiles"}
EXCLUDED_MODELS = {"auth.permission"}
# The largest member a restore reads (bytes); data.json of a large installation is the biggest.
MAX_MEMBER_BYTES = 2 * 1024**3
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


@dataclass
class BackupResult:
    path: Path
    counts: dict[str, int]
    files: int
    missing_files: list[str] = field(default_factory=list)
    size: int = 0


def backup_models() -> list[type[models.Model]]:
    """The models backed up, ordered so that what a natural key refers to comes first."""
    app_list = {}
    for config in apps.get_app_configs():
        if config.label in EXCLUDED_APPS:
            continue
        chosen = [
            model
            for model in config.get_models()
            if model._meta.label_lower not in EXCLUDED_MODELS and model._meta.managed and not model._meta.proxy
        ]
        if chosen:
            app_list[config] = chosen
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def _enforces_its_keys(model) -> bool:
    # History rows point at rows that may since have been deleted (their foreign keys are not
    # enforced): they keep plain ids, which stay right because primary keys are kept.
    return all(f.db_constraint for f in model._meta.fields if isinstance(f, models.ForeignKey))


def _file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.fields if isinstance(f, models.FileField)]


def _sha256_stream(stream) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


# Writing an archive ------------------------------------------------------------------------------


class _Writer:
    """Adds members to a .tar.gz or a .zip from streams of known size."""

    def __init__(self, path: Path):
        self.zip = path.name.endswith(".zip")
        if self.zip:
            self.archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        elif path.name.endswith((".tar.gz", ".tgz")):
            self.archive = tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        else:
            raise BackupError(f"Name the archive .tar.gz or .zip, not {path.name}.")

    def add(self, name: str, stream, size: int) -> None:
        if self.zip:
            with self.archive.open(name, "w", force_zip64=size > 2**31) as target:
                shutil.copyfileobj(stream, target, CHUNK)
        else:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = size, 0o600, int(dt.datetime.now(dt.UTC).timestamp())
            self.archive.addfile(info, stream)

    def close(self) -> None:
        self.archive.close()


def _dump_data(target, counts: dict[str, int]) -> list[tuple[models.FileField, str]]:
    """Write every row as one JSON list; return the files referred to."""
    files: list[tuple[models.FileField, str]] = []
    python = serializers.get_serializer("python")
    target.write(b"[")
    first = True
    for model in backup_models():
        queryset = model._base_manager.order_by("pk")
        counts[model._meta.label_lower] = 0
        file_fields = _file_fields(model)
        for obj in queryset.iterator(chunk_size=2000):
            [row] = python().serialize([obj], use_natural_foreign_keys=_enforces_its_keys(model))
            target.write((b"\n" if first else b",\n") + json.dumps(row, cls=DjangoJSONEncoder).encode())
            first = False
            counts[model._meta.label_lower] += 1
            files += [(f, getattr(obj, f.attname).name) for f in file_fields if getattr(obj, f.attname)]
    target.write(b"\n]\n")
    return files


def backup(output: str | Path) -> BackupResult:
    """Write the archive (to a temporary name first, so a failed backup leaves no half archive)."""
    output = Path(output)
    if not output.name.endswith((".tar.gz", ".tgz", ".zip")):
        raise BackupError(f"Name the archive .tar.gz or .zip, not {output.name}.")
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist.")
    counts: dict[str, int] = {}
    manifest_files: dict[str, dict] = {}
    missing: list[str] = []
    partial = output.with_name(f".partial-{output.name}")
    outermost = not connection.in_atomic_block
    with tempfile.TemporaryFile() as data, transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every table, so rows written while the backup runs cannot half appear.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        migrations = applied_migrations()
        files = _dump_data(data, counts)
        data_size = data.tell()
        data.seek(0)
        data_sha, _ = _sha256_stream(data)
        data.seek(0)
        writer = _Writer(partial)
        try:
            writer.add("data.json", data, data_size)
            for file_field, name in sorted(set(files), key=lambda item: item[1]):
                if name in manifest_files:
                    continue
                storage = file_field.storage
                if not storage.exists(name):
                    missing.append(name)
                    continue
                with storage.open(name, "rb") as stream:
                    sha, size = _sha256_stream(stream)
                    stream.seek(0)
                    writer.add(f"media/{name}", stream, size)
                manifest_files[name] = {"sha256": sha, "size": size, "field": _field_label(file_field)}
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "database": connection.vendor,
                "migrations": migrations,
                "counts": counts,
                "data": {"name": "data.json", "sha256": data_sha, "size": data_size},
                "files": manifest_files,
                "missing_files": missing,
            }
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            writer.add("manifest.json", io.BytesIO(body), len(body))
            writer.close()
        except BaseException:
            writer.close()
            partial.unlink(missing_ok=True)
            raise
    partial.replace(output)
    return BackupResult(
        path=output, counts=counts, files=len(manifest_files), missing_files=missing, size=output.stat().st_size
    )


# Reading an archive ------------------------------------------------------------------------------


def _check_name(name: str) -> str:
    """A member's name as stored, refused unless it is one we write: no absolute path, no `..`."""
    path = PurePosixPath(name)
    if not name or name.startswith("/") or "\\" in name or ":" in name or path.is_absolute():
        raise BackupError(f"The archive holds a member with an absolute or unsafe path ({name!r}): refused.")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise BackupError(f"The archive holds a member whose path leaves its folder ({name!r}): refused.")
    if name not in ("manifest.json", "data.json") and not (parts[0] == "media" and len(parts) > 1):
        raise BackupError(f"The archive holds a member this tracker never writes ({name!r}): refused.")
    return name


def _members(path: Path) -> Iterator[tuple[str, int, object]]:
    """(name, declared size, readable stream) of each member, refusing anything but regular files."""
    with path.open("rb") as probe:
        head = probe.read(4)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir():
                        raise BackupError(f"The archive holds a folder entry ({info.filename!r}): refused.")
                    with archive.open(info) as stream:
                        yield info.filename, info.file_size, stream
        except zipfile.BadZipFile as error:
            raise BackupError(f"The archive is damaged: {error}.") from error
    elif head.startswith(b"\x1f\x8b"):
        try:
            with tarfile.open(path, "r:gz") as archive:
                for member in archive:
                    if not member.isreg():
                        raise BackupError(f"The archive holds a link or special file ({member.name!r}): refused.")
                    yield member.name, member.size, archive.extractfile(member)
        except (tarfile.TarError, gzip.BadGzipFile, EOFError) as error:
            raise BackupError(f"The archive is damaged: {error}.") from error
    else:
        raise BackupError(f"{path.name} is neither a .tar.gz nor a .zip backup.")


def _extract(path: Path, into: Path, max_member_bytes: int) -> dict[str, tuple[Path, str, int]]:
    """Copy each member to a file of our own naming in `into`; return name -> (copy, sha256, size)."""
    found: dict[str, tuple[Path, str, int]] = {}
    for number, (name, declared, stream) in enumerate(_members(path)):
        _check_name(name)
        if name in found:
            raise BackupError(f"The archive holds {name!r} twice: refused.")
        if declared > max_member_bytes:
            raise BackupError(
                f"The archive member {name!r} is {declared:,} bytes, over the limit of {max_member_bytes:,} bytes: "
                "refused."
            )
        copy = into / f"member-{number}"
        digest, size = hashlib.sha256(), 0
        with copy.open("wb") as target:
            # Read at most one byte more than allowed, whatever the header claims.
            while chunk := stream.read(min(CHUNK, max_member_bytes + 1 - size)):
                size += len(chunk)
                if size > max_member_bytes:
                    raise BackupError(
                        f"The archive member {name!r} is over the limit of {max_member_bytes:,} bytes: refused."
                    )
                digest.update(chunk)
                target.write(chunk)
        found[name] = (copy, digest.hexdigest(), size)
    return found


def _verify(found: dict[str, tuple[Path, str, int]]) -> dict:
    if "manifest.json" not in found:
        raise BackupError("The archive has no manifest.json: it is not a backup made by `manage.py backup`.")
    try:
        manifest = json.loads(found["manifest.json"][0].read_bytes())
    except ValueError as error:
        raise BackupError(f"The archive's manifest.json is not valid JSON: {error}.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("The archive's manifest is not a tracker backup's.")
    if manifest.get("version") != VERSION:
        raise BackupError(f"The archive is format version {manifest.get('version')}; this code reads {VERSION}.")
    expected = {"data.json": manifest["data"]} | {f"media/{name}": item for name, item in manifest["files"].items()}
    for name in sorted(expected.keys() | (found.keys() - {"manifest.json"})):
        if name not in expected:
            raise BackupError(f"The archive holds {name!r}, which its manifest does not list: refused.")
        if name not in found:
            raise BackupError(f"The archive lacks {name!r}, which its manifest lists.")
        _, sha, size = found[name]
        if (sha, size) != (expected[name]["sha256"], expected[name]["size"]):
            raise BackupError(
                f"{name!r} does not match the manifest's SHA-256 and size: the archive is damaged or was altered."
            )
    return manifest


def _rows_present() -> dict[str, int]:
    present = {}
    for model in backup_models():
        if model._base_manager.exists():
            present[model._meta.label_lower] = model._base_manager.count()
    return present


@dataclass
class RestoreResult:
    counts: dict[str, int]
    files_written: int
    files_present: int
    created: str


def restore(path: str | Path, *, max_member_bytes: int = MAX_MEMBER_BYTES) -> RestoreResult:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no file {path}.")
    with tempfile.TemporaryDirectory(prefix="tracker-restore-") as scratch:
        found = _extract(path, Path(scratch), max_member_bytes)
        manifest = _verify(found)

        present = _rows_present()
        if present:
            plans = present.get("plans.plan", 0)
            users = present.get(get_user_model()._meta.label_lower, 0)
            raise BackupError(
                f"The database already holds data ({plans} plans, {users} users, {sum(present.values()):,} rows "
                f"in {len(present)} tables). Restore into a new, empty database: create it, run "
                "`manage.py migrate`, then restore."
            )
        applied = applied_migrations()
        missing = [
            f"{app}.{name}"
            for app, names in manifest["migrations"].items()
            for name in names
            if name not in applied.get(app, [])
        ]
        if missing:
            raise BackupError(
                f"The archive was made by a newer version of the tracker (migrations {', '.join(missing[:5])} "
                "are not applied here): upgrade the code and run `manage.py migrate` first."
            )

        to_write = []
        already = 0
        for name, item in sorted(manifest["files"].items()):
            storage = _storage_of(item.get("field", ""))
            if storage.exists(name):
                with storage.open(name, "rb") as stream:
                    if _sha256_stream(stream)[0] != item["sha256"]:
                        raise BackupError(f"A different file is stored at {name} already: move it away first.")
                already += 1
            else:
                to_write.append((storage, name, found[f"media/{name}"][0]))

        written: list[tuple[object, str]] = []
        try:
            # History is the archive's own: loading must not add revisions (m2m changes would).
            with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
                call_command("loaddata", str(_as_json(found["data.json"][0])), verbosity=0)
                if connection.vendor == "postgresql":
                    # Check every foreign key now, not at commit, so a broken archive fails here.
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                counts = {model._meta.label_lower: model._base_manager.count() for model in backup_models()}
                wrong = {
                    label: (counts.get(label, 0), expected)
                    for label, expected in manifest["counts"].items()
                    if counts.get(label, 0) != expected
                }
                if wrong:
                    detail = ", ".join(f"{label} {got} not {want}" for label, (got, want) in list(wrong.items())[:5])
                    raise BackupError(f"The restored row counts differ from the manifest ({detail}): rolled back.")
                for storage, name, copy in to_write:
                    with copy.open("rb") as stream:
                        saved = storage.save(name, stream)
                    written.append((storage, saved))
                    if saved != name:
                        raise BackupError(f"The file {name} could not be stored under its own name.")
        except BaseException:
            for storage, name in written:
                storage.delete(name)
            raise
    return RestoreResult(
        counts=manifest["counts"], files_written=len(written), files_present=already, created=manifest["created"]
    )


def _as_json(copy: Path) -> Path:
    # loaddata tells the format by the extension.
    named = copy.with_name("data.json")
    copy.rename(named)
    return named


def _field_label(file_field: models.FileField) -> str:
    return f"{file_field.model._meta.label_lower}.{file_field.name}"


def _storage_of(label: str):
    """The storage of the FileField a file was backed up from (the default storage if it is gone)."""
    from django.core.files.storage import default_storage

    model_label, _, name = label.rpartition(".")
    try:
        return apps.get_model(model_label)._meta.get_field(name).storage
    except (LookupError, ValueError, AttributeError):
        return default_storage
