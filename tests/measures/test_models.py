"""Measures and their values: derived values, gaps, periods, history, and the QuerySet's sentences."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from measures import services
from measures import status as st
from measures.models import Measure, MeasureValue, read_latest
from measures.queries import measure_statuses_for_plan
from tests.factories import UserFactory


@pytest.fixture
def seed_measures(seed_plan):
    call_command("loaddata", "seed_measures", verbosity=0)
    return {m.code: m for m in Measure.objects.filter(plan=seed_plan)}


@pytest.fixture
def by(db):
    return UserFactory(username="enterer")


def record(measure, period, by, **numbers):
    return services.measure_value_record(measure=measure, period=st.parse_period(period).start, by=by, **numbers)


def test_a_value_is_derived_from_its_numerator_and_denominator(seed_measures, by):
    item = record(seed_measures["CSC-03"], "2019-04", by, numerator=D(45), denominator=D(200))
    item.refresh_from_db()
    assert item.value == D("22.5") and item.display == "22.5%"
    assert item.is_derived


def test_a_rate_per_10000_and_a_ratio_are_derived_too(seed_measures, by):
    caseload = record(seed_measures["CSC-07"], "2019-04", by, numerator=D(412), denominator=D(25))
    assert caseload.value == D("16.48") and caseload.display == "16.5"
    measure = services.measure_update(measure=seed_measures["CSC-18"], by=by, unit="rate_per_10000")
    rate = record(measure, "2019-04", by, numerator=D(1500), denominator=D(60000))
    assert rate.display == "250 per 10,000"


def test_a_typed_value_that_disagrees_with_numerator_and_denominator_is_refused(seed_measures, by):
    with pytest.raises(ValidationError) as error:
        record(seed_measures["CSC-03"], "2019-04", by, value=D("30"), numerator=D(45), denominator=D(200))
    assert "disagrees with the numerator and denominator, which give 22.5" in str(error.value.message_dict["value"])
    assert not MeasureValue.objects.exists()


def test_a_typed_value_that_agrees_is_kept_as_the_derived_one(seed_measures, by):
    item = record(seed_measures["CSC-03"], "2019-04", by, value=D("33.3"), numerator=D(1), denominator=D(3))
    assert item.value == D("33.3333")


@pytest.mark.parametrize(
    ("numbers", "field", "message"),
    [
        ({}, "value", "Give a value, or a numerator and a denominator"),
        ({"numerator": D(4)}, "denominator", "Give the denominator too"),
        ({"numerator": D(4), "denominator": D(0)}, "denominator", "cannot be 0"),
        ({"value": D(-1)}, "value", "cannot be negative"),
        ({"numerator": D(12), "denominator": D(10)}, "numerator", "cannot be more than 100"),
        ({"value": D(5), "suppressed": True}, "value", "A suppressed period has no value"),
    ],
)
def test_values_that_make_no_sense_are_refused(seed_measures, by, numbers, field, message):
    with pytest.raises(ValidationError) as error:
        record(seed_measures["CSC-03"], "2019-04", by, **numbers)
    assert message in " ".join(error.value.message_dict[field])


def test_a_suppressed_period_is_stored_without_a_value(seed_measures, by):
    item = record(seed_measures["CSC-03"], "2019-04", by, suppressed=True, note="Fewer than 5 children")
    assert item.value is None and item.display == "Suppressed"


def test_a_period_must_be_the_start_of_the_measures_frequency(seed_measures, by):
    quarterly = seed_measures["CSC-19"]
    assert quarterly.frequency == "quarter"
    with pytest.raises(ValidationError) as error:
        services.measure_value_record(measure=quarterly, period=dt.date(2019, 5, 1), value=D(50), by=by)
    assert "quarterly" in str(error.value.message_dict["period"])
    item = services.measure_value_record(measure=quarterly, period=dt.date(2019, 4, 1), value=D(50), by=by)
    assert item.period_label == "April to June 2019" and item.period_code == "2019-Q2"


def test_one_value_per_measure_and_period_corrected_with_history(seed_measures, by):
    measure = seed_measures["CSC-03"]
    record(measure, "2019-04", by, value=D("25"))
    other = UserFactory(username="corrector")
    record(measure, "2019-04", other, value=D("24"), note="Late recording added")
    item = MeasureValue.objects.get(measure=measure)
    assert item.value == D(24) and item.entered_by == other
    history = list(item.history.order_by("history_date"))
    assert [h.value for h in history] == [D(25), D(24)]
    assert [h.history_user for h in history] == [by, other]
    assert [h.history_change_reason for h in history] == ["Entered", "Corrected"]


def test_the_database_refuses_two_values_for_one_period(seed_measures, by):
    from django.db import IntegrityError, transaction

    measure = seed_measures["CSC-03"]
    record(measure, "2019-04", by, value=D("25"))
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureValue.objects.create(measure=measure, period=dt.date(2019, 4, 1), value=D(1))


def test_measure_natural_key_is_plan_slug_and_code(seed_measures, seed_plan):
    measure = seed_measures["CSC-01"]
    assert measure.natural_key() == (seed_plan.slug, "CSC-01")
    assert Measure.objects.get_by_natural_key(seed_plan.slug, "CSC-01") == measure


def test_a_target_date_needs_a_target_and_a_percentage_target_is_a_percentage(seed_measures, by):
    measure = seed_measures["CSC-03"]
    with pytest.raises(ValidationError, match="Give a target"):
        services.measure_update(measure=measure, by=by, target_date=dt.date(2020, 3, 31))
    with pytest.raises(ValidationError, match="between 0 and 100"):
        services.measure_update(measure=measure, by=by, target=D(120))


def test_a_measures_owner_is_a_role_of_its_plan(seed_measures, by):
    from tests.factories import RoleFactory

    with pytest.raises(ValidationError, match="role of this plan"):
        services.measure_update(measure=seed_measures["CSC-03"], by=by, owner=RoleFactory())


def test_target_changes_are_kept_in_the_measures_history(seed_measures, by):
    measure = seed_measures["CSC-03"]
    services.measure_update(measure=measure, by=by, target=D(20), tolerance=D(2))
    services.measure_update(measure=measure, by=by, target=D(18))
    assert [h.target for h in measure.history.order_by("history_date")] == [D(20), D(18)]


def test_frequency_cannot_change_once_there_are_values(seed_measures, by):
    measure = seed_measures["CSC-03"]
    record(measure, "2019-04", by, value=D("25"))
    with pytest.raises(ValidationError, match="frequency cannot change"):
        services.measure_update(measure=measure, by=by, frequency="quarter")


def test_latest_and_previous_figures_skip_gaps_and_suppressed_periods(seed_measures, by):
    measure = seed_measures["CSC-03"]
    record(measure, "2019-04", by, value=D("25"))
    record(measure, "2019-05", by, value=D("24"))
    record(measure, "2019-07", by, suppressed=True)
    [annotated] = read_latest([Measure.objects.with_latest().get(pk=measure.pk)])
    assert (annotated.latest_value, annotated.latest_period) == (D(24), dt.date(2019, 5, 1))
    assert (annotated.previous_value, annotated.previous_period) == (D(25), dt.date(2019, 4, 1))
    [as_of_april] = read_latest([Measure.objects.with_latest(dt.date(2019, 4, 1)).get(pk=measure.pk)])
    assert as_of_april.latest_value == D(25) and as_of_april.previous_value is None


def test_off_target_reads_like_a_sentence_for_both_polarities(seed_measures, by):
    lower = seed_measures["CSC-03"]  # re-referrals: lower is better
    higher = seed_measures["CSC-13"]  # assessments in 45 days: higher is better
    context = seed_measures["CSC-01"]  # no target
    services.measure_update(measure=lower, by=by, target=D(20), tolerance=D(2))
    services.measure_update(measure=higher, by=by, target=D(85), tolerance=D(5))
    record(lower, "2019-04", by, value=D("22"))  # amber
    record(higher, "2019-04", by, value=D("79"))  # red
    record(context, "2019-04", by, value=D("500"))
    assert list(Measure.objects.off_target().values_list("code", flat=True)) == ["CSC-13"]
    record(lower, "2019-05", by, value=D("22.5"))  # red now
    assert set(Measure.objects.off_target().values_list("code", flat=True)) == {"CSC-03", "CSC-13"}
    assert list(Measure.objects.off_target(as_of=dt.date(2019, 4, 1)).values_list("code", flat=True)) == ["CSC-13"]


def test_measure_statuses_for_plan_per_recommendation(seed_plan, seed_measures, by, django_assert_max_num_queries):
    lower = seed_measures["CSC-03"]
    services.measure_update(measure=lower, by=by, target=D(20), tolerance=D(2))
    record(lower, "2019-04", by, value=D("25"))
    record(lower, "2019-05", by, value=D("21"))
    record(lower, "2019-06", by, value=D("30"))
    with django_assert_max_num_queries(2):
        statuses = measure_statuses_for_plan(seed_plan, dt.date(2019, 5, 1))
    first, second = (seed_plan.recommendations.get(reference=r) for r in ("1", "2"))
    in_first = {m["code"]: m for m in statuses[first.pk]}
    assert {"CSC-01", "CSC-02", "CSC-03", "CSC-04", "CSC-05", "CSC-06"} <= set(in_first)
    assert in_first["CSC-03"]["status"] == "amber" and in_first["CSC-03"]["status_label"] == "Amber"
    assert in_first["CSC-03"]["value"] == "21%" and in_first["CSC-03"]["period_label"] == "May 2019"
    assert in_first["CSC-03"]["direction"] == "better"  # 25% to 21%, lower is better
    assert in_first["CSC-01"]["status"] is None and in_first["CSC-01"]["status_label"] == "No target"
    assert "CSC-03" in {m["code"] for m in statuses[second.pk]}  # also quantifies 2.2's sentence
    later = measure_statuses_for_plan(seed_plan, dt.date(2019, 6, 1))
    assert next(m for m in later[first.pk] if m["code"] == "CSC-03")["status"] == "red"
    everything = measure_statuses_for_plan(seed_plan)
    assert sum(len(v) for v in everything.values()) >= len(seed_measures)


def test_charts_for_several_measures_take_two_queries(seed_plan, seed_measures, by, django_assert_num_queries):
    record(seed_measures["CSC-03"], "2019-04", by, value=D("25"))
    record(seed_measures["CSC-03"], "2019-06", by, value=D("22"))
    services.comparator_value_record(
        measure=seed_measures["CSC-03"], name="England", period=st.parse_period("2019"), value=D("22.6"), by=by
    )
    measures = list(Measure.objects.filter(plan=seed_plan).select_related("plan"))
    from measures.queries import charts_for_measures

    with django_assert_num_queries(2):
        found = charts_for_measures(measures)
    assert len(found) == len(measures)
    chart = found[seed_measures["CSC-03"].pk]
    assert "June 2019: 22%" in chart["desc"] and "England: 2019: 22.6%" in chart["desc"]
    assert found[seed_measures["CSC-01"].pk]["empty"]


def test_the_statuses_include_shows_words_and_colours(seed_plan, seed_measures, by):
    from django.template.loader import render_to_string

    measure = services.measure_update(measure=seed_measures["CSC-03"], by=by, target=D(20))
    record(measure, "2019-04", by, value=D("25"))
    statuses = measure_statuses_for_plan(seed_plan, dt.date(2019, 4, 1))
    first = seed_plan.recommendations.get(reference="1")
    html = render_to_string("measures/includes/measure_statuses.html", {"measures": statuses[first.pk]})
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--grey">No target</strong>' in html
    assert "25%" in html and "April 2019" in html
