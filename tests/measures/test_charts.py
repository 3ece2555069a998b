"""The SVG line chart: gaps, periods of every kind at the right place, every figure in words."""

import datetime as dt
import re
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from measures import charts
from measures import status as st
from measures.models import Measure
from plans.models import Plan


def measure(unit="percentage", frequency="month", target=None, polarity="lower", **extra) -> Measure:
    plan = Plan(slug="p", title="Plan", organisation="Test Borough Council")
    return Measure(
        plan=plan, code="CSC-03", name="Re-referrals", unit=unit, polarity=polarity, frequency=frequency,
        target=target, **extra,
    )  # fmt: skip


def value(period: str, number=None, suppressed=False):
    return SimpleNamespace(period=st.parse_period(period).start, value=None if number is None else D(number),
                           suppressed=suppressed)  # fmt: skip


class FakeComparator:
    def __init__(self, name, values):
        self.name = name
        self._values = [
            SimpleNamespace(period=st.parse_period(p).start, period_kind=st.parse_period(p).kind, value=D(v))
            for p, v in values
        ]
        self.values = self

    def all(self):
        return self._values


def points_of(chart, index=0):
    return chart["series"][index]["points"]


def test_missing_periods_are_none_and_split_the_line():
    values = [value("2019-04", "25"), value("2019-05", "24"), value("2019-07", "22"), value("2019-08", "21")]
    points = charts.measure_points(measure(), values)
    assert [p.period.code for p in points] == ["2019-04", "2019-05", "2019-06", "2019-07", "2019-08"]
    assert points[2].value is None and points[2].text == "No value"
    chart = charts.measure_chart(measure(), values)
    assert len(chart["series"][0]["segments"]) == 2  # two polylines: April–May and July–August
    assert [len(s.split()) for s in chart["series"][0]["segments"]] == [2, 2]
    assert chart["series"][0]["gaps"][0]["title"].endswith("June 2019: no value")


def test_a_suppressed_period_is_a_gap_never_a_zero():
    values = [value("2019-04", "3"), value("2019-05", suppressed=True), value("2019-06", "4")]
    chart = charts.measure_chart(measure(unit="count"), values)
    assert len(chart["series"][0]["segments"]) == 0  # no two neighbouring figures to join
    assert len(points_of(chart)) == 2
    row = next(r for r in chart["table"]["rows"] if r["period"] == "May 2019")
    assert row["cells"] == ["Suppressed"]
    assert "May 2019: Suppressed" in chart["desc"]
    assert "0" not in row["cells"]


def test_an_unbroken_series_is_one_polyline():
    values = [value(f"2019-{m:02d}", str(10 + m)) for m in range(1, 13)]
    chart = charts.measure_chart(measure(unit="count"), values)
    assert len(chart["series"][0]["segments"]) == 1
    assert len(chart["series"][0]["segments"][0].split()) == 12


def test_quarterly_and_annual_comparators_sit_at_the_middle_of_their_period():
    values = [value(f"2019-{m:02d}", "20") for m in range(1, 13)]
    england = FakeComparator("England", [("2019", "22.6")])
    london = FakeComparator("London", [("2019-Q2", "17.1"), ("2019-Q3", "18")])
    chart = charts.measure_chart(measure(), values, [england, london])
    months = {p["title"].split(", ")[1].split(":")[0]: float(p["x"]) for p in points_of(chart)}
    step = months["February 2019"] - months["January 2019"]
    # A quarter's figure sits at its middle month; a year's between June and July.
    assert float(points_of(chart, 2)[0]["x"]) == pytest.approx(months["May 2019"], abs=0.1)
    assert float(points_of(chart, 2)[1]["x"]) == pytest.approx(months["August 2019"], abs=0.1)
    assert float(points_of(chart, 1)[0]["x"]) == pytest.approx(months["June 2019"] + step / 2, abs=0.1)
    # Neighbouring quarters join; the months span the whole plot.
    assert len(chart["series"][2]["segments"]) == 1
    assert months["January 2019"] == pytest.approx(chart["plot"]["left"] + step / 2, abs=0.1)
    assert months["December 2019"] == pytest.approx(chart["plot"]["right"] - step / 2, abs=0.1)


def test_a_comparator_missing_a_year_is_split_too():
    england = FakeComparator("England", [("2016", "20"), ("2017", "21"), ("2019", "22")])
    chart = charts.measure_chart(measure(), [value("2019-06", "20")], [england])
    assert len(chart["series"][1]["segments"]) == 1  # 2016–2017; 2019 stands alone
    assert len(points_of(chart, 1)) == 3


def test_the_target_line_is_drawn_and_named():
    values = [value("2019-04", "25"), value("2019-05", "24")]
    chart = charts.measure_chart(measure(target=D("20"), target_date=dt.date(2020, 3, 31)), values)
    assert chart["target"]["label"] == "Target 20% by March 2020"
    assert "Target 20% by March 2020." in chart["desc"]
    ys = {t["label"]: float(t["y"]) for t in chart["y_ticks"]}
    assert float(chart["target"]["y"]) == pytest.approx(ys["20%"])


def test_higher_values_are_drawn_higher_up():
    chart = charts.measure_chart(measure(unit="count"), [value("2019-04", "10"), value("2019-05", "30")])
    low, high = points_of(chart)
    assert float(high["y"]) < float(low["y"])


def test_percentages_stop_at_100():
    chart = charts.measure_chart(measure(), [value("2019-04", "91"), value("2019-05", "99")])
    assert chart["y_ticks"][-1]["label"] == "100%"


def test_nice_ticks_cover_the_values():
    ticks = charts.nice_ticks(17.1, 25.0)
    assert ticks[0] <= 17.1 and ticks[-1] >= 25
    assert charts.nice_ticks(5, 5)  # a single value still gives a scale


def test_an_empty_chart_says_so():
    chart = charts.measure_chart(measure(), [])
    assert chart["empty"] and chart["table"]["rows"] == []
    svg = render_to_string("measures/includes/chart.svg", {"chart": chart})
    assert "No figures yet." in svg


def test_the_chart_is_plain_data_that_can_be_stored_as_json():
    import json

    values = [value("2019-04", "25"), value("2019-06", "21")]
    chart = charts.measure_chart(measure(target=D("20")), values, [FakeComparator("England", [("2019", "22.6")])])
    assert json.loads(json.dumps(chart)) == chart


def test_x_axis_labels_stay_few_on_three_years_of_months():
    values = [value(st.add_months(dt.date(2017, 4, 1), i).strftime("%Y-%m"), "10") for i in range(36)]
    chart = charts.measure_chart(measure(unit="count"), values)
    assert 3 <= len(chart["x_ticks"]) <= charts.MAX_X_TICKS


def test_the_svg_holds_every_value_and_the_table_the_same_figures():
    values = [
        value("2019-04", "25"),
        value("2019-05", "24.5"),
        value("2019-07", "22"),
        value("2019-08", suppressed=True),
    ]
    london = FakeComparator("London", [("2019-Q2", "17.1"), ("2019-Q3", "18")])
    chart = charts.measure_chart(measure(target=D("20")), values, [london], chart_id="chart-test")
    svg = render_to_string("measures/includes/chart.svg", {"chart": chart})
    table = render_to_string("measures/includes/chart_table.html", {"chart": chart})
    figures = {
        "April 2019": "25%", "May 2019": "24.5%", "June 2019": "No value", "July 2019": "22%",
        "August 2019": "Suppressed", "April to June 2019": "17.1%", "July to September 2019": "18%",
    }  # fmt: skip
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    for period, figure in figures.items():
        assert f"{period}: {figure}" in desc
        row = re.search(rf"<th scope=\"row\"[^>]*>{period}</th>(.*?)</tr>", table, re.S)
        assert row is not None and figure in row.group(1), period
    # Each drawn figure also carries its own title.
    for title in ("Test Borough Council, April 2019: 25%", "London, April to June 2019: 17.1%"):
        assert f"<title>{title}</title>" in svg
    assert svg.count("<polyline") == 2  # April–May for the council, the two London quarters


def test_the_svg_is_accessible_and_needs_no_inline_style_or_script():
    chart = charts.measure_chart(measure(target=D("20")), [value("2019-04", "25"), value("2019-05", "24")])
    svg = render_to_string("measures/includes/chart.svg", {"chart": chart})
    assert 'role="img"' in svg
    assert f'aria-labelledby="{chart["id"]}-title {chart["id"]}-desc"' in svg
    assert f'<title id="{chart["id"]}-title">CSC-03 Re-referrals</title>' in svg
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing from a CDN
