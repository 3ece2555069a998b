"""manage.py backup and restore: an empty database restored from an archive gives the same plan, files and history."""

import datetime as dt
import hashlib
import io
import json
import shutil
import tarfile
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection

from governance import meetings
from governance.models import ActionUpdate, Board, BoardPack, Evidence, Meeting
from governance.packs import board_pack_freeze, pack_snapshot_check
from measures.models import Measure
from measures.services import measure_value_record
from plans.backup import backup_models
from plans.models import Action, Plan
from plans.services import plan_export
from tests.governance import CSV, PDF, PERIOD, action_of, add_file, add_link, submit, upload


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fast_pdf(monkeypatch):
    monkeypatch.setattr("governance.packs.pdf_from_snapshot", lambda snapshot: b"%PDF-1.7\n% stand-in\n")


def file_hashes(media_root) -> dict[str, str]:
    return {
        str(path.relative_to(media_root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media_root.rglob("*"))
        if path.is_file()
    }


def counts() -> dict[str, int]:
    return {model._meta.label_lower: model._base_manager.count() for model in backup_models()}


def empty_the_database() -> None:
    """What a new database is after `migrate`: every table empty but content types and permissions."""
    keep = {ContentType._meta.db_table, Permission._meta.db_table, "django_migrations"}
    tables = sorted(set(connection.introspection.django_table_names(only_existing=True)) - keep)
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with pending foreign key checks inside the test's transaction.
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    else:
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))


@pytest.fixture
def populated(seed_plan, lead, plan_manager, board_member, media_root, fast_pdf):
    """The seed plan with updates and their revisions, evidence files and a link, measures with a value,
    a board meeting with attendees, issued papers, and a group holding a permission."""
    call_command("loaddata", "seed_board", "seed_measures", verbosity=0)
    a36, a26 = action_of(seed_plan, "3.6"), action_of(seed_plan, "2.6")
    submit(a36, lead, status="green", narrative="On track.")
    submit(a36, lead, status="amber", narrative="Slipped.", reason="Auditors left.", expected_version=1)
    submit(a26, lead, status="red", narrative="Off track.")
    add_file(a36, lead, upload("audit.pdf", PDF), title="Audit")
    add_file(a26, lead, upload("figures.csv", CSV), title="Figures")
    add_link(a26, lead)
    measure = Measure.objects.filter(plan=seed_plan).order_by("code").first()
    measure_value_record(measure=measure, period=dt.date(2019, 9, 1), by=plan_manager, value=Decimal("42.5"))
    board = Board.objects.get(plan=seed_plan)
    meeting = meetings.meeting_create(board=board, date=dt.date(2019, 11, 7), period=PERIOD, by=plan_manager)
    meetings.meeting_update(meeting=meeting, by=plan_manager, attendees=[board_member, plan_manager])
    board_pack_freeze(meeting=meeting, by=plan_manager)
    importers = Group.objects.create(name="Plan importers")
    importers.permissions.add(Permission.objects.get(codename="add_plan"))
    plan_manager.groups.add(importers)
    return seed_plan


def test_restoring_into_an_empty_database_gives_the_same_plan_files_and_history(populated, media_root, tmp_path):
    export = plan_export(plan=populated, fmt="json")
    hashes = file_hashes(media_root)
    before = counts()
    history_before = ActionUpdate.history.count(), Evidence.history.count(), Meeting.history.count()
    assert len(hashes) == 2 and before["governance.boardpack"] == 1 and before["auth.group"] == 1
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", output=str(archive), stdout=io.StringIO())
    with tarfile.open(archive) as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
        names = set(opened.getnames())
    assert names == {"data.json", "manifest.json", *(f"media/{name}" for name in hashes)}
    assert {name: item["sha256"] for name, item in manifest["files"].items()} == hashes
    assert manifest["counts"] == before
    assert manifest["created"].endswith("Z")

    empty_the_database()
    shutil.rmtree(media_root)
    assert not Plan.objects.exists()

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "Restored" in out.getvalue()

    plan = Plan.objects.get(slug=populated.slug)
    assert plan.pk == populated.pk
    assert plan_export(plan=plan, fmt="json") == export
    assert file_hashes(media_root) == hashes
    assert counts() == before
    assert (ActionUpdate.history.count(), Evidence.history.count(), Meeting.history.count()) == history_before
    # The timeline still reads: the first revision of 3.6's update, by its lead.
    update = ActionUpdate.objects.get(action=action_of(plan, "3.6"))
    assert [(r.narrative, r.history_user.username) for r in update.history.order_by("history_date")] == [
        ("On track.", "lee"),
        ("Slipped.", "lee"),
    ]
    pack = BoardPack.objects.get()
    assert pack_snapshot_check(pack).ok
    evidence = Evidence.objects.get(title="Audit")
    assert evidence.file.read() == PDF
    assert set(Group.objects.get().permissions.values_list("codename", flat=True)) == {"add_plan"}
    assert Meeting.objects.get().attendees.count() == 2


def test_a_restore_into_a_database_with_data_is_refused(seed_plan, media_root, tmp_path):
    archive = tmp_path / "backup.zip"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"already holds data \(\d+ plans, \d+ users"):
        call_command("restore", str(archive))


def _rewrite_zip(source, target, change):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            content = change(info.filename, old.read(info))
            if content is not None:
                new.writestr(info.filename, content)


@pytest.fixture
def small_archive(seed_plan, lead, media_root, tmp_path):
    add_file(action_of(seed_plan, "3.6"), lead, upload("audit.pdf", PDF))
    add_file(action_of(seed_plan, "3.6"), lead, upload("figures.csv", CSV))
    add_link(action_of(seed_plan, "3.6"), lead)  # a link has no file to archive
    archive = tmp_path / "backup.zip"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    empty_the_database()
    shutil.rmtree(media_root)
    return archive


def test_a_tampered_file_is_refused_and_nothing_is_restored(small_archive, media_root, tmp_path):
    tampered = tmp_path / "tampered.zip"
    _rewrite_zip(
        small_archive, tampered, lambda name, content: content + b"%" if name.startswith("media/") else content
    )
    with pytest.raises(CommandError, match="does not match the manifest's SHA-256"):
        call_command("restore", str(tampered))
    assert not Plan.objects.exists() and not media_root.exists()


def test_tampered_data_is_refused(small_archive, tmp_path):
    tampered = tmp_path / "tampered.zip"
    _rewrite_zip(
        small_archive,
        tampered,
        lambda name, content: content.replace(b"Lee", b"Eve") if name == "data.json" else content,
    )
    with pytest.raises(CommandError, match="'data.json' does not match"):
        call_command("restore", str(tampered))
    assert not Action.objects.exists()


@pytest.mark.parametrize("name", ["../evil.pdf", "media/../../evil.pdf", "/tmp/evil.pdf", "media/evidence/..\\x.pdf"])
def test_a_member_whose_path_leaves_the_archive_is_refused(db, media_root, tmp_path, name):
    crafted = tmp_path / "crafted.tar.gz"
    with tarfile.open(crafted, "w:gz") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(PDF)
        archive.addfile(info, io.BytesIO(PDF))
    with pytest.raises(CommandError, match="refused"):
        call_command("restore", str(crafted))
    assert not (tmp_path / "evil.pdf").exists() and not media_root.exists()


def test_a_link_inside_the_archive_is_refused(db, tmp_path):
    crafted = tmp_path / "crafted.tar.gz"
    with tarfile.open(crafted, "w:gz") as archive:
        info = tarfile.TarInfo("media/evidence/x.pdf")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(info)
    with pytest.raises(CommandError, match="link or special file"):
        call_command("restore", str(crafted))


def test_an_oversize_member_is_refused(small_archive, media_root):
    with pytest.raises(CommandError, match="over the limit of 100 bytes"):
        call_command("restore", str(small_archive), max_member_bytes=100)
    assert not Plan.objects.exists()


def test_a_failed_file_write_rolls_the_data_back_and_removes_the_files_written(small_archive, media_root, monkeypatch):
    real_save, calls = FileSystemStorage.save, []

    def full_disk(self, name, content, max_length=None):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real_save(self, name, content, max_length=max_length)

    monkeypatch.setattr("django.core.files.storage.FileSystemStorage.save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        call_command("restore", str(small_archive))
    assert len(calls) == 2  # the first file was written, then removed again
    assert not Plan.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_the_backup_refuses_an_unknown_archive_type(db, tmp_path):
    with pytest.raises(CommandError, match=r"\.tar\.gz or \.zip"):
        call_command("backup", output=str(tmp_path / "backup.rar"))
