"""Measure pages: who may read and write, what the pages show, and the methods they accept."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse

from measures import services
from measures.models import Comparator, Measure, MeasureValue
from tests.factories import UserFactory


@pytest.fixture
def seed_measures(seed_plan):
    call_command("loaddata", "seed_measures", verbosity=0)
    return {m.code: m for m in Measure.objects.filter(plan=seed_plan)}


@pytest.fixture
def owned(seed_measures):
    """CSC-20 (core groups in timescale) is owned by the lead's role, Head of Quality Assurance (CC&S)."""
    measure = seed_measures["CSC-20"]
    assert measure.owner.title == "Head of Quality Assurance (CC&S)"
    return measure


@pytest.fixture
def not_owned(seed_measures):
    return seed_measures["CSC-03"]


def url(name, measure):
    return reverse(f"measures:{name}", args=[measure.plan.slug, measure.pk])


VALUE = {"period": "2019-04", "value": "", "numerator": "45", "denominator": "60", "note": "From LCS"}

# Permissions ----------------------------------------------------------------------------------------


def test_the_owner_enters_a_value(lead_client, owned):
    response = lead_client.post(url("value_create", owned), VALUE)
    assert response.status_code == 302 and response.url == owned.get_absolute_url()
    item = MeasureValue.objects.get(measure=owned)
    assert item.value == D(75) and item.entered_by.username == "lee"


def test_an_owner_cannot_enter_another_owners_measure(lead_client, not_owned):
    assert lead_client.get(url("value_create", not_owned)).status_code == 403
    assert lead_client.post(url("value_create", not_owned), VALUE).status_code == 403
    assert not MeasureValue.objects.exists()


def test_a_plan_manager_enters_any_measures_value(manager_client, not_owned):
    response = manager_client.post(url("value_create", not_owned), VALUE)
    assert response.status_code == 302
    assert MeasureValue.objects.get(measure=not_owned).value == D(75)


def test_a_board_member_reads_but_cannot_write(board_client, owned):
    assert board_client.get(url("measure_detail", owned)).status_code == 200
    assert board_client.get(reverse("measures:measure_list", args=[owned.plan.slug])).status_code == 200
    for name in ("value_create", "comparator_value_create", "measure_edit"):
        assert board_client.get(url(name, owned)).status_code == 403
        assert board_client.post(url(name, owned), VALUE).status_code == 403
    import_url = reverse("measures:value_import", args=[owned.plan.slug])
    assert board_client.get(import_url).status_code == 403
    assert board_client.post(import_url, {}).status_code == 403
    assert not MeasureValue.objects.exists()


def test_an_outsider_is_told_nothing_exists(client, outsider, owned):
    client.force_login(outsider)
    for name in ("measure_detail", "value_create", "comparator_value_create", "measure_edit"):
        assert client.get(url(name, owned)).status_code == 404
    assert client.post(url("value_create", owned), VALUE).status_code == 404
    for name in ("measure_list", "value_import"):
        assert client.get(reverse(f"measures:{name}", args=[owned.plan.slug])).status_code == 404
    assert not MeasureValue.objects.exists()


def test_a_former_holder_of_the_owner_role_cannot_write(client, owned, lead):
    from plans.models import RoleHolder

    RoleHolder.objects.filter(user=lead).update(until=dt.date(2019, 6, 30))
    client.force_login(lead)
    assert client.get(url("value_create", owned)).status_code == 404  # no longer in the plan at all


def test_anonymous_people_are_sent_to_sign_in(client, owned):
    response = client.get(url("measure_detail", owned))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_only_a_plan_manager_edits_a_measure(client, lead, plan_manager, owned):
    client.force_login(lead)  # the owner enters values but does not set the target
    assert client.get(url("measure_edit", owned)).status_code == 403
    data = {
        "name": owned.name, "definition": owned.definition, "unit": "percentage", "polarity": "higher",
        "frequency": "month", "target": "90", "target_date": "31/03/2020", "tolerance": "5",
        "baseline_value": "72", "baseline_period": "March 2019", "source": "LCS", "owner": owned.owner_id,
    }  # fmt: skip
    assert client.post(url("measure_edit", owned), data).status_code == 403
    client.force_login(plan_manager)
    response = client.post(url("measure_edit", owned), data)
    assert response.status_code == 302
    owned.refresh_from_db()
    assert (owned.target, owned.tolerance, owned.target_date) == (D(90), D(5), dt.date(2020, 3, 31))
    assert (owned.baseline_value, owned.baseline_period) == (D(72), dt.date(2019, 3, 1))
    assert owned.history.latest().history_user.username == "mina"


def test_read_only_pages_refuse_post(board_client, owned):
    assert board_client.post(url("measure_detail", owned)).status_code == 405
    assert board_client.post(reverse("measures:measure_list", args=[owned.plan.slug])).status_code == 405


def test_write_pages_accept_only_get_and_post(manager_client, owned):
    assert manager_client.put(url("value_create", owned)).status_code == 405
    assert manager_client.delete(url("measure_edit", owned)).status_code == 405


# Forms -----------------------------------------------------------------------------------------------


def test_the_form_refuses_a_typed_value_that_disagrees(lead_client, owned):
    response = lead_client.post(url("value_create", owned), VALUE | {"value": "80"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "disagrees with the numerator and denominator" in html
    assert not MeasureValue.objects.exists()


def test_the_form_explains_a_bad_period(lead_client, owned):
    response = lead_client.post(url("value_create", owned), VALUE | {"period": "2019-Q2"})
    assert "is a quarter, but this measure is monthly" in response.content.decode()


def test_the_form_corrects_an_existing_value(lead_client, owned, lead):
    services.measure_value_record(measure=owned, period=dt.date(2019, 4, 1), value=D(70), by=lead)
    page = lead_client.get(url("value_create", owned) + "?period=2019-04")
    assert "Correct the value for April 2019" in page.content.decode()
    assert page.context["form"].initial["value"] == "70"
    lead_client.post(url("value_create", owned), {"period": "April 2019", "value": "71.5%"})
    item = MeasureValue.objects.get(measure=owned)
    assert item.value == D("71.5") and item.history.count() == 2


def test_a_suppressed_period_is_entered_as_a_gap(lead_client, owned):
    lead_client.post(url("value_create", owned), {"period": "2019-04", "suppressed": "on", "note": "Fewer than 5"})
    item = MeasureValue.objects.get(measure=owned)
    assert item.suppressed and item.value is None


def test_a_comparator_figure_is_added(lead_client, owned):
    data = {"name": "England", "period": "2019", "value": "77.2", "source": "LAIT"}
    assert lead_client.post(url("comparator_value_create", owned), data).status_code == 302
    lead_client.post(url("comparator_value_create", owned), data | {"name": "england", "value": "77.4"})
    comparator = Comparator.objects.get(measure=owned)
    assert comparator.name == "England" and comparator.values.get().value == D("77.4")


# What the pages show ---------------------------------------------------------------------------------


@pytest.fixture
def with_figures(owned, plan_manager):
    services.measure_update(measure=owned, by=plan_manager, target=D(80), tolerance=D(5))
    for month, number in ((4, "70"), (5, "76"), (7, "78.5")):
        services.measure_value_record(measure=owned, period=dt.date(2019, month, 1), value=D(number), by=plan_manager)
    services.comparator_value_record(
        measure=owned, name="England", period=services.st.parse_period("2019-Q2"), value=D("77.2"), by=plan_manager
    )
    owned.refresh_from_db()
    return owned


def test_the_measure_page_shows_status_direction_chart_and_table(board_client, with_figures):
    html = board_client.get(url("measure_detail", with_figures)).content.decode()
    assert '<strong class="govuk-tag govuk-tag--orange">Amber</strong>' in html  # 78.5% against 80%, tolerance 5
    assert "Better" in html and "since May 2019 (76%)" in html
    svg = re.search(r'<svg class="app-chart".*?</svg>', html, re.S).group(0)
    for figure in (
        "April 2019: 70%",
        "May 2019: 76%",
        "June 2019: No value",
        "July 2019: 78.5%",
        "April to June 2019: 77.2%",
    ):
        assert figure in svg
    assert svg.count("<polyline") == 1  # April–May; June is a gap, July stands alone
    table = re.search(r'<table class="govuk-table app-chart-table[^"]*">.*?</table>', html, re.S).group(0)
    for figure in ("70%", "76%", "78.5%", "77.2%", "April to June 2019"):
        assert figure in table
    assert "Target 80%" in html


def test_the_measure_page_offers_only_what_the_person_may_do(board_client, with_figures):
    html = board_client.get(url("measure_detail", with_figures)).content.decode()
    assert "Enter a value" not in html and "Edit the measure" not in html


def test_a_measure_without_a_target_shows_a_trend_and_no_status(board_client, seed_measures, plan_manager):
    measure = seed_measures["CSC-01"]
    services.measure_value_record(measure=measure, period=dt.date(2019, 4, 1), value=D(120), by=plan_manager)
    html = board_client.get(url("measure_detail", measure)).content.decode()
    assert "No target" in html and "shown for context" in html
    assert "govuk-tag--red" not in html and "govuk-tag--green" not in html


def test_the_list_groups_measures_by_recommendation_with_their_status(board_client, with_figures):
    response = board_client.get(reverse("measures:measure_list", args=[with_figures.plan.slug]))
    html = response.content.decode()
    assert "Recommendation 2:" in html and "CSC-20 Child protection core groups in timescale" in html
    assert "78.5%" in html and "July 2019" in html
    assert '<strong class="govuk-tag govuk-tag--orange">Amber</strong>' in html
    assert html.count("No target") >= 40  # the other seed measures have no target


def test_the_plan_overview_links_to_the_measures(board_client, seed_plan):
    html = board_client.get(reverse("plans:plan_detail", args=[seed_plan.slug])).content.decode()
    assert reverse("measures:measure_list", args=[seed_plan.slug]) in html


def test_pages_send_no_inline_styles_or_scripts(board_client, with_figures):
    html = board_client.get(url("measure_detail", with_figures)).content.decode()
    assert " style=" not in html and "<style" not in html
    assert all("nonce=" in tag for tag in re.findall(r"<script[^>]*>", html))


def test_a_measure_of_another_plan_is_not_found_through_this_plan(board_client, seed_measures, seed_plan):
    from tests.factories import PlanFactory

    other = Measure.objects.create(plan=PlanFactory(), code="X-1", name="Other", unit="count", polarity="lower")
    response = board_client.get(reverse("measures:measure_detail", args=[seed_plan.slug, other.pk]))
    assert response.status_code == 404


def test_the_entry_form_is_labelled_for_the_measure(lead_client, owned):
    html = lead_client.get(url("value_create", owned)).content.decode()
    assert "Value (percentage)" in html and "for example 2019-04 or April 2019" in html


def test_a_superuser_may_enter_values(client, owned):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.post(url("value_create", owned), VALUE).status_code == 302
