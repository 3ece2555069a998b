"""Status against target, direction of travel, periods and numbers: the pure rules."""

import datetime as dt
from decimal import Decimal as D

import pytest

from measures import status as st

# Status -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("80", "green"),  # above target
        ("75", "green"),  # on target
        ("73", "amber"),  # worse, within the tolerance of 5
        ("70", "amber"),  # worse by exactly the tolerance
        ("69.9", "red"),  # beyond it
        ("0", "red"),
    ],
)
def test_status_when_higher_is_better(value, expected):
    assert st.status_for(D(value), target=D("75"), tolerance=D("5"), polarity="higher") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10", "green"),  # below target
        ("15", "green"),  # on target
        ("16", "amber"),
        ("17", "amber"),  # worse by exactly the tolerance
        ("17.01", "red"),
        ("40", "red"),
    ],
)
def test_status_when_lower_is_better(value, expected):
    assert st.status_for(D(value), target=D("15"), tolerance=D("2"), polarity="lower") == expected


def test_without_a_tolerance_anything_worse_than_target_is_red():
    assert st.status_for(D("74.9"), target=D("75"), tolerance=D("0"), polarity="higher") == "red"
    assert st.status_for(D("15.1"), target=D("15"), tolerance=None, polarity="lower") == "red"
    assert st.status_for(D("75"), target=D("75"), tolerance=None, polarity="higher") == "green"


def test_a_measure_without_a_target_has_no_status_whatever_its_value():
    for value in (D("0"), D("50"), D("100")):
        for polarity in ("higher", "lower"):
            assert st.status_for(value, target=None, tolerance=D("5"), polarity=polarity) is None


def test_no_value_gives_no_status_never_a_colour():
    assert st.status_for(None, target=D("20"), tolerance=D("1"), polarity="lower") is None


def test_a_target_of_zero_is_a_target():
    assert st.status_for(D("0"), target=D("0"), polarity="lower") == "green"
    assert st.status_for(D("1"), target=D("0"), tolerance=D("1"), polarity="lower") == "amber"
    assert st.status_for(D("2"), target=D("0"), tolerance=D("1"), polarity="lower") == "red"


def test_every_status_has_a_word_and_a_tag():
    for status in (st.GREEN, st.AMBER, st.RED):
        assert st.STATUS_LABELS[status] in ("Green", "Amber", "Red")
        assert st.STATUS_TAGS[status].startswith("govuk-tag--")


# Direction of travel ------------------------------------------------------------------------------


def test_a_rise_is_better_when_higher_is_better_and_worse_when_lower_is():
    assert st.direction(D("60"), D("55"), polarity="higher") == "better"
    assert st.direction(D("60"), D("55"), polarity="lower") == "worse"


def test_a_fall_is_worse_when_higher_is_better_and_better_when_lower_is():
    assert st.direction(D("50"), D("55"), polarity="higher") == "worse"
    assert st.direction(D("50"), D("55"), polarity="lower") == "better"


def test_no_change_is_the_same_for_both_polarities():
    assert st.direction(D("50.0"), D("50"), polarity="higher") == "same"
    assert st.direction(D("50"), D("50.00"), polarity="lower") == "same"


def test_no_direction_without_an_earlier_figure_or_a_baseline():
    assert st.direction(D("50"), None, polarity="higher") is None
    assert st.direction(None, D("50"), polarity="lower") is None


def test_direction_has_words_not_only_arrows():
    assert st.DIRECTION_WORDS["better"] == ("Better", "↑")
    assert st.DIRECTION_WORDS["worse"][0] == "Worse"
    assert st.DIRECTION_WORDS["same"][0] == "No change"


# Periods ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "kind"),
    [
        ("2019-04", dt.date(2019, 4, 1), "month"),
        ("2019-4", dt.date(2019, 4, 1), "month"),
        ("April 2019", dt.date(2019, 4, 1), "month"),
        ("Sept 2019", dt.date(2019, 9, 1), "month"),
        ("2019-Q2", dt.date(2019, 4, 1), "quarter"),
        ("2019 Q4", dt.date(2019, 10, 1), "quarter"),
        ("q1 2020", dt.date(2020, 1, 1), "quarter"),
        ("2019", dt.date(2019, 1, 1), "year"),
        (2019, dt.date(2019, 1, 1), "year"),
        (dt.datetime(2019, 4, 1), dt.date(2019, 4, 1), "month"),  # a spreadsheet turned "2019-04" into a date
    ],
)
def test_periods_are_read_from_what_people_and_spreadsheets_write(text, start, kind):
    assert st.parse_period(text) == st.Period(start, kind)


@pytest.mark.parametrize("text", ["2019-13", "2019-00", "2019-Q5", "19-04", "April", "next month", "", None, "1066"])
def test_unreadable_periods_are_refused_with_how_to_write_them(text):
    with pytest.raises(st.PeriodError, match="YYYY"):
        st.parse_period(text)


def test_a_period_of_the_wrong_kind_is_refused():
    with pytest.raises(st.PeriodError, match="quarterly: write the quarter as YYYY-Qn"):
        st.parse_period("2019-04", kind="quarter")
    with pytest.raises(st.PeriodError, match="monthly"):
        st.parse_period("2019", kind="month")
    with pytest.raises(st.PeriodError, match="is a date, not a period"):
        st.parse_period(dt.date(2019, 4, 15), kind="month")


def test_periods_are_shown_in_words_the_uk_way():
    assert st.period_label(dt.date(2019, 4, 1), "month") == "April 2019"
    assert st.period_label(dt.date(2019, 4, 1), "quarter") == "April to June 2019"
    assert st.period_label(dt.date(2019, 10, 1), "quarter") == "October to December 2019"
    assert st.period_label(dt.date(2019, 1, 1), "year") == "2019"
    assert st.parse_period("2019-Q2").label == "April to June 2019"


def test_periods_are_written_back_as_the_file_format():
    for code in ("2019-04", "2019-Q2", "2019"):
        assert st.parse_period(code).code == code


def test_periods_between_fill_every_month_quarter_or_year():
    months = st.periods_between(st.parse_period("2019-11"), st.parse_period("2020-02"))
    assert [p.code for p in months] == ["2019-11", "2019-12", "2020-01", "2020-02"]
    quarters = st.periods_between(st.parse_period("2019-Q3"), st.parse_period("2020-Q1"))
    assert [p.code for p in quarters] == ["2019-Q3", "2019-Q4", "2020-Q1"]
    assert st.parse_period("2019-Q4").end == dt.date(2020, 1, 1)


def test_the_first_day_of_a_period():
    assert st.period_start(dt.date(2019, 5, 17), "quarter") == dt.date(2019, 4, 1)
    assert st.is_period_start(dt.date(2019, 7, 1), "quarter")
    assert not st.is_period_start(dt.date(2019, 8, 1), "quarter")
    assert not st.is_period_start(dt.date(2019, 4, 1), "year")


# Numbers ------------------------------------------------------------------------------------------


def test_values_are_derived_from_numerator_and_denominator_by_unit():
    assert st.derive_value(D(45), D(200), "percentage") == D("22.5")
    assert st.derive_value(D(1), D(3), "percentage") == D("33.3333")
    assert st.derive_value(D(12), D(48000), "rate_per_10000") == D("2.5")
    assert st.derive_value(D(412), D(25), "count") == D("16.48")  # children per social worker
    with pytest.raises(st.NumberError, match="denominator cannot be 0"):
        st.derive_value(D(1), D(0), "percentage")


def test_a_typed_value_agrees_with_a_derived_one_at_the_precision_it_is_written():
    derived = st.derive_value(D(1), D(3), "percentage")  # 33.3333
    assert st.agrees(D("33.3"), derived)
    assert st.agrees(D("33"), derived)
    assert st.agrees(D("33.333"), derived)
    assert not st.agrees(D("33.4"), derived)
    assert not st.agrees(D("35"), derived)


@pytest.mark.parametrize(
    ("text", "expected"), [("72.5", D("72.5")), (" 1,234 ", D(1234)), ("-2", D(-2)), (".5", D("0.5")), ("", None)]
)
def test_numbers_are_read_as_people_write_them(text, expected):
    assert st.parse_number(text) == expected


@pytest.mark.parametrize("text", ["abc", "12..5", "1e5", "N/A", "£5", "72.5%"])
def test_anything_else_is_not_a_number(text):
    with pytest.raises(st.NumberError, match="not a number"):
        st.parse_number(text)


def test_a_percent_sign_is_allowed_for_percentages():
    assert st.parse_number("72.5%", allow_percent=True) == D("72.5")


def test_spreadsheet_floats_are_read_exactly():
    assert st.parse_number(0.1) == D("0.1")
    assert st.parse_number(12) == D(12)


def test_values_are_shown_with_their_unit():
    assert st.format_value(D("72.5000"), "percentage") == "72.5%"
    assert st.format_value(D("1234"), "count") == "1,234"
    assert st.format_value(D("12"), "days") == "12 days"
    assert st.format_value(D("1"), "weeks") == "1 week"
    assert st.format_value(D("345.26"), "rate_per_10000") == "345.3 per 10,000"
    assert st.format_value(D("14.25"), "score") == "14.3"
    assert st.format_value(None, "count") == ""
    assert st.format_value(D("0"), "count") == "0"


# Delivery beside impact ---------------------------------------------------------------------------


def test_impact_warning_when_delivery_is_on_track_but_measures_are_red():
    assert st.impact_warning(["green", "blue", "green", "amber"], ["red", "green"])
    assert st.impact_warning(["blue"], ["red"])


def test_no_impact_warning_when_delivery_is_behind():
    assert not st.impact_warning(["green", "amber", "red", "blue"], ["red", "red"])  # half on track


def test_no_impact_warning_when_fewer_than_half_the_measures_are_red():
    assert not st.impact_warning(["green", "green"], ["red", "green", "amber"])


def test_measures_without_a_status_do_not_count():
    assert st.impact_warning(["green"], ["red", None, None, ""])
    assert not st.impact_warning(["green"], [None, None])
    assert not st.impact_warning([], ["red"])


def test_actions_with_no_update_count_against_delivery():
    assert not st.impact_warning(["green", "green", None, None], ["red"])
    assert st.impact_warning(["green", "green", "green", None], ["red"])
