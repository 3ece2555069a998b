"""A measure's line chart as plain data, drawn by `measures.chart_html` (`templates/measures/includes/chart.svg`).

Everything is worked out here (scales, ticks, polylines split at gaps, the target line, the
description and the table of the same figures), so the template only draws, nothing needs
JavaScript or inline styles, and the dict can be stored as JSON (a frozen board pack) and drawn
again unchanged, on a page or in a PDF.

Periods sit on one time scale counted in months: a value is drawn at the middle of its period,
so a quarter's value sits at its middle month and a year's between June and July.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from django.utils.text import slugify

from . import status as st

WIDTH = 640
PLOT_HEIGHT = 240
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP = 72, 24, 28
AXIS_SPACE = 44  # under the plot: tick labels
LEGEND_ROW = 20
MAX_X_TICKS = 8

# GOV.UK colours, each series also told apart by its marker and dash pattern (never colour alone).
STYLES = [
    {"colour": "#1d70b8", "dash": "", "marker": "circle", "width": 3},
    {"colour": "#d4351c", "dash": "8 4", "marker": "square", "width": 2},
    {"colour": "#4c2c92", "dash": "2 3", "marker": "triangle", "width": 2},
    {"colour": "#00703c", "dash": "12 4 2 4", "marker": "diamond", "width": 2},
    {"colour": "#505a5f", "dash": "4 4", "marker": "square", "width": 2},
    {"colour": "#912b88", "dash": "1 3", "marker": "triangle", "width": 2},
]
TARGET_COLOUR = "#0b0c0c"
KIND_RANK = {st.MONTH: 0, st.QUARTER: 1, st.YEAR: 2}
UNIT_AXIS = {
    "percentage": "Percentage",
    "count": "Number",
    "days": "Days",
    "weeks": "Weeks",
    "rate_per_10000": "Rate per 10,000 children",
    "score": "Score",
}


class Point(NamedTuple):  # a tuple: a chart makes one per figure, and a tuple is made faster than a dataclass
    period: st.Period
    value: Decimal | None
    text: str  # what the table and the description say: "18.5%", "No value", "Suppressed"


def _fmt(number: float) -> str:
    return f"{number:.1f}"


def nice_ticks(low: float, high: float, *, count: int = 5) -> list[float]:
    """Round tick values covering low..high, about `count` of them."""
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(high) * 0.1 or 1
        low, high = low - pad, high + pad
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw - 1e-12)
    first = math.floor(low / step + 1e-9) * step
    ticks, value = [], first
    while value < high - 1e-9:
        ticks.append(round(value, 10))
        value += step
    ticks.append(round(value, 10))
    return ticks


def measure_points(measure, values: Iterable) -> list[Point]:
    """A measure's values from its first to its last period, with None for each missing period."""
    by_period = {item.period: item for item in values}
    if not by_period:
        return []
    kind = measure.frequency
    first, last = st.Period(min(by_period), kind), st.Period(max(by_period), kind)
    points = []
    for period in st.periods_between(first, last):
        item = by_period.get(period.start)
        if item is None:
            points.append(Point(period, None, "No value"))
        elif item.suppressed or item.value is None:
            points.append(Point(period, None, "Suppressed"))
        else:
            points.append(Point(period, Decimal(item.value), st.format_value(item.value, measure.unit)))
    return points


def comparator_points(comparator, unit: str) -> list[Point]:
    """A comparator's figures: `comparator.values` is a list, or a related manager (a Comparator)."""
    values = comparator.values.all() if hasattr(comparator.values, "all") else comparator.values
    values = sorted(values, key=lambda item: (item.period, item.period_kind))
    return [
        Point(st.Period(item.period, item.period_kind), Decimal(item.value), st.format_value(item.value, unit))
        for item in values
    ]


def segments(points: list[Point]) -> list[list[Point]]:
    """Runs of consecutive periods with values: a missing or suppressed period splits the line."""
    runs: list[list[Point]] = []
    current: list[Point] = []
    for point in points:
        joined = current and current[-1].period.end == point.period.start
        if point.value is None or (current and not joined):
            if current:
                runs.append(current)
            current = []
        if point.value is not None:
            current.append(point)
    if current:
        runs.append(current)
    return runs


def measure_chart(measure, values: Iterable, comparators: Iterable = (), *, chart_id: str | None = None) -> dict:
    """The chart for a measure: `values` are its MeasureValues, `comparators` its Comparators with values."""
    series = [{"name": measure.plan.organisation or measure.code, "points": measure_points(measure, values)}]
    series += [{"name": c.name, "points": comparator_points(c, measure.unit)} for c in comparators]
    target_text = ""
    if measure.target is not None:
        target_text = f"Target {measure.target_display}"
        if measure.target_date:
            target_text += f" by {measure.target_date:%B %Y}"
    return line_chart(
        chart_id=chart_id or f"chart-{slugify(measure.code) or measure.pk}",
        title=f"{measure.code} {measure.name}",
        unit=measure.unit,
        series=series,
        target=measure.target,
        target_text=target_text,
        polarity_text=measure.get_polarity_display(),
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    unit: str,
    series: list[dict],
    target: Decimal | None = None,
    target_text: str = "",
    polarity_text: str = "",
) -> dict:
    """Geometry and words for a line chart of several series of Points (the first is the main one)."""
    all_points = [p for s in series for p in s["points"]]
    numbers = [float(p.value) for p in all_points if p.value is not None]
    legend_rows = len(series) + (1 if target is not None else 0)
    height = MARGIN_TOP + PLOT_HEIGHT + AXIS_SPACE + LEGEND_ROW * legend_rows + 8
    plot = {
        "left": MARGIN_LEFT,
        "right": WIDTH - MARGIN_RIGHT,
        "top": MARGIN_TOP,
        "bottom": MARGIN_TOP + PLOT_HEIGHT,
        "width": WIDTH - MARGIN_RIGHT - MARGIN_LEFT,
    }
    chart = {
        "id": chart_id,
        "title": title,
        "width": WIDTH,
        "height": height,
        "plot": plot,
        "y_axis_label": UNIT_AXIS.get(unit, ""),
        "empty": not all_points,
        "series": [],
        "target": None,
        "x_ticks": [],
        "y_ticks": [],
        "legend": [],
    }
    chart["desc"] = _description(series, target_text, polarity_text)
    chart["table"] = _table(title, series)
    if not all_points:
        return chart

    # The x scale: months from the start of the first period to the end of the last.
    x0 = min(st.month_index(p.period.start) for p in all_points)
    x1 = max(st.month_index(p.period.start) + p.period.months for p in all_points)
    plot_width = plot["right"] - plot["left"]

    def x_of(period: st.Period) -> float:
        middle = st.month_index(period.start) + period.months / 2
        return plot["left"] + (middle - x0) / (x1 - x0) * plot_width

    # The y scale: round ticks around the values and the target; counts and percentages from 0.
    wanted = numbers + ([float(target)] if target is not None else [])
    low, high = (min(wanted), max(wanted)) if wanted else (0.0, 1.0)
    if low >= 0 and low < high - low:
        low = 0.0
    ticks = nice_ticks(low, high)
    if unit == "percentage" and ticks[-1] > 100 >= high:
        ticks = [t for t in ticks if t < 100] + [100.0]
    y_low, y_high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return plot["bottom"] - (value - y_low) / (y_high - y_low) * (plot["bottom"] - plot["top"])

    chart["y_ticks"] = [
        {
            "y": _fmt(y_of(t)),
            "label": st.format_value(Decimal(str(t)), "percentage" if unit == "percentage" else "count"),
        }
        for t in ticks
    ]
    chart["x_ticks"] = _x_ticks(all_points, x_of)

    for index, item in enumerate(series):
        style = STYLES[index % len(STYLES)]
        name = item["name"]
        # Each figure's place, worked out once: its segment, its marker and its title all use it.
        xy = {
            id(p): (x, y, _fmt(x), _fmt(y))
            for p in item["points"]
            if p.value is not None
            for x, y in [(x_of(p.period), y_of(float(p.value)))]
        }
        chart["series"].append(
            {
                "name": name,
                "key": f"s{index}",
                **style,
                # A lone figure between gaps is its marker alone: a polyline needs two points.
                "segments": [
                    " ".join(f"{xy[id(p)][2]},{xy[id(p)][3]}" for p in run)
                    for run in segments(item["points"])
                    if len(run) > 1
                ],
                "points": [
                    {
                        "x": xy[id(p)][2],
                        "y": xy[id(p)][3],
                        "title": f"{name}, {p.period.label}: {p.text}",
                        "marker": _marker(style["marker"], xy[id(p)][0], xy[id(p)][1]),
                    }
                    for p in item["points"]
                    if p.value is not None
                ],
                "gaps": [
                    {"x": _fmt(x_of(p.period)), "title": f"{name}, {p.period.label}: {p.text.lower()}"}
                    for p in item["points"]
                    if p.value is None
                ],
            }
        )
    if target is not None:
        chart["target"] = {"y": _fmt(y_of(float(target))), "label": target_text}

    top = plot["bottom"] + AXIS_SPACE
    for row, item in enumerate(chart["series"]):
        y = top + row * LEGEND_ROW
        chart["legend"].append(
            {
                "label": item["name"],
                "y": _fmt(y),
                "text_y": _fmt(y + 4),
                "colour": item["colour"],
                "dash": item["dash"],
                "width": item["width"],
                "marker": _marker(item["marker"], plot["left"] + 14, y),
            }
        )
    if target is not None:
        y = top + len(chart["series"]) * LEGEND_ROW
        chart["legend"].append(
            {
                "label": target_text,
                "y": _fmt(y),
                "text_y": _fmt(y + 4),
                "colour": TARGET_COLOUR,
                "dash": "6 3",
                "width": 2,
                "marker": None,
            }
        )
    return chart


def _marker(shape: str, x: float, y: float) -> dict:
    """A marker as an SVG element name and its attributes."""
    if shape == "circle":
        return {"shape": "circle", "cx": _fmt(x), "cy": _fmt(y), "r": "4"}
    if shape == "square":
        return {"shape": "rect", "x": _fmt(x - 4), "y": _fmt(y - 4), "size": "8"}
    if shape == "triangle":
        points = f"{_fmt(x)},{_fmt(y - 5)} {_fmt(x + 5)},{_fmt(y + 4)} {_fmt(x - 5)},{_fmt(y + 4)}"
        return {"shape": "polygon", "points": points}
    points = f"{_fmt(x)},{_fmt(y - 5)} {_fmt(x + 5)},{_fmt(y)} {_fmt(x)},{_fmt(y + 5)} {_fmt(x - 5)},{_fmt(y)}"
    return {"shape": "polygon", "points": points}


def _x_ticks(points: list[Point], x_of) -> list[dict]:
    """Ticks at the middle of periods of the finest kind drawn, no more than MAX_X_TICKS of them."""
    kind = min((p.period.kind for p in points), key=KIND_RANK.__getitem__)
    first = st.Period(st.period_start(min(p.period.start for p in points), kind), kind)
    last_start = max(p.period.start for p in points)
    periods = st.periods_between(first, st.Period(st.period_start(last_start, kind), kind))
    step = next((n for n in (1, 2, 3, 4, 6, 12, 24) if math.ceil(len(periods) / n) <= MAX_X_TICKS), 60)
    if kind == st.MONTH and step >= 3:
        # Steps of a quarter or more start at a quarter (or a year), so the labels read evenly.
        align = 12 if step >= 12 else 3
        periods = [p for p in periods if (p.start.month - 1) % align == 0] or periods
        step = max(1, step // align)
    return [{"x": _fmt(x_of(p)), "label": st.period_short_label(p.start, p.kind)} for p in periods[::step]]


def _description(series: list[dict], target_text: str, polarity_text: str) -> str:
    parts = []
    for item in series:
        if item["points"]:
            figures = "; ".join(f"{p.period.label}: {p.text}" for p in item["points"])
            parts.append(f"{item['name']}: {figures}.")
        else:
            parts.append(f"{item['name']}: no figures yet.")
    if target_text:
        parts.append(f"{target_text}.")
    if polarity_text:
        parts.append(f"{polarity_text}.")
    return " ".join(parts)


def _table(title: str, series: list[dict]) -> dict:
    """The same figures as the chart: a row per period, a column per series."""
    periods = sorted(
        {p.period for s in series for p in s["points"]},
        key=lambda period: (period.end, KIND_RANK[period.kind]),
    )
    cells = [{p.period: p.text for p in s["points"]} for s in series]
    return {
        "caption": f"{title}: the figures in the chart",
        "columns": [s["name"] for s in series],
        "rows": [{"period": period.label, "cells": [column.get(period) for column in cells]} for period in periods],
    }
