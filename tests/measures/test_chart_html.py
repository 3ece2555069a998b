"""Measure charts drawn in Python (measures.chart_html): escaped, laid out as the templates did, and the
template includes (now thin wrappers) drawing exactly the same."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from measures import chart_html, charts

from .test_charts import FakeComparator, measure, value

EVIL = "<script>alert('x')</script>"
MONTHS = [f"2019-{m:02d}" for m in range(1, 7)]


def comparators(count: int) -> list[FakeComparator]:
    return [FakeComparator(f"Comparator {i}", [(p, str(20 + i)) for p in MONTHS]) for i in range(count)]


def a_chart(count: int = 0, **extra) -> dict:
    values = [value(p, str(10 + i)) for i, p in enumerate(MONTHS)]
    return charts.measure_chart(measure(**extra), values, comparators(count), chart_id="chart-test")


def series_group(svg: str, key: str) -> str:
    return re.search(rf'<g class="app-chart__series app-chart__series--{key}">(.*?)</g>', svg, re.S).group(1)


def test_names_and_cells_are_escaped():
    evil = measure(target=D("20"))
    evil.name = EVIL
    chart = charts.measure_chart(evil, [value("2019-01", "3")], [FakeComparator(EVIL, [("2019-01", "4")])])
    chart["table"]["rows"][0]["cells"][0] = EVIL
    for html in (chart_html.chart_svg(chart), chart_html.chart_table(chart), chart_html.chart_figure(chart)):
        assert "<script" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    table = chart_html.chart_table(chart)
    assert f'<td class="govuk-table__cell govuk-table__cell--numeric">{"&lt;script&gt;"}' in table
    assert table.count("&lt;script&gt;") == 3  # the caption (the title), the column, the cell


def test_a_chart_with_up_to_two_columns_has_its_table_beside_it():
    for count in (0, 1):
        chart = a_chart(count)
        assert len(chart["table"]["columns"]) == count + 1
        html = chart_html.chart_figure(chart)
        assert html.startswith('<div class="govuk-grid-row app-chart-figure">')
        beside = re.search(r'<div class="govuk-grid-column-one-third">\s*(<table.*?</table>)', html, re.S)
        assert beside and 'class="govuk-table app-chart-table govuk-!-font-size-16"' in beside.group(1)


def test_a_chart_with_more_columns_has_its_table_below_it():
    chart = a_chart(2)
    html = chart_html.chart_figure(chart)
    assert html.startswith('<div class="app-chart-figure">')
    assert "govuk-grid-column-one-third" not in html and "govuk-!-font-size-16" not in html
    assert re.search(r"</svg>\s*</div>\s*</div>\s*<table", html)
    assert html.count("govuk-table__header--numeric") == 3


def test_an_empty_chart_says_so_in_the_svg_and_the_table():
    chart = charts.measure_chart(measure(), [])
    svg, table = chart_html.chart_svg(chart), chart_html.chart_table(chart)
    assert '<text x="84" y="53">No figures yet.</text>' in svg  # plot left + 12, top + 25
    assert "<polyline" not in svg and "app-chart__legend" not in svg
    assert '<td class="govuk-table__cell" colspan="2">No figures yet.</td>' in table


def test_each_style_draws_its_marker_in_the_plot_and_the_legend():
    chart = a_chart(3)
    svg = chart_html.chart_svg(chart)
    shapes = {"s0": "<circle", "s1": "<rect", "s2": "<polygon", "s3": "<polygon"}
    for key, shape in shapes.items():
        group = series_group(svg, key)
        assert group.count(shape) == len(MONTHS)
        assert group.count("<title>") == len(MONTHS)
    assert series_group(svg, "s1").count('stroke-dasharray="8 4"') == 1  # the polyline's dash
    assert 'stroke-dasharray="' not in series_group(svg, "s0")
    legend = re.search(r'<g class="app-chart__legend">(.*?)</g>', svg, re.S).group(1)
    assert [legend.count(tag) for tag in ("<circle", "<rect", "<polygon")] == [1, 1, 2]
    assert '<text x="108"' in legend  # plot left + 36: integers as the template's add filter printed them


def test_a_missing_period_is_a_gap_line():
    values = [value("2019-04", "25"), value("2019-05", "24"), value("2019-07", "22")]
    svg = chart_html.chart_svg(charts.measure_chart(measure(), values))
    gaps = re.findall(r'<line class="app-chart__gap"[^>]*><title>([^<]*)</title></line>', svg)
    assert gaps == ["Test Borough Council, June 2019: no value"]
    assert 'y1="258" y2="268"' in svg  # from the plot's bottom less 10 to its bottom
    assert svg.count("<polyline") == 1  # April–May; July stands alone


def test_the_target_line_and_its_label():
    chart = a_chart(target=D("20"), target_date=dt.date(2020, 3, 31))
    svg = chart_html.chart_svg(chart)
    assert "<title>Target 20% by March 2020</title></line>" in svg
    assert '<line class="app-chart__target"' in svg
    assert 'stroke-dasharray="6 3"' in re.search(r'<g class="app-chart__legend">(.*?)</g>', svg, re.S).group(1)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_templates_wrap_the_functions(count):
    chart = a_chart(count, target=D("15"))
    svg = render_to_string("measures/includes/chart.svg", {"chart": chart})
    table = render_to_string("measures/includes/chart_table.html", {"chart": chart})
    small = render_to_string("measures/includes/chart_table.html", {"chart": chart, "small": True})
    figure = render_to_string("measures/includes/chart_figure.html", {"chart": chart})
    assert svg.strip() == chart_html.chart_svg(chart)
    assert table.strip() == chart_html.chart_table(chart)
    assert small.strip() == chart_html.chart_table(chart, small=True)
    assert figure.strip() == chart_html.chart_figure(chart)
    # Included with `with chart=...`, and bare with `chart` already in the context (the measure page).
    included = Template(
        '{% include "measures/includes/chart_figure.html" with chart=m.chart %}'
        '|{% include "measures/includes/chart_figure.html" %}'
        '|{% include "measures/includes/chart_table.html" with chart=m.chart small=True %}'
    ).render(Context({"m": {"chart": chart}, "chart": chart}))
    assert [part.strip() for part in included.split("|")] == [
        chart_html.chart_figure(chart),
        chart_html.chart_figure(chart),
        chart_html.chart_table(chart, small=True),
    ]
