"""A board member's journey: the dashboard, a Red action and its evidence, a challenge, and last
month's frozen papers downloaded as PDF. axe and the console are checked on every page."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import ActionUpdate, Board, Challenge, Evidence, Meeting, Rag
from governance.packs import board_pack_freeze
from plans.models import Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

JUNE, JULY = dt.date(2019, 6, 1), dt.date(2019, 7, 1)


def test_board_member_reviews_the_dashboard_challenges_a_red_action_and_downloads_last_months_papers(
    browser_page, check_page, login_as, seed_plan_committed
):
    page = browser_page
    plan = seed_plan_committed
    call_command("loaddata", "seed_board", verbosity=0)
    board = Board.objects.get(plan=plan)
    member = UserFactory(username="bola", first_name="Bola", last_name="Board")
    Membership.objects.create(user=member, plan=plan, kind=Membership.Kind.BOARD_MEMBER)
    manager = UserFactory(username="mina", first_name="Mina", last_name="Manager")
    Membership.objects.create(user=manager, plan=plan, kind=Membership.Kind.PLAN_MANAGER)
    action = plan.actions.get(reference="3.6")
    for period, status, reason in [(JUNE, Rag.GREEN, ""), (JULY, Rag.RED, "No independent reviewer could be found")]:
        update = ActionUpdate.objects.create(
            action=action,
            period=period,
            status=status,
            narrative=f"Review of pre-proceedings cases, {period:%B}.",
            reason=reason,
            submitted_by=manager,
            submitted_at=timezone.now(),
        )
    Evidence.objects.create(
        action=action,
        update=update,
        period=JULY,
        kind=Evidence.Kind.LINK,
        title="Review terms of reference",
        evidence_date=JULY,
        url="https://example.org/plo-review",
        added_by=manager,
        added_at=timezone.now(),
    )
    # Last month's meeting, its papers issued (frozen), then this month's meeting reviewing July.
    june_meeting = Meeting.objects.create(
        board=board, date=dt.date(2019, 7, 10), period=JUNE, cutoff=dt.date(2019, 7, 3), status="held"
    )
    board_pack_freeze(meeting=june_meeting, by=manager)
    Meeting.objects.create(board=board, date=dt.date(2019, 8, 14), period=JULY, cutoff=dt.date(2019, 8, 7))

    # The dashboard is a board member's home page, showing the latest meeting's period.
    login_as(member)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard: July 2019")
    new_reds = page.locator("h3", has_text="New Reds (1)")
    expect(new_reds).to_be_visible()
    check_page(page, "dashboard")

    # Drill into the Red action from the exceptions.
    page.locator("ul", has=page.get_by_role("link", name="3.6", exact=True)).first.get_by_role(
        "link", name="3.6", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action 3.6")
    expect(page.locator("#timeline")).to_be_visible()
    expect(page.get_by_text("No independent reviewer could be found")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Review terms of reference")).first).to_be_visible()
    check_page(page, "red-action")

    # Raise a challenge.
    page.get_by_role("link", name=re.compile("Raise a challenge")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a challenge")
    check_page(page, "challenge-form")
    page.get_by_role("textbox").first.fill("The evidence does not show the impact on drift in pre-proceedings.")
    page.get_by_role("button", name="Raise the challenge").click()
    expect(page.get_by_text("The evidence does not show the impact on drift in pre-proceedings.")).to_be_visible()
    assert Challenge.objects.filter(action=action, raised_by=member, status="open").count() == 1
    check_page(page, "challenge-raised")

    # Last month's papers, from the board page.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Board", exact=True).click()
    page.get_by_role("link", name="Every board pack issued").click()
    check_page(page, "board-papers")
    page.get_by_role("link", name=re.compile("^Version 1")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Papers for 10 July 2019")
    check_page(page, "pack")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="The papers as issued (PDF)").click()
    download = download_info.value
    with open(download.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
