"""Pieces of the dashboard and packs made in Python (governance/rendering.py), for templates."""

from django import template

from governance import rendering

register = template.Library()


@register.simple_tag
def stacked_bar(segments, chart_id, label):
    return rendering.stacked_bar(segments, chart_id, label)
