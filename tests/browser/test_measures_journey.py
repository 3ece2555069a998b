"""The measure pages in a real browser: no console errors (CSP included) and no axe-core violations."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

import audit
from measures import services
from measures import status as st
from measures.models import Measure
from plans.models import Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_measures_list_page_and_forms_pass_axe(browser_page, check_page, login_as, seed_plan_committed):  # noqa: F811
    page = browser_page
    call_command("loaddata", "seed_measures", verbosity=0)
    manager = UserFactory(username="meg", first_name="Meg", last_name="Manager")
    Membership.objects.create(user=manager, plan=seed_plan_committed, kind=Membership.Kind.PLAN_MANAGER)
    measure = Measure.objects.get(plan=seed_plan_committed, code="CSC-13")
    measure = services.measure_update(measure=measure, by=manager, target=D(85), tolerance=D(5))
    for month, value in enumerate(["71", "74.5", None, "79", "83.2", "86"]):
        if value is not None:
            period = st.add_months(dt.date(2019, 4, 1), month)
            services.measure_value_record(measure=measure, period=period, value=D(value), by=manager)
    services.comparator_value_record(
        measure=measure, name="England", period=st.parse_period("2019"), value=D("82.7"), by=manager
    )
    services.comparator_value_record(
        measure=measure, name="Statistical neighbours", period=st.parse_period("2019-Q3"), value=D("80"), by=manager
    )
    board_member_probe = UserFactory(username="bo", first_name="Bo", last_name="Probe")
    login_as(manager)

    page.goto(f"/plans/{seed_plan_committed.slug}/measures/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Key measures")
    check_page(page, "measures-list")

    page.get_by_role("link", name="CSC-13 Assessments completed within 45 working days").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessments completed within 45 working days")
    expect(page.get_by_role("img", name="CSC-13 Assessments completed within 45 working days")).to_be_visible()
    check_page(page, "measure")

    page.get_by_role("button", name="Enter a value").click()
    page.get_by_label("Period").fill("2019-10")
    page.get_by_label("Value (percentage)").fill("90")
    page.get_by_label("Numerator").fill("45")
    page.get_by_label("Denominator").fill("60")
    page.get_by_role("button", name="Save the value").click()
    expect(page.get_by_role("link", name="disagrees with the numerator and denominator", exact=False)).to_be_visible()
    check_page(page, "value-form-error")
    page.get_by_label("Value (percentage)").fill("")
    page.get_by_role("button", name="Save the value").click()
    expect(page.get_by_text("CSC-13 for October 2019: 75% saved.")).to_be_visible()

    page.goto(f"/plans/{seed_plan_committed.slug}/measures/import/")
    check_page(page, "import-upload")

    # The plan manager's audit log, from the people page, searched by event.
    audit.record(
        kind=audit.Kind.NOT_FOUND,
        user=board_member_probe,
        plan=seed_plan_committed,
        object_type="action",
        object_id=999,
    )
    page.goto(f"/plans/{seed_plan_committed.slug}/people/")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    page.get_by_label("Event").select_option("not_found")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 event found, newest first.")
    check_page(page, "audit-log")

    # A board member then sees the new month in the chart and in the table beside it.
    board_member = UserFactory(username="bea", first_name="Bea", last_name="Board")
    Membership.objects.create(user=board_member, plan=seed_plan_committed, kind=Membership.Kind.BOARD_MEMBER)
    page.context.clear_cookies()
    login_as(board_member)
    page.goto(f"/plans/{seed_plan_committed.slug}/measures/{measure.pk}/")
    chart = page.get_by_role("img", name="CSC-13 Assessments completed within 45 working days")
    expect(chart).to_be_visible()
    expect(page.locator("svg desc").first).to_contain_text("75")
    october = page.get_by_role("row").filter(has_text="October 2019")
    expect(october.first).to_contain_text("75")
    expect(page.get_by_role("button", name="Enter a value")).to_have_count(0)  # board members read only
    check_page(page, "measure-seen-by-board-member")
