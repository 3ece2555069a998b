"""Frozen board packs and exports: what the board saw stays what it saw.

Run with -s (or -rP) to see the seed pack's PDF render time.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from governance import services
from governance.dashboard import build_dashboard
from governance.exports import (
    ACTION_HEADER,
    PDF_BASE_URL,
    csv_from_snapshot,
    fetch_static,
    pdf_from_snapshot,
    pdf_html,
    present,
    snapshot_from_dashboard,
    static_pdf_url,
    static_url_fetcher,
    xlsx_from_snapshot,
)
from governance.models import ActionUpdate, Board, BoardPack, Challenge, Meeting, PeriodLock, Rag
from governance.packs import (
    board_pack_freeze,
    build_pack_snapshot,
    canonical_json,
    cutoff_moment,
    pack_snapshot_check,
    since_last_board,
)
from measures import services as measure_services
from measures import status as mst
from measures.models import Comparator, ComparatorValue, Measure, MeasureValue
from plans.models import Action
from tests.factories import UserFactory, build_plan
from tests.governance import NOW, PERIOD, action_of, add_link, submit

LONDON = ZoneInfo("Europe/London")
LAST_PERIOD = dt.date(2019, 9, 1)
CUTOFF = dt.date(2019, 10, 20)
AFTER_CUTOFF = dt.datetime(2019, 10, 21, 9, 0, tzinfo=LONDON)
ISSUE_DAY = dt.datetime(2019, 10, 22, 9, 0, tzinfo=LONDON)
XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","Click")'


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def board(seed_plan) -> Board:
    call_command("loaddata", "seed_board", verbosity=0)
    return Board.objects.get(plan=seed_plan)


@pytest.fixture
def meeting(board) -> Meeting:
    return Meeting.objects.create(board=board, date=dt.date(2019, 11, 7), period=PERIOD, cutoff=CUTOFF)


@pytest.fixture
def earlier_meeting(board) -> Meeting:
    return Meeting.objects.create(
        board=board, date=dt.date(2019, 10, 10), period=LAST_PERIOD, cutoff=dt.date(2019, 10, 5)
    )


@pytest.fixture
def crafted(seed_plan, lead, plan_manager):
    """October's updates as at the cut-off, and what happens to them after it.

    - 3.6: Green in September, Amber in October with a reason, and an XSS-ish narrative;
    - 2.6: Red, its narrative starts with "=" (a formula to a spreadsheet);
    - 4.2: revised after the cut-off (the papers show the first revision);
    - 6.1: first submitted after the cut-off (the papers say "no update").
    """
    a36, a26, a42, a61 = (action_of(seed_plan, ref) for ref in ("3.6", "2.6", "4.2", "6.1"))
    with time_machine.travel(dt.datetime(2019, 9, 25, 10, 0, tzinfo=LONDON), tick=False):
        submit(a36, lead, period=LAST_PERIOD, status=Rag.GREEN, narrative="September: on track.")
        september_evidence = add_link(a36, lead, period=LAST_PERIOD, title="September audit")
    submit(
        a36,
        lead,
        status=Rag.AMBER,
        narrative=f"Audits slipped. {XSS} & more",
        reason="Two auditors left.",
        next_steps="Recruit.",
    )
    submit(a26, lead, status=Rag.RED, narrative=FORMULA)
    submit(a42, lead, status=Rag.GREEN, narrative="Before the cut-off.")
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        submit(a42, lead, status=Rag.GREEN, narrative="Revised after the cut-off.")
        submit(a61, lead, status=Rag.GREEN, narrative="Late: after the cut-off.")
    return {"3.6": a36, "2.6": a26, "4.2": a42, "6.1": a61, "september_evidence": september_evidence}


def freeze(meeting, by, **kwargs) -> BoardPack:
    with time_machine.travel(ISSUE_DAY, tick=False):
        return board_pack_freeze(meeting=meeting, by=by, **kwargs)


def snapshot_action(snapshot: dict, reference: str) -> dict:
    return next(a for a in snapshot["actions"] if a["reference"] == reference)


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def poppler(tool: str, data: bytes, tmp_path, *args: str, to_stdout: bool = False) -> str:
    """Run a poppler-utils tool on a PDF: required under CI, skipped elsewhere if missing."""
    exe = shutil.which(tool)
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} (poppler-utils) is required under CI")
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    path = tmp_path / "papers.pdf"
    path.write_bytes(data)
    command = [exe, *args, str(path), *(["-"] if to_stdout else [])]
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout


def pdf_text(data: bytes, tmp_path) -> str:
    return poppler("pdftotext", data, tmp_path, "-layout", to_stdout=True)


@pytest.fixture
def fast_pdf(monkeypatch):
    """For tests about the snapshot, not the PDF: a stand-in for WeasyPrint's few seconds."""

    def stand_in(snapshot: dict) -> bytes:
        return b"%PDF-1.7\n% stand-in for " + hashlib.sha256(canonical_json(snapshot)).hexdigest().encode()

    monkeypatch.setattr("governance.packs.pdf_from_snapshot", stand_in)


# Freezing ------------------------------------------------------------------------------------


def test_freezing_stores_the_snapshot_and_pdf_with_their_sha256s_and_locks_the_period(meeting, crafted, plan_manager):
    pack = freeze(meeting, plan_manager)
    pack.refresh_from_db()
    assert pack.version == 1
    assert pack.frozen_by == plan_manager
    assert pack.frozen_at == ISSUE_DAY
    assert pack.snapshot_sha256 == hashlib.sha256(canonical_json(pack.snapshot)).hexdigest()
    assert hashlib.sha256(bytes(pack.pdf)).hexdigest() == pack.pdf_sha256
    assert bytes(pack.pdf).startswith(b"%PDF-")
    assert pack_snapshot_check(pack).ok
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PAPERS_ISSUED
    assert PeriodLock.objects.filter(plan=meeting.board.plan, period=PERIOD).exists()
    snapshot = pack.snapshot
    assert snapshot["period"] == "2019-10-01"
    assert snapshot["meeting"] == {
        "id": meeting.pk,
        "date": "2019-11-07",
        "period": "2019-10-01",
        "cutoff": "2019-10-20",
    }
    assert snapshot["issued"]["by"] == "Mina Manager"
    assert snapshot["board"]["name"] == "Children's Improvement Board"
    assert len(snapshot["actions"]) == 35


def test_the_snapshot_holds_status_narrative_flags_evidence_and_counts(fast_pdf, meeting, crafted, plan_manager):
    snapshot = freeze(meeting, plan_manager).snapshot
    a36 = snapshot_action(snapshot, "3.6")
    assert a36["status"] == "amber" and a36["previous_status"] == "green"
    assert a36["direction"] == "worse"
    assert a36["update"]["narrative"] == f"Audits slipped. {XSS} & more"
    assert a36["update"]["reason"] == "Two auditors left."
    assert a36["update"]["submitted_by"] == "Lee Lead"
    assert [e["title"] for e in a36["evidence"]] == ["September audit"]
    assert {f["key"] for f in a36["flags"]} == {"overdue"}  # due April 2019
    assert snapshot["totals"]["amber"] == 1 and snapshot["totals"]["red"] == 1
    assert snapshot["totals"]["green"] == 1  # 4.2 only: 6.1's update came after the cut-off
    assert snapshot["totals"]["all"] == 35
    assert snapshot["exceptions"]["new_red"] == [crafted["2.6"].pk]
    assert snapshot["exceptions"]["changed"] == [crafted["3.6"].pk]
    # JSON-safe: dates are ISO strings, and there are no floats to round differently on PostgreSQL.
    assert json.loads(canonical_json(snapshot)) == snapshot
    assert "float" not in {type(v).__name__ for v in _leaves(snapshot)}


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def test_an_update_first_submitted_after_the_cutoff_is_no_update_in_the_pack(fast_pdf, meeting, crafted, plan_manager):
    snapshot = freeze(meeting, plan_manager).snapshot
    late = snapshot_action(snapshot, "6.1")
    assert late["status"] is None and late["update"] is None
    assert "no_update" in {f["key"] for f in late["flags"]}
    assert crafted["6.1"].pk in snapshot["exceptions"]["no_update"]


def test_an_update_revised_after_the_cutoff_shows_as_it_stood_at_the_cutoff(fast_pdf, meeting, crafted, plan_manager):
    snapshot = freeze(meeting, plan_manager).snapshot
    assert snapshot_action(snapshot, "4.2")["update"]["narrative"] == "Before the cut-off."


def test_the_cutoff_is_the_end_of_the_day_in_london(meeting):
    assert cutoff_moment(meeting) == dt.datetime(2019, 10, 21, 0, 0, tzinfo=LONDON)
    winter = Meeting(cutoff=dt.date(2019, 12, 1))
    assert cutoff_moment(winter).utcoffset() == dt.timedelta(0)


def test_a_pack_never_changes_when_live_data_does(client, meeting, crafted, plan_manager, lead, board_member):
    pack = freeze(meeting, plan_manager)
    client.force_login(board_member)
    page_before = main_of(client.get(pack.get_absolute_url()))
    snapshot_before = json.loads(json.dumps(pack.snapshot))
    shas_before = (pack.snapshot_sha256, pack.pdf_sha256)

    with time_machine.travel(dt.datetime(2019, 11, 20, 9, 0, tzinfo=LONDON), tick=False):
        a36, a26 = crafted["3.6"], crafted["2.6"]
        submit(a36, lead, period=dt.date(2019, 11, 1), status=Rag.GREEN, narrative="November", reason="Recruited.")
        services.evidence_withdraw(
            evidence=crafted["september_evidence"], by=lead, reason="Wrong file.", expected_version=1
        )
        a26.refresh_from_db()
        services.action_edit(action=a26, by=plan_manager, expected_version=a26.version, due_text="March 2021")
        a26.refresh_from_db()
        services.action_withdraw(action=a26, by=plan_manager, reason="Merged into 2.5.", expected_version=a26.version)
        Challenge.objects.create(action=a36, text="Why late?", raised_by=board_member, raised_at=NOW)
        # Even a change behind the services' back (the admin, a database console) leaves the pack alone.
        a36.updates.filter(period=PERIOD).update(status=Rag.BLUE, narrative="Tampered")

    pack.refresh_from_db()
    assert pack.snapshot == snapshot_before
    assert (pack.snapshot_sha256, pack.pdf_sha256) == shas_before
    assert hashlib.sha256(bytes(pack.pdf)).hexdigest() == pack.pdf_sha256
    assert pack_snapshot_check(pack).ok
    assert main_of(client.get(pack.get_absolute_url())) == page_before
    # The live data did change: the same papers built now would differ.
    rebuilt = build_pack_snapshot(meeting=meeting, by=plan_manager, version=1, at=pack.frozen_at)
    assert rebuilt["actions"] != pack.snapshot["actions"]


def test_a_tampered_snapshot_or_pdf_fails_the_check(fast_pdf, meeting, crafted, plan_manager):
    pack = freeze(meeting, plan_manager)
    BoardPack.objects.filter(pk=pack.pk).update(snapshot={**pack.snapshot, "totals": {}})
    pack.refresh_from_db()
    assert pack_snapshot_check(pack) == (False, True)
    BoardPack.objects.filter(pk=pack.pk).update(pdf=b"%PDF-forged")
    pack.refresh_from_db()
    assert not pack_snapshot_check(pack).pdf_ok


def test_locked_updates_cannot_be_revised_after_the_papers_are_issued(fast_pdf, meeting, crafted, plan_manager, lead):
    freeze(meeting, plan_manager)
    with pytest.raises(ValidationError, match="locked"):
        submit(crafted["3.6"], lead, status=Rag.GREEN, narrative="Changed my mind", reason="Better now.")
    with pytest.raises(ValidationError, match="locked"):
        submit(crafted["6.1"], plan_manager, status=Rag.RED, narrative="Late again")


# Corrections ------------------------------------------------------------------------------------


def test_a_correction_needs_a_reason_and_makes_version_2_keeping_version_1(fast_pdf, meeting, crafted, plan_manager):
    first = freeze(meeting, plan_manager)
    with pytest.raises(ValidationError):
        freeze(meeting, plan_manager)
    with pytest.raises(ValidationError):
        freeze(meeting, plan_manager, correction_reason="   ")
    second = freeze(meeting, plan_manager, correction_reason="The cut-off was misread.")
    assert second.version == 2
    assert second.correction_reason == "The cut-off was misread."
    assert second.snapshot["issued"]["correction_reason"] == "The cut-off was misread."
    first_again = BoardPack.objects.get(pk=first.pk)
    assert first_again.version == 1 and first_again.snapshot == first.snapshot
    assert first_again.pdf_sha256 == first.pdf_sha256
    assert list(meeting.packs.values_list("version", flat=True)) == [2, 1]
    assert PeriodLock.objects.filter(plan=meeting.board.plan, period=PERIOD).count() == 1


def test_the_first_papers_keep_no_correction_reason(fast_pdf, meeting, crafted, plan_manager):
    assert freeze(meeting, plan_manager, correction_reason="Nothing to correct").correction_reason == ""


# Since the last board ----------------------------------------------------------------------------


def test_since_last_board_shows_status_changes_closed_withdrawn_added_and_moved_deadlines(
    fast_pdf, seed_plan, earlier_meeting, meeting, lead, plan_manager
):
    a36, a26, a11, a12, a42 = (action_of(seed_plan, ref) for ref in ("3.6", "2.6", "1.1", "1.2", "4.2"))
    with time_machine.travel(dt.datetime(2019, 10, 1, 10, 0, tzinfo=LONDON), tick=False):
        for action in (a36, a26, a11, a12, a42):
            submit(action, lead, period=LAST_PERIOD, status=Rag.GREEN, narrative="September.")
    with time_machine.travel(dt.datetime(2019, 10, 6, 9, 0, tzinfo=LONDON), tick=False):
        first = board_pack_freeze(meeting=earlier_meeting, by=plan_manager)
    assert first.snapshot["since_last_board"] is None

    submit(a36, lead, status=Rag.RED, narrative="Stalled.", reason="The reviewer withdrew.")
    add_link(a11, lead, title="Review report")
    submit(a11, lead, status=Rag.BLUE, narrative="Done.", reason="Review published.")
    a11.refresh_from_db()
    services.action_close(action=a11, by=plan_manager, authority="Board, 10 October 2019", expected_version=a11.version)
    services.action_withdraw(action=a26, by=plan_manager, reason="Merged into 2.5.", expected_version=a26.version)
    services.action_edit(action=a12, by=plan_manager, expected_version=a12.version, due_text="March 2020")
    added = Action.objects.create(
        plan=seed_plan,
        recommendation=a36.recommendation,
        reference="3.11",
        description="A new action agreed by the board.",
        due_text="June 2020",
        order=Action.objects.filter(plan=seed_plan).count() + 100,
    )
    second = freeze(meeting, plan_manager)

    since = since_last_board(second)
    assert since == second.snapshot["since_last_board"]
    assert since["previous"]["pack_id"] == first.pk and since["previous"]["meeting_date"] == "2019-10-10"
    changes = {item["reference"]: item for item in since["status_changes"]}
    assert changes["3.6"]["before"] == "green" and changes["3.6"]["after"] == "red"
    assert changes["3.6"]["reason"] == "The reviewer withdrew."
    assert changes["1.1"]["after"] == "blue" and changes["1.1"]["reason"] == "Review published."
    assert [item["reference"] for item in since["closed"]] == ["1.1"]
    assert [(item["reference"], item["reason"]) for item in since["withdrawn"]] == [("2.6", "Merged into 2.5.")]
    assert [item["id"] for item in since["added"]] == [added.pk]
    moved = {item["reference"]: item for item in since["deadlines_moved"]}
    assert moved["1.2"]["before_text"] == "December 2019" and moved["1.2"]["after_text"] == "March 2020"
    assert moved["1.2"]["direction"] == "later"
    assert since_last_board(first) is None


def test_since_last_board_appears_on_the_page_and_in_the_pdf(
    client, seed_plan, earlier_meeting, meeting, lead, plan_manager, board_member, tmp_path
):
    a36 = action_of(seed_plan, "3.6")
    with time_machine.travel(dt.datetime(2019, 10, 1, 10, 0, tzinfo=LONDON), tick=False):
        submit(a36, lead, period=LAST_PERIOD, status=Rag.GREEN, narrative="September.")
    with time_machine.travel(dt.datetime(2019, 10, 6, 9, 0, tzinfo=LONDON), tick=False):
        board_pack_freeze(meeting=earlier_meeting, by=plan_manager)
    submit(a36, lead, status=Rag.RED, narrative="Stalled.", reason="The reviewer withdrew.")
    pack = freeze(meeting, plan_manager)
    client.force_login(board_member)
    page = client.get(pack.get_absolute_url()).content.decode()
    assert "Compared with the papers for 10 October 2019" in page
    assert "The reviewer withdrew." in page
    text = pdf_text(bytes(pack.pdf), tmp_path)
    assert "Since the last board" in text and "The reviewer withdrew." in text


# The PDF ------------------------------------------------------------------------------------------


def test_the_pdf_has_the_title_period_page_numbers_contents_statuses_and_escaped_text(
    meeting, crafted, plan_manager, tmp_path
):
    pack = freeze(meeting, plan_manager)
    text = pdf_text(bytes(pack.pdf), tmp_path)
    plan = meeting.board.plan
    assert plan.title in text
    assert "October 2019" in text
    assert "Page 1 of" in text
    assert re.search(r"Every action\s*\.*\s*\d+", text), "the contents list gives each section's page"
    assert "Amber" in text and "Red" in text and "No update" in text
    assert XSS in text  # shown as text, not run or dropped
    assert "Before the cut-off." in text and "Revised after the cut-off." not in text


def test_the_pdf_is_tagged_pdf_ua_with_a_title(meeting, crafted, plan_manager, tmp_path):
    pdf = bytes(freeze(meeting, plan_manager).pdf)
    info = poppler("pdfinfo", pdf, tmp_path)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+Children's Improvement Board: papers for 7 November 2019$", info, re.M)
    assert 'pdfuaid:part="1"' in poppler("pdfinfo", pdf, tmp_path, "-meta")


def test_the_url_fetcher_serves_static_files_only():
    response = fetch_static(static_pdf_url("pdf.css"))
    assert b"counter(pages)" in response.read()
    assert response.content_type == "text/css"
    for url in [
        "file:///etc/passwd",
        "https://example.org/static/pdf.css",
        f"{PDF_BASE_URL}/media/evidence/1/secret.pdf",
        f"{PDF_BASE_URL}/static/../improvement_tracker/settings.py",
        f"{PDF_BASE_URL}/static/%2e%2e/improvement_tracker/settings.py",
        f"{PDF_BASE_URL}/static/no-such-file.css",
        "data:text/css,body{}",
        "http://169.254.169.254/latest/meta-data/",
    ]:
        with pytest.raises(ValueError):
            fetch_static(url)
        with pytest.raises(ValueError):
            static_url_fetcher().fetch(url)


# Spreadsheets -----------------------------------------------------------------------------------


def test_the_xlsx_has_a_sheet_per_section_and_formulas_stay_text(fast_pdf, meeting, crafted, plan_manager):
    pack = freeze(meeting, plan_manager)
    workbook = load_workbook(io.BytesIO(xlsx_from_snapshot(pack.snapshot)))
    assert pack.snapshot["since_last_board"] is None  # the board's first papers: no "Since last board" sheet
    assert workbook.sheetnames == [
        "Summary", "By recommendation", "Measures", "Exceptions", "Challenges", "Decisions", "Actions", "Evidence",
    ]  # fmt: skip
    actions = workbook["Actions"]
    header = [cell.value for cell in actions[1]]
    narrative = header.index("Progress")
    row = next(r for r in actions.iter_rows(min_row=2) if r[1].value == "2.6")
    assert row[narrative].value == "'" + FORMULA
    assert row[narrative].data_type == "s"
    assert all(cell.data_type != "f" for sheet in workbook for r in sheet.iter_rows() for cell in r)
    summary = {r[0].value: r[1].value for r in workbook["Summary"].iter_rows(min_row=2)}
    assert summary["Actions: Red"] == 1 and summary["Version"] == 1


def test_the_csv_is_prefixed_against_formulas_too(fast_pdf, meeting, crafted, plan_manager):
    pack = freeze(meeting, plan_manager)
    content = csv_from_snapshot(pack.snapshot).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    narrative = rows[0].index("Progress")
    row = next(r for r in rows[1:] if r[1] == "2.6")
    assert row[narrative] == "'" + FORMULA
    assert len(rows) == 36


def test_the_live_snapshot_has_the_dashboards_counts(seed_plan, crafted):
    dashboard = build_dashboard(seed_plan, PERIOD)
    totals = dict(dashboard.totals)
    snapshot = snapshot_from_dashboard(dashboard)
    assert snapshot["kind"] == "live"
    assert snapshot["totals"] == totals
    assert snapshot_action(snapshot, "6.1")["status"] == "green"  # live: the late update counts


# Views ---------------------------------------------------------------------------------------------


def test_a_board_member_reads_and_downloads_the_papers(fast_pdf, client, meeting, crafted, plan_manager, board_member):
    pack = freeze(meeting, plan_manager)
    client.force_login(board_member)
    slug = meeting.board.plan.slug
    for url in [
        reverse("governance:pack_detail", args=[slug, pack.pk]),
        reverse("governance:board_packs", args=[slug, meeting.board.pk]),
        reverse("governance:meeting_packs", args=[slug, meeting.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    pdf = client.get(reverse("governance:pack_download", args=[slug, pack.pk, "pdf"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{slug}-papers-2019-11-07-v1.pdf"'
    assert hashlib.sha256(pdf.content).hexdigest() == pack.pdf_sha256
    for fmt in ("xlsx", "csv"):
        response = client.get(reverse("governance:pack_download", args=[slug, pack.pk, fmt]))
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert client.get(reverse("governance:pack_download", args=[slug, pack.pk, "html"])).status_code == 404


def test_the_pack_page_escapes_what_leads_wrote(fast_pdf, client, meeting, crafted, plan_manager, board_member):
    pack = freeze(meeting, plan_manager)
    client.force_login(board_member)
    page = main_of(client.get(pack.get_absolute_url()))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert XSS not in page
    assert "Two auditors left." in page
    assert "The snapshot and the PDF match" in page


def test_only_a_plan_manager_issues_papers(fast_pdf, client, meeting, crafted, board_member, lead, plan_manager):
    url = reverse("governance:pack_issue", args=[meeting.board.plan.slug, meeting.pk])
    for user in (board_member, lead):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert not BoardPack.objects.exists()
    client.force_login(plan_manager)
    page = client.get(url)
    assert page.status_code == 200
    assert "20 October 2019" in page.content.decode() and "October 2019" in page.content.decode()
    with time_machine.travel(ISSUE_DAY, tick=False):
        response = client.post(url)
    pack = BoardPack.objects.get()
    assert response.status_code == 302 and response.url == pack.get_absolute_url()


def test_a_correction_through_the_page_needs_a_reason(fast_pdf, client, meeting, crafted, plan_manager):
    freeze(meeting, plan_manager)
    url = reverse("governance:pack_issue", args=[meeting.board.plan.slug, meeting.pk])
    client.force_login(plan_manager)
    assert "Why are the papers corrected?" in client.get(url).content.decode()
    response = client.post(url, {"correction_reason": ""})
    assert response.status_code == 200 and "Say why the papers are corrected." in response.content.decode()
    with time_machine.travel(ISSUE_DAY, tick=False):
        response = client.post(url, {"correction_reason": "A late update was missed."})
    assert response.status_code == 302
    assert list(meeting.packs.values_list("version", "correction_reason")) == [
        (2, "A late update was missed."),
        (1, ""),
    ]


def test_outsiders_get_404_everywhere(fast_pdf, client, meeting, crafted, plan_manager, outsider):
    pack = freeze(meeting, plan_manager)
    slug = meeting.board.plan.slug
    client.force_login(outsider)
    for url in [
        reverse("governance:pack_detail", args=[slug, pack.pk]),
        reverse("governance:pack_download", args=[slug, pack.pk, "pdf"]),
        reverse("governance:board_packs", args=[slug, meeting.board.pk]),
        reverse("governance:meeting_packs", args=[slug, meeting.pk]),
        reverse("governance:pack_issue", args=[slug, meeting.pk]),
        reverse("governance:dashboard_download", args=[slug, "csv"]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("governance:pack_issue", args=[slug, meeting.pk])).status_code == 404


def test_a_pack_is_not_found_through_another_plans_address(fast_pdf, client, meeting, crafted, plan_manager, outsider):
    pack = freeze(meeting, plan_manager)
    other_plan = outsider.memberships.get().plan
    client.force_login(outsider)  # manages the other plan
    assert client.get(reverse("governance:pack_detail", args=[other_plan.slug, pack.pk])).status_code == 404


def test_read_only_pages_refuse_post(fast_pdf, board_client, meeting, crafted, plan_manager):
    pack = freeze(meeting, plan_manager)
    slug = meeting.board.plan.slug
    assert board_client.post(reverse("governance:pack_detail", args=[slug, pack.pk])).status_code == 405
    assert board_client.post(reverse("governance:dashboard_download", args=[slug, "csv"])).status_code == 405


def test_the_live_dashboard_exports(board_client, seed_plan, crafted, tmp_path):
    url = reverse("governance:dashboard_download", args=[seed_plan.slug, "csv"])
    response = board_client.get(url, {"period": "2019-10"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{seed_plan.slug}-dashboard-2019-10.csv"'
    assert "'" + FORMULA in response.content.decode("utf-8-sig").replace('""', '"')
    xlsx = board_client.get(
        reverse("governance:dashboard_download", args=[seed_plan.slug, "xlsx"]), {"period": "2019-10"}
    )
    assert "Actions" in load_workbook(io.BytesIO(xlsx.content)).sheetnames
    pdf = board_client.get(
        reverse("governance:dashboard_download", args=[seed_plan.slug, "pdf"]), {"period": "2019-10"}
    )
    text = pdf_text(pdf.content, tmp_path)
    assert "dashboard, October 2019" in text and "Page 1 of" in text
    assert "Late: after the cut-off." in text  # live, not as at a cut-off


# The admin --------------------------------------------------------------------------------------


def test_the_admin_refuses_to_change_or_delete_a_pack(fast_pdf, client, meeting, crafted, plan_manager, admin_user, rf):
    pack = freeze(meeting, plan_manager)
    model_admin = admin_site._registry[BoardPack]
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.has_change_permission(request, pack)
    assert not model_admin.has_delete_permission(request, pack)
    assert not model_admin.has_add_permission(request)
    client.force_login(admin_user)
    change_url = reverse("admin:governance_boardpack_change", args=[pack.pk])
    assert client.get(change_url).status_code == 200  # it can be viewed
    response = client.post(change_url, {"version": 7, "correction_reason": "Edited in the admin"})
    assert response.status_code == 403
    delete = client.post(reverse("admin:governance_boardpack_delete", args=[pack.pk]), {"post": "yes"})
    assert delete.status_code == 403
    pack_again = BoardPack.objects.get(pk=pack.pk)
    assert (pack_again.version, pack_again.correction_reason) == (1, "")
    assert pack_snapshot_check(pack_again).ok


# Key measures ----------------------------------------------------------------------------------------

D = Decimal
NOVEMBER = dt.date(2019, 11, 1)


def add_values(measure: Measure, figures: dict[dt.date, str]) -> None:
    MeasureValue.objects.bulk_create(
        MeasureValue(measure=measure, period=period, value=D(value), entered_at=NOW)
        for period, value in figures.items()
    )


@pytest.fixture
def impact(seed_plan, plan_manager):
    """Recommendation 6 delivers while its measures do not.

    - its four open actions in October 2019: 6.1, 6.2 and 6.3 Green, 6.4 Blue (all on track);
    - M-01 (a percentage, higher is better, target 80%, Amber up to 5 worse): 50% in October 2017
      rising a point a month to 74% in October 2019 (Red), and 90% for November 2019 entered already;
    - M-02 (weeks, lower is better, target 12, Amber up to 2 worse): 20, 18, 19 weeks from August to
      October 2019 (Red), with England's figures for 2016 and 2018;
    - both linked to recommendation 6; CTX-01, a count without a target, linked to recommendation 2.
    """
    a61, a62, a63, a64 = (action_of(seed_plan, ref) for ref in ("6.1", "6.2", "6.3", "6.4"))
    for action in (a61, a62, a63):
        submit(action, plan_manager, status=Rag.GREEN, narrative="On track.")
    add_link(a64, plan_manager, title="Final report")
    submit(a64, plan_manager, status=Rag.BLUE, narrative="Done and evidenced.")

    rec6, rec2 = (seed_plan.recommendations.get(reference=ref) for ref in ("6", "2"))
    m01 = Measure.objects.create(
        plan=seed_plan, code="M-01", name="Children seen alone", unit="percentage", polarity="higher",
        target=D(80), tolerance=D(5), baseline_value=D(55), baseline_period=dt.date(2018, 4, 1),
    )  # fmt: skip
    m02 = Measure.objects.create(
        plan=seed_plan, code="M-02", name="CAMHS waiting time", unit="weeks", polarity="lower",
        target=D(12), tolerance=D(2),
    )  # fmt: skip
    ctx = Measure.objects.create(plan=seed_plan, code="CTX-01", name="Referrals", unit="count", polarity="higher")
    m01.recommendations.add(rec6)
    m02.recommendations.add(rec6)
    ctx.recommendations.add(rec2)
    add_values(m01, {mst.add_months(dt.date(2017, 10, 1), i): str(50 + i) for i in range(25)})
    measure_services.measure_value_record(measure=m01, period=NOVEMBER, value=D(90), by=plan_manager)
    add_values(m02, {dt.date(2019, 8, 1): "20", dt.date(2019, 9, 1): "18", dt.date(2019, 10, 1): "19"})
    for year, value in ((2016, "15"), (2018, "13")):
        measure_services.comparator_value_record(
            measure=m02,
            name="England",
            period=mst.Period(dt.date(year, 1, 1), mst.YEAR),
            value=D(value),
            by=plan_manager,
        )
    add_values(ctx, {dt.date(2019, 9, 1): "40", PERIOD: "44"})
    return {"M-01": m01, "M-02": m02, "CTX-01": ctx, "actions": (a61, a62, a63, a64)}


def by_code(snapshot: dict) -> dict[str, dict]:
    return {m["code"]: m for m in snapshot["measures"]}


def warned(snapshot: dict) -> list[str]:
    return [rec["reference"] for rec in snapshot["recommendations"] if rec["impact_warning"]]


def test_a_pack_stores_its_key_measures_as_at_its_period(fast_pdf, meeting, impact, plan_manager):
    snapshot = freeze(meeting, plan_manager).snapshot
    measures = by_code(snapshot)
    assert list(measures) == ["CTX-01", "M-01", "M-02"]

    m01 = measures["M-01"]
    # October's figure, not November's: a period after the pack's is not in it, even entered before freezing.
    assert (m01["value"], m01["period"], m01["period_label"]) == ("74%", "2019-10-01", "October 2019")
    assert (m01["status"], m01["status_label"]) == ("red", "Red")
    assert (m01["direction"], m01["previous_value"], m01["previous_period_label"]) == (
        "better",
        "73%",
        "September 2019",
    )
    assert m01["direction_since_baseline"] == "better"
    assert (m01["target"], m01["tolerance"], m01["unit"], m01["polarity"]) == ("80%", "5%", "percentage", "higher")
    assert m01["numbers"] == {"value": "74", "previous_value": "73", "target": "80", "tolerance": "5", "baseline": "55"}
    assert m01["recommendations"] == ["6"]
    # The chart: the last 13 months up to the pack's period, nothing later.
    rows = [row["period"] for row in m01["chart"]["table"]["rows"]]
    assert (rows[0], rows[-1], len(rows)) == ("October 2018", "October 2019", 13)
    assert "November 2019" not in json.dumps(snapshot["measures"])
    assert "90%" not in json.dumps(snapshot["measures"])

    m02 = measures["M-02"]
    assert (m02["value"], m02["status"], m02["direction"]) == ("19 weeks", "red", "worse")
    assert m02["chart"]["table"]["columns"][1] == "England"
    assert "2018" in [row["period"] for row in m02["chart"]["table"]["rows"]]  # overlaps the 13 months
    assert "2016" not in [row["period"] for row in m02["chart"]["table"]["rows"]]  # long before them

    ctx = measures["CTX-01"]
    assert (ctx["value"], ctx["status"], ctx["status_label"], ctx["target"]) == ("44", None, "No target", "")
    assert ctx["recommendations"] == ["2"]

    recommendations = {rec["reference"]: rec for rec in snapshot["recommendations"]}
    six = recommendations["6"]
    assert six["measure_counts"] == {"green": 0, "amber": 0, "red": 2, "none": 0}
    assert six["delivery"] == {"open": 4, "on_track": 4}
    assert six["measures"] == ["M-01", "M-02"] and six["impact_warning"] is True
    assert recommendations["2"]["measure_counts"] == {"green": 0, "amber": 0, "red": 0, "none": 1}
    assert recommendations["1"]["measures"] == [] and recommendations["1"]["impact_warning"] is False
    assert warned(snapshot) == ["6"]
    # Still JSON-safe, with no floats.
    assert json.loads(canonical_json(snapshot)) == snapshot
    assert "float" not in {type(v).__name__ for v in _leaves(snapshot)}


def test_a_packs_measures_page_pdf_and_hash_stay_when_live_figures_change(
    client, meeting, impact, plan_manager, board_member, tmp_path
):
    pack = freeze(meeting, plan_manager)
    client.force_login(board_member)
    page_before = main_of(client.get(pack.get_absolute_url()))
    snapshot_before = json.loads(json.dumps(pack.snapshot))
    shas_before = (pack.snapshot_sha256, pack.pdf_sha256)

    # The page: the table, a chart and its figures for each Red measure, the warning in words.
    assert 'id="measures"' in page_before and 'href="#measures">Key measures</a>' in page_before
    assert page_before.count('<svg class="app-chart"') == 2  # M-01 and M-02; CTX-01 has no status
    assert f'id="measure-{impact["M-01"].pk}"' in page_before
    assert "M-01 Children seen alone: the figures in the chart" in page_before
    assert page_before.count("Actions on track but measures off target") == 1
    assert "4 of 4 open actions Blue or Green, while 2 of 2 measures with a target Red" in page_before
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in page_before
    # The PDF: a contents entry, the section, the measure's code and figures, the warning.
    text = pdf_text(bytes(pack.pdf), tmp_path)
    assert re.search(r"Key measures\s*\.*\s*\d+", text), "the contents list gives the section's page"
    assert "M-01" in text and "Children seen alone" in text and "74%" in text
    assert "Actions on track but measures off target" in text
    assert "October 2018" in text and "September 2018" not in text  # the chart keeps 13 months

    with time_machine.travel(dt.datetime(2019, 12, 5, 9, 0, tzinfo=LONDON), tick=False):
        measure_services.measure_value_record(
            measure=impact["M-01"], period=dt.date(2019, 12, 1), value=D(95), by=plan_manager
        )
        measure_services.measure_value_record(measure=impact["M-01"], period=PERIOD, value=D(85), by=plan_manager)
        measure_services.measure_update(measure=impact["M-02"], by=plan_manager, target=D(30))
        MeasureValue.objects.filter(measure=impact["CTX-01"]).update(value=D(1))  # behind the services' back

    pack.refresh_from_db()
    assert pack.snapshot == snapshot_before
    assert (pack.snapshot_sha256, pack.pdf_sha256) == shas_before
    assert pack_snapshot_check(pack).ok
    assert main_of(client.get(pack.get_absolute_url())) == page_before
    # The live figures did change: the same papers built now would differ.
    rebuilt = build_pack_snapshot(meeting=meeting, by=plan_manager, version=1, at=pack.frozen_at)
    assert by_code(rebuilt)["M-01"]["value"] == "85%" and by_code(rebuilt)["M-02"]["status"] == "green"
    assert warned(rebuilt) == []


def test_the_impact_warning_needs_three_quarters_on_track_and_half_the_measures_red(seed_plan, impact):
    m01, m02 = impact["M-01"], impact["M-02"]
    a61, a62, a63, a64 = impact["actions"]

    def live() -> dict:
        return snapshot_from_dashboard(build_dashboard(seed_plan, PERIOD))

    def october(measure, value):
        MeasureValue.objects.filter(measure=measure, period=PERIOD).update(value=D(value))

    def rate(action, status):
        ActionUpdate.objects.filter(action=action, period=PERIOD).update(status=status)

    assert warned(live()) == ["6"]  # 4 of 4 on track (3 Green, 1 Blue); 2 of 2 measures Red
    october(m02, "13")  # Amber: 1 of 2 Red is still half
    assert warned(live()) == ["6"]
    october(m01, "80")  # Green: no measure Red
    assert warned(live()) == []
    october(m01, "70")
    october(m02, "19")
    rate(a62, Rag.AMBER)  # 3 of 4 on track is still three quarters
    assert warned(live()) == ["6"]
    rate(a63, Rag.RED)  # 2 of 4
    assert warned(live()) == []
    rate(a62, Rag.GREEN)
    rate(a63, Rag.GREEN)
    ActionUpdate.objects.filter(action=a61, period=PERIOD).delete()  # no update: not on track
    assert warned(live()) == ["6"]  # 3 of 4
    # Measures without a target never count: with both targets gone there is nothing to weigh.
    Measure.objects.filter(pk__in=[m01.pk, m02.pk]).update(target=None)
    snapshot = live()
    assert warned(snapshot) == []
    assert next(r for r in snapshot["recommendations"] if r["reference"] == "6")["measure_counts"]["none"] == 2


def test_the_xlsx_has_a_measures_sheet_and_the_csv_stays_per_action(fast_pdf, meeting, impact, plan_manager):
    pack = freeze(meeting, plan_manager)
    workbook = load_workbook(io.BytesIO(xlsx_from_snapshot(pack.snapshot)))
    assert workbook.sheetnames[:3] == ["Summary", "By recommendation", "Measures"]
    sheet = workbook["Measures"]
    header = [cell.value for cell in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == ["CTX-01", "M-01", "M-02"]
    m01 = rows["M-01"]
    assert m01["Latest value"] == 74 and m01["Latest value (as shown)"] == "74%"
    assert (m01["Period"], m01["Target"], m01["Status"]) == ("October 2019", 80, "Red")
    assert (m01["Since previous"], m01["Since baseline"], m01["Recommendations"]) == ("Better", "Better", "6")
    assert rows["CTX-01"]["Status"] == "No target" and rows["CTX-01"]["Target"] is None
    recommendations = workbook["By recommendation"]
    header = [cell.value for cell in recommendations[1]]
    flags = {
        r[0]: r[header.index("Actions on track but measures off target")]
        for r in recommendations.iter_rows(min_row=2, values_only=True)
    }
    assert flags["6"] == "Yes" and flags["2"] == "No"
    assert all(cell.data_type != "f" for sheet in workbook for r in sheet.iter_rows() for cell in r)
    rows = list(csv.reader(io.StringIO(csv_from_snapshot(pack.snapshot).decode("utf-8-sig"))))
    assert rows[0] == ACTION_HEADER and len(rows) == 36


def test_a_pack_frozen_before_key_measures_existed_shows_without_them(
    fast_pdf, client, meeting, impact, plan_manager, board_member
):
    pack = freeze(meeting, plan_manager)
    new_keys = {"measures", "measure_counts", "delivery", "impact_warning"}
    old = {key: value for key, value in pack.snapshot.items() if key != "measures"}
    old["recommendations"] = [{k: v for k, v in r.items() if k not in new_keys} for r in old["recommendations"]]
    BoardPack.objects.filter(pk=pack.pk).update(snapshot=old)
    assert present(old)["measures"] is None
    assert "Key measures" not in pdf_html(old)
    assert "Measures" not in load_workbook(io.BytesIO(xlsx_from_snapshot(old))).sheetnames
    client.force_login(board_member)
    page = client.get(pack.get_absolute_url())
    assert page.status_code == 200 and "Key measures" not in main_of(page)


def _add_measures(plan, first: int, count: int) -> None:
    """`count` measures with two years of monthly figures, an England comparator, and links."""
    recommendations = list(plan.recommendations.order_by("order"))
    measures = Measure.objects.bulk_create(
        Measure(
            plan=plan, code=f"Q-{first + i:02d}", name=f"Measure {first + i}", unit="percentage",
            polarity="higher" if i % 2 else "lower", target=D(60), tolerance=D(5),
        )
        for i in range(count)
    )  # fmt: skip
    for i, measure in enumerate(measures):
        measure.recommendations.add(recommendations[i % len(recommendations)])
    MeasureValue.objects.bulk_create(
        MeasureValue(measure=measure, period=mst.add_months(dt.date(2018, 1, 1), month), value=D(40 + month))
        for measure in measures
        for month in range(24)
    )
    comparators = Comparator.objects.bulk_create(Comparator(measure=measure, name="England") for measure in measures)
    ComparatorValue.objects.bulk_create(
        ComparatorValue(comparator=comparator, period=dt.date(year, 1, 1), period_kind="year", value=D(55))
        for comparator in comparators
        for year in (2018, 2019)
    )


def test_building_a_snapshot_makes_the_same_queries_for_2_and_for_30_measures(db):
    plan = build_plan("packs-measures", 40, recommendations=5)
    manager = UserFactory(username="measures-manager")
    board = Board.objects.create(plan=plan, name="Board")
    meeting = Meeting.objects.create(board=board, date=dt.date(2019, 11, 7), period=PERIOD, cutoff=CUTOFF)
    counts = []
    for first, count in ((1, 2), (3, 28)):
        _add_measures(plan, first, count)
        with CaptureQueriesContext(connection) as queries:
            snapshot = build_pack_snapshot(meeting=meeting, by=manager, version=1, at=NOW)
        counts.append(len(queries))
    assert len(snapshot["measures"]) == 30
    assert all(len(m["chart"]["table"]["rows"]) == 13 + 2 for m in snapshot["measures"])  # 13 months, 2018, 2019
    print(f"\nsnapshot queries with 2 and with 30 measures: {counts}")
    assert counts[0] == counts[1]


# Size: query counts and the seed's PDF time ---------------------------------------------------------


def test_pack_pages_make_the_same_few_queries_for_a_500_action_plan(db, client, django_assert_max_num_queries):
    plan = build_plan("packs-500", 500)
    manager = UserFactory(username="big-manager")
    plan.memberships.create(user=manager, kind="plan_manager")
    board = Board.objects.create(plan=plan, name="Big board")
    meeting = Meeting.objects.create(board=board, date=dt.date(2019, 11, 7), period=PERIOD, cutoff=CUTOFF)
    snapshot = build_pack_snapshot(meeting=meeting, by=manager, version=1, at=NOW)
    pdf = b"%PDF-1.7 not rendered for this test"
    pack = BoardPack.objects.create(
        meeting=meeting,
        version=1,
        snapshot=snapshot,
        snapshot_sha256=hashlib.sha256(canonical_json(snapshot)).hexdigest(),
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        frozen_by=manager,
        frozen_at=NOW,
    )
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get(pack.get_absolute_url())
    assert response.status_code == 200 and response.content.decode().count('id="action-') == 500
    with django_assert_max_num_queries(8):
        assert client.get(reverse("governance:board_packs", args=[plan.slug, board.pk])).status_code == 200


def seed_measure_figures(plan) -> None:
    """The seed's 43 key measures, each with 13 periods of figures to October 2019 and a target that
    makes a third of them Red, a third Amber and a third Green (so about 29 charts in the papers)."""
    call_command("loaddata", "seed_measures", verbosity=0)
    values = []
    for index, measure in enumerate(Measure.objects.filter(plan=plan).order_by("code")):
        months = mst.MONTHS_IN[measure.frequency]
        last = mst.period_start(PERIOD, measure.frequency)
        for k in range(13):
            values.append(
                MeasureValue(measure=measure, period=mst.add_months(last, (k - 12) * months), value=D(60 + k))
            )
        latest, sign = D(72), 1 if measure.polarity == "higher" else -1
        target = latest + sign * [D(10), D(3), D(0)][index % 3]  # Red, Amber, Green with a tolerance of 5
        Measure.objects.filter(pk=measure.pk).update(target=target, tolerance=D(5))
    MeasureValue.objects.bulk_create(values)


def test_seed_pack_pdf_render_time(seed_plan, board, lead, plan_manager):
    """Every working action of the seed plan with a full update, and the seed's key measures with
    figures; prints the render time."""
    for index, action in enumerate(seed_plan.actions.order_by("order")):
        submit(
            action,
            plan_manager,
            status=[Rag.GREEN, Rag.AMBER, Rag.RED, Rag.GREEN][index % 4],
            narrative="Audits show management oversight improving; three of five teams now meet the standard. " * 2,
            next_steps="Complete the remaining audits and report to the board in November.",
            risks="Staff turnover in two teams." if index % 3 else "",
        )
    seed_measure_figures(seed_plan)
    meeting = Meeting.objects.create(board=board, date=dt.date(2019, 11, 7), period=PERIOD, cutoff=CUTOFF)
    with time_machine.travel(ISSUE_DAY, tick=False):
        snapshot = build_pack_snapshot(meeting=meeting, by=plan_manager, version=1, at=ISSUE_DAY)
    assert len(snapshot["actions"]) == 35 and snapshot["totals"]["none"] == 0
    charted = sum(1 for m in snapshot["measures"] if m["status"] in ("red", "amber"))
    assert len(snapshot["measures"]) == 43 and charted == 29
    start, start_cpu = time.perf_counter(), time.process_time()
    pdf = pdf_from_snapshot(snapshot)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(
        f"\nseed pack PDF (35 actions, 43 measures, {charted} charts, {len(pdf):,} bytes): "
        f"rendered in {elapsed:.2f} s ({cpu:.2f} s of CPU)"
    )
    assert pdf.startswith(b"%PDF-")
