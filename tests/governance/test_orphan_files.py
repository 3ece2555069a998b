"""No orphan files: evidence whose database write fails, at any point up to the commit, leaves no stored file."""

import pytest
from django.db import DatabaseError, connection

from governance import services
from governance.models import ActionUpdate, Evidence
from tests.governance import CSV, PDF, PERIOD, TODAY, action_of, add_file, submit, upload


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root) -> list:
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


@pytest.fixture
def failing_commit(monkeypatch):
    """The next COMMIT fails, as it does when PostgreSQL goes away or a deferred constraint fails."""
    real_commit = connection.commit
    calls = []

    def commit():
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseError("server closed the connection unexpectedly")
        return real_commit()

    monkeypatch.setattr(connection, "commit", commit)
    return calls


def build(action, by, name, content):
    return services.evidence_build_file(
        action=action, period=PERIOD, title=name, evidence_date=TODAY, upload=upload(name, content), by=by
    )


@pytest.mark.django_db(transaction=True)
def test_evidence_whose_commit_fails_leaves_no_file(seed_plan, lead, media_root, failing_commit):
    with pytest.raises(DatabaseError):
        add_file(action_of(seed_plan, "3.6"), lead, upload("report.pdf", PDF))
    assert failing_commit  # the commit was attempted, with the file already stored
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_an_update_whose_commit_fails_leaves_none_of_its_evidence_files(seed_plan, lead, media_root, failing_commit):
    action = action_of(seed_plan, "3.6")
    items = [build(action, lead, "audit.pdf", PDF), build(action, lead, "figures.csv", CSV)]
    with pytest.raises(DatabaseError):
        submit(action, lead, status="blue", new_evidence=items)
    assert failing_commit
    assert not ActionUpdate.objects.exists() and not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_when_the_second_evidence_row_fails_the_first_file_is_removed_too(seed_plan, lead, media_root, monkeypatch):
    action = action_of(seed_plan, "3.6")
    items = [build(action, lead, "audit.pdf", PDF), build(action, lead, "figures.csv", CSV)]
    real_save, saves = Evidence.save, []

    def second_fails(self, *args, **kwargs):
        saves.append(self.title)
        if len(saves) == 2:
            raise DatabaseError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Evidence, "save", second_fails)
    with pytest.raises(DatabaseError):
        submit(action, lead, status="blue", new_evidence=items)
    assert saves == ["audit.pdf", "figures.csv"]
    assert stored_files(media_root) == []


def test_discarding_an_upload_never_stored_touches_no_stored_file(seed_plan, lead, media_root):
    """An upload not yet stored is named "evidence.pdf": discarding it must not delete a file of that name."""
    media_root.mkdir(parents=True)
    (media_root / "evidence.pdf").write_bytes(PDF)
    item = build(action_of(seed_plan, "3.6"), lead, "audit.pdf", PDF)
    services.evidence_discard_files([item])
    assert (media_root / "evidence.pdf").exists()
