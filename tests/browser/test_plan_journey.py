"""A person's journey through the plan in a real browser, with axe and console checks on every page."""

import re

import pytest
from playwright.sync_api import expect

from plans.models import Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a-known-password-for-tests"
LEAD_LABEL = "Head of Quality Assurance (CC&S) (London Borough of Barking and Dagenham)"


def test_sign_in_filter_by_lead_and_open_an_action(browser_page, check_page, seed_plan_committed):
    page = browser_page
    reader = UserFactory(username="quinn", first_name="Quinn", last_name="Reader", password=PASSWORD)
    Membership.objects.create(user=reader, plan=seed_plan_committed, kind=Membership.Kind.BOARD_MEMBER)

    # Signing in through the real form.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page, "login")
    page.get_by_label("Username").fill("quinn")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    # A board member's home: the dashboard.
    expect(page).to_have_url(re.compile(rf"/plans/{seed_plan_committed.slug}/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Dashboard: "))
    expect(page.get_by_text("Signed in as Quinn Reader")).to_be_attached()
    check_page(page, "dashboard")

    # The plan overview, from the breadcrumbs.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=seed_plan_committed.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_plan_committed.title)
    check_page(page, "plan-overview")

    # The action list, from the service navigation.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Actions", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/plans/{seed_plan_committed.slug}/actions/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions")
    total = seed_plan_committed.actions.count()
    expect(page.get_by_role("status")).to_have_text(f"{total} actions found.")
    check_page(page, "action-list")

    # Filtered by one lead.
    page.get_by_label("Lead", exact=True).select_option(label=LEAD_LABEL)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]lead=\d+"))
    expect(page.get_by_label("Lead", exact=True).locator("option:checked")).to_have_text(LEAD_LABEL)
    expected = seed_plan_committed.actions.filter(leads__title="Head of Quality Assurance (CC&S)").distinct().count()
    assert 0 < expected < total
    expect(page.get_by_role("status")).to_have_text(f"{expected} action{'s' if expected != 1 else ''} found.")
    results = page.locator("table.app-table--actions tbody tr")
    expect(results).to_have_count(expected)
    expect(results.filter(has_text="Head of Quality Assurance (CC&S)")).to_have_count(expected)
    link = page.get_by_role("table").get_by_role("link", name="3.6", exact=True)
    expect(link).to_be_visible()
    check_page(page, "action-list-filtered-by-lead")

    # Action 3.6.
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action 3.6")
    rows = page.locator(".govuk-summary-list__row")
    description = rows.filter(has=page.locator("dt", has_text=re.compile(r"^Description$"))).locator("dd")
    expect(description).to_contain_text("focusing on progress, quality of practice and thresholds")
    by_when = rows.filter(has=page.locator("dt", has_text=re.compile(r"^By when$"))).locator("dd")
    expect(by_when).to_contain_text("April 2019")
    expect(by_when).to_contain_text("30 April 2019")
    leads = rows.filter(has=page.locator("dt", has_text=re.compile(r"^Operational leads?$"))).locator("dd")
    expect(leads).to_contain_text("Head of Quality Assurance (CC&S)")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("Action 3.6")
    check_page(page, "action-3.6")


def test_login_page_shows_an_error_summary_for_a_wrong_password(browser_page, check_page, transactional_db):
    page = browser_page
    UserFactory(username="quinn", password=PASSWORD)

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("quinn")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_username")
    expect(summary.get_by_role("link")).to_contain_text("enter a correct username and password")
    # GOV.UK Frontend moves focus to the summary so screen readers announce it.
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    check_page(page, "login-wrong-password")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    browser_page, check_page, login_as, lead, seed_plan_committed
):
    page = browser_page
    login_as(lead)
    page.goto(seed_plan_committed.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_plan_committed.title)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()  # visible once focused
    check_page(page, "skip-link-focused")

    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main-content$"))
    check_page(page, "main-content-focused")

    # Two-factor sign-in, from the footer: a lead may set up an authenticator app (the QR code is inline SVG).
    page.get_by_role("contentinfo").get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check_page(page, "two-factor-set-up")


def test_import_page_passes_axe(browser_page, check_page, login_as, admin_user):
    page = browser_page
    login_as(admin_user)
    page.goto("/")
    page.get_by_role("link", name="Import a plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a plan")
    check_page(page, "import-upload")


def test_recommendation_page_passes_axe(browser_page, check_page, login_as, board_member, seed_plan_committed):
    page = browser_page
    recommendation = seed_plan_committed.recommendations.get(reference="3")
    login_as(board_member)
    page.goto(recommendation.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(recommendation.text)
    actions_table = page.get_by_role("table", name="Actions for recommendation 3")
    expect(actions_table.get_by_role("link", name="3.6", exact=True)).to_be_visible()
    check_page(page, "recommendation-3")
