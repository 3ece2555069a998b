"""A lead's monthly update in a real browser: the reason rule, a PDF as evidence, and a board member
who then reads and downloads it. axe and the console are checked on every page."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import ActionUpdate, Evidence, Rag, previous_period
from governance.services import current_period
from plans.models import Membership, RoleHolder
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

LEAD_ROLE = "Head of Quality Assurance (CC&S)"  # leads 2.6, 3.6, 4.2 and 6.1
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_lead_submits_an_amber_update_with_a_pdf_and_a_board_member_downloads_it(
    browser_page, browser_context, check_page, login_as, seed_plan_committed, settings, tmp_path
):
    page = browser_page
    plan = seed_plan_committed
    # Uploads go to a throwaway folder; the live server's thread reads the same settings.
    settings.MEDIA_ROOT = tmp_path / "media"
    lead = UserFactory(username="lee", first_name="Lee", last_name="Lead")
    RoleHolder.objects.create(user=lead, role=plan.roles.get(title=LEAD_ROLE))
    board_member = UserFactory(username="bola", first_name="Bola", last_name="Board")
    Membership.objects.create(user=board_member, plan=plan, kind=Membership.Kind.BOARD_MEMBER)
    action = plan.actions.get(reference="3.6")
    period = current_period()
    # Last month's update was Red, so any other status this month needs a reason.
    ActionUpdate.objects.create(
        action=action,
        period=previous_period(period),
        status=Rag.RED,
        narrative="The review has not started: no reviewer yet.",
        submitted_by=lead,
        submitted_at=timezone.now(),
    )
    pdf = tmp_path / "PLO review progress.pdf"
    pdf.write_bytes(PDF)

    # My actions, from the service navigation.
    login_as(lead)
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="3.6", exact=True))
    expect(row).to_contain_text("Red")
    check_page(page, "my-actions")

    # The update form.
    row.get_by_role("link", name="Update action 3.6").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{period:%B %Y} update")
    check_page(page, "update-form")

    # Green after Red without a reason: the form comes back with a GOV.UK error summary.
    page.get_by_role("radio", name=re.compile(r"^Green")).check()
    page.get_by_label("Progress this month").fill("The reviewer started and has read 20 of 52 cases.")
    page.get_by_role("button", name="Save the update").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    reason_error = summary.get_by_role("link", name=re.compile(r"Say why the status changed from Red to Green"))
    expect(reason_error).to_have_attribute("href", "#id_reason")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_label("Progress this month")).to_have_value("The reviewer started and has read 20 of 52 cases.")
    assert not ActionUpdate.objects.filter(action=action, period=period).exists()
    check_page(page, "update-form-reason-missing")

    # Amber, with a reason and the PDF.
    page.get_by_role("radio", name=re.compile(r"^Amber")).check()
    page.get_by_label("Why has the status changed?").fill("The reviewer is in post, but the review is behind plan.")
    page.get_by_label("Evidence title").fill("PLO review: progress note")
    page.get_by_label("Evidence file").set_input_files(str(pdf))
    page.get_by_role("button", name="Save the update").click()

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(f"Your {period:%B %Y} update for action 3.6 is saved (Amber).")
    expect(page.get_by_role("heading", level=1)).to_have_text("Action 3.6")
    check_page(page, "action-after-update")
    update = ActionUpdate.objects.get(action=action, period=period)
    assert (update.status, update.submitted_by) == (Rag.AMBER, lead)
    evidence = Evidence.objects.get(action=action)
    assert (evidence.kind, evidence.update, evidence.original_name) == ("file", update, "PLO review progress.pdf")
    stored = settings.MEDIA_ROOT / evidence.file.name
    assert stored.read_bytes() == PDF

    # A board member, in a fresh session, reads the action page and downloads the file.
    browser_context.clear_cookies()
    login_as(board_member)
    page.goto(action.get_absolute_url())
    expect(page.get_by_text("Signed in as Bola Board")).to_be_attached()
    status_bar = page.locator(".app-status-bar")
    expect(status_bar.locator(".govuk-tag").first).to_have_text("Amber")
    expect(page.get_by_role("link", name=re.compile(r"Submit the|Revise the"))).to_have_count(0)
    history = page.locator("#timeline + .app-timeline")
    expect(history).to_contain_text(f"{period:%B %Y} update submitted")
    expect(history).to_contain_text("The reviewer is in post, but the review is behind plan.")
    link = page.locator("#evidence + ul").get_by_role("link", name="PLO review: progress note")
    expect(link).to_be_visible()
    expect(page.locator("#evidence + ul")).to_contain_text("PLO review progress.pdf")
    check_page(page, "action-as-board-member")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes() == PDF
    page.console_errors.assert_none("after the download")


def test_demo_updates_read_well_and_pass_axe(browser_page, check_page, login_as, seed_plan_committed, settings):
    """load_demo's months of updates on the pages a newcomer opens first."""
    from django.contrib.auth import get_user_model

    page = browser_page
    plan = seed_plan_committed
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    settings.DEBUG = False
    users = get_user_model().objects

    login_as(users.get(username="lead"))
    page.goto("/my-actions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    expect(page.get_by_role("row").filter(has=page.get_by_role("link", name="3.6", exact=True))).to_contain_text("Blue")
    check_page(page, "demo-my-actions")

    for reference, status, state in [
        ("5.5", "Blue", "Proposed complete"),
        ("3.1", "Blue", "Closed"),
        ("2.6", "Green", "Open"),
    ]:
        action = plan.actions.get(reference=reference)
        page.goto(action.get_absolute_url())
        status_bar = page.locator(".app-status-bar")
        expect(status_bar.locator(".govuk-tag").first).to_have_text(status)
        expect(status_bar).to_contain_text(state)
        history = page.locator("#timeline + .app-timeline")
        expect(history).to_contain_text("(Demo data)")
        expect(history).to_contain_text("June 2019 update submitted")
        if state == "Closed":
            expect(page.get_by_text("Agreed at the Children's Improvement Board of 12 September 2019")).to_be_visible()
        check_page(page, f"demo-action-{reference}")
