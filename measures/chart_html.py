"""A measure's chart drawn as HTML: the SVG line chart, the table of its figures, and the two together.

`chart` is the dict from `measures.charts.line_chart` / `measure_chart` (plain data, also stored as JSON in a
frozen board pack), drawn here the way the templates used to draw it with the template language, ten times
faster: the templates `measures/includes/chart.svg`, `chart_table.html` and `chart_figure.html` now wrap these
functions (tags in `measures.templatetags.measure_charts`), so every include of them draws the same markup.

Everything textual from the dict (ids, titles, labels, names, the description, captions, cells, colours) is
escaped as the templates' autoescape did (`conditional_escape`); numbers print as the templates printed them
(`str`, and `add` as the `add` filter). Only the markers' coordinates and sizes, made by `charts._fmt`
("123.4", "4"), strings of digits, are put in as they are: a marker per figure, so that keeps a chart cheap.

The SVG has attributes only (no style attributes, no script), so it passes a strict CSP and prints in
WeasyPrint; every figure is in the description and in each marker's title, and in the table too.
"""

from __future__ import annotations

from django.utils.safestring import SafeString

from plans.html import escape as _e
from plans.html import format_html

__all__ = ["chart_figure", "chart_svg", "chart_table"]

_MARKER_STROKE = ' stroke="#ffffff" stroke-width="1"'


def _add(value, arg: int):
    """The `add` filter: the integer sum when both are integers, else `value + arg`, else ""."""
    try:
        return int(value) + arg
    except (ValueError, TypeError):
        try:
            return value + arg
        except Exception:
            return ""


def _marker(m: dict, fill: str, extra: str) -> str:
    """A marker dict from `charts._marker` as its SVG element; `extra` goes after the fill (a stroke and a
    <title>, or nothing). `fill` is escaped already."""
    shape = m["shape"]
    if shape == "circle":
        return f'<circle cx="{m["cx"]}" cy="{m["cy"]}" r="{m["r"]}" fill="{fill}"{extra}</circle>'
    if shape == "rect":
        size = m["size"]
        return f'<rect x="{m["x"]}" y="{m["y"]}" width="{size}" height="{size}" fill="{fill}"{extra}</rect>'
    return f'<polygon points="{m["points"]}" fill="{fill}"{extra}</polygon>'


def chart_svg(chart: dict) -> SafeString:
    """The chart as an SVG element (what `measures/includes/chart.svg` draws)."""
    chart_id = _e(chart["id"])
    plot = chart["plot"]
    left, right, top, bottom = plot["left"], plot["right"], plot["top"], plot["bottom"]
    parts = [
        '<svg class="app-chart" xmlns="http://www.w3.org/2000/svg" role="img"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {_e(chart["width"])} {_e(chart["height"])}"'
        ' width="100%" preserveAspectRatio="xMinYMin meet" focusable="false" font-family="Arial, sans-serif"'
        ' font-size="13" fill="#0b0c0c">',
        f'<title id="{chart_id}-title">{_e(chart["title"])}</title>',
        f'<desc id="{chart_id}-desc">{_e(chart["desc"])}</desc>',
    ]
    add = parts.append
    if chart["empty"]:
        add(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="40" fill="#f3f2f1"></rect>\n'
                '<text x="{}" y="{}">No figures yet.</text>',
                left,
                top,
                plot["width"],
                _add(left, 12),
                _add(top, 25),
            )
        )
        add("</svg>")
        return SafeString("\n".join(parts))

    left_e, right_e, bottom_e = _e(left), _e(right), _e(bottom)
    add('<g class="app-chart__grid">')
    label_x = _e(_add(left, -8))
    for tick in chart["y_ticks"]:
        y = _e(tick["y"])
        add(
            f'<line x1="{left_e}" x2="{right_e}" y1="{y}" y2="{y}" stroke="#b1b4b6" stroke-width="1"></line>'
            f'<text x="{label_x}" y="{y}" dy="4" text-anchor="end">{_e(tick["label"])}</text>'
        )
    add("</g>")

    add('<g class="app-chart__x-axis">')
    add(f'<line x1="{left_e}" x2="{right_e}" y1="{bottom_e}" y2="{bottom_e}" stroke="#0b0c0c" stroke-width="1"></line>')
    tick_end, label_y = _e(_add(bottom, 5)), _e(_add(bottom, 20))
    for tick in chart["x_ticks"]:
        x = _e(tick["x"])
        add(
            f'<line x1="{x}" x2="{x}" y1="{bottom_e}" y2="{tick_end}" stroke="#0b0c0c" stroke-width="1"></line>'
            f'<text x="{x}" y="{label_y}" text-anchor="middle">{_e(tick["label"])}</text>'
        )
    add("</g>")

    add(
        f'<text class="app-chart__axis-label" x="0" y="{_e(_add(top, -14))}" font-size="12">'
        f"{_e(chart['y_axis_label'])}</text>"
    )
    target = chart["target"]
    if target:
        y, label = _e(target["y"]), _e(target["label"])
        add(
            f'<line class="app-chart__target" x1="{left_e}" x2="{right_e}" y1="{y}" y2="{y}" stroke="#0b0c0c"'
            f' stroke-width="2" stroke-dasharray="6 3"><title>{label}</title></line>'
            f'<text x="{right_e}" y="{y}" dy="-5" text-anchor="end" font-size="12">{label}</text>'
        )

    gap_top = _e(_add(bottom, -10))
    for s in chart["series"]:
        colour = _e(s["colour"])
        dash = f' stroke-dasharray="{_e(s["dash"])}"' if s["dash"] else ""
        add(f'<g class="app-chart__series app-chart__series--{_e(s["key"])}">')
        after = (
            f' fill="none" stroke="{colour}" stroke-width="{_e(s["width"])}"{dash}'
            ' stroke-linejoin="round" stroke-linecap="round"></polyline>'
        )
        add("".join([f'<polyline class="app-chart__line" points="{_e(points)}"{after}' for points in s["segments"]]))
        add(
            "".join(
                [_marker(p["marker"], colour, f"{_MARKER_STROKE}><title>{_e(p['title'])}</title>") for p in s["points"]]
            )
        )
        gap_line = f' y1="{gap_top}" y2="{bottom_e}" stroke="{colour}" stroke-width="2" stroke-dasharray="2 2">'
        for gap in s["gaps"]:
            x = _e(gap["x"])
            add(f'<line class="app-chart__gap" x1="{x}" x2="{x}"{gap_line}<title>{_e(gap["title"])}</title></line>')
        add("</g>")

    add('<g class="app-chart__legend">')
    key_end, text_x = _e(_add(left, 28)), _e(_add(left, 36))
    for item in chart["legend"]:
        colour, y = _e(item["colour"]), _e(item["y"])
        dash = f' stroke-dasharray="{_e(item["dash"])}"' if item["dash"] else ""
        add(
            f'<line x1="{left_e}" x2="{key_end}" y1="{y}" y2="{y}" stroke="{colour}"'
            f' stroke-width="{_e(item["width"])}"{dash}></line>'
        )
        if item["marker"]:
            add(_marker(item["marker"], colour, ">"))
        add(f'<text x="{text_x}" y="{_e(item["text_y"])}">{_e(item["label"])}</text>')
    add("</g>")
    add("</svg>")
    return SafeString("\n".join(parts))


_NO_FIGURE = (
    '<td class="govuk-table__cell govuk-table__cell--numeric"><span aria-hidden="true">\u2013</span>'
    '<span class="govuk-visually-hidden">No figure</span></td>'
)


def chart_table(chart: dict, small: bool = False) -> SafeString:
    """The chart's figures as a table, a row per period and a column per series (what
    `measures/includes/chart_table.html` draws); `small` for a narrow column."""
    table = chart["table"]
    columns = table["columns"]
    parts = [
        format_html(
            '<table class="govuk-table app-chart-table{}">\n'
            '<caption class="govuk-table__caption govuk-table__caption--s">{}</caption>',
            " govuk-!-font-size-16" if small else "",
            table["caption"],
        ),
        '<thead class="govuk-table__head">\n<tr class="govuk-table__row">\n'
        '<th scope="col" class="govuk-table__header">Period</th>',
        "".join(
            [f'<th scope="col" class="govuk-table__header govuk-table__header--numeric">{_e(c)}</th>' for c in columns]
        ),
        '</tr>\n</thead>\n<tbody class="govuk-table__body">',
    ]
    add = parts.append
    rows = table["rows"]
    for row in rows:
        cells = "".join(
            [
                f'<td class="govuk-table__cell govuk-table__cell--numeric">{_e(cell)}</td>' if cell else _NO_FIGURE
                for cell in row["cells"]
            ]
        )
        add(
            f'<tr class="govuk-table__row">\n<th scope="row" class="govuk-table__header">{_e(row["period"])}</th>'
            f"\n{cells}\n</tr>"
        )
    if not rows:
        add(
            f'<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="{len(columns) + 1}">'
            "No figures yet.</td></tr>"
        )
    add("</tbody>\n</table>")
    return SafeString("\n".join(parts))


def chart_figure(chart: dict) -> SafeString:
    """The chart with the table of its figures (what `measures/includes/chart_figure.html` draws): the table
    beside the chart while it is narrow enough (a measure and one comparator), below it otherwise."""
    svg = chart_svg(chart)
    if len(chart["table"]["columns"]) <= 2:
        return format_html(
            '<div class="govuk-grid-row app-chart-figure">\n'
            '<div class="govuk-grid-column-two-thirds">\n{}\n</div>\n'
            '<div class="govuk-grid-column-one-third">\n{}\n</div>\n'
            "</div>",
            svg,
            chart_table(chart, small=True),
        )
    return format_html(
        '<div class="app-chart-figure">\n'
        '<div class="govuk-grid-row">\n<div class="govuk-grid-column-two-thirds">\n{}\n</div>\n</div>\n'
        "{}\n"
        "</div>",
        svg,
        chart_table(chart),
    )
