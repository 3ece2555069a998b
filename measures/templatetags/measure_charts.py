"""Measure charts in templates: `{% load measure_charts %}{% chart_figure chart %}`, and `chart_svg`,
`chart_table chart small`; the markup is made in `measures.chart_html` (the includes in
`templates/measures/includes/` wrap these tags)."""

from django import template
from django.utils.safestring import SafeString

from measures import chart_html

register = template.Library()


@register.simple_tag
def chart_svg(chart: dict) -> SafeString:
    """The chart as an SVG element."""
    return chart_html.chart_svg(chart)


@register.simple_tag
def chart_table(chart: dict, small=False) -> SafeString:
    """The chart's figures as a table; `small` (may be undefined, so "") for a narrow column."""
    return chart_html.chart_table(chart, small=bool(small))


@register.simple_tag
def chart_figure(chart: dict) -> SafeString:
    """The chart with the table of its figures, beside it (two columns at most) or below it."""
    return chart_html.chart_figure(chart)
