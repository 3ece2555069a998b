"""Small pieces of HTML made in Python for pages that repeat them per row (the dashboard).

Each matches its template include (`includes/rag_tag.html`, `includes/flags.html`,
`plans/includes/leads.html`) and escapes as the templates do: a long dashboard renders each action's
pieces once instead of including three templates per row and per exception list.
"""

import functools
import hashlib
import importlib
from pathlib import Path

from django.template.defaultfilters import truncatewords
from django.template.loader import get_template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from plans.tables import lead_list

RAG_TAGS = {
    "blue": ("govuk-tag app-tag--blue govuk-tag--blue", "Blue"),
    "green": ("govuk-tag app-tag--green govuk-tag--green", "Green"),
    "amber": ("govuk-tag app-tag--amber govuk-tag--orange", "Amber"),
    "red": ("govuk-tag app-tag--red govuk-tag--red", "Red"),
}
FLAG_COLOURS = {"overdue": "red", "stale": "grey", "no_update": "grey", "slipped": "purple"}
NO_UPDATE = mark_safe('<strong class="govuk-tag govuk-tag--grey">No update</strong>')  # noqa: S308 - a constant
MISSING = "(description missing in the source)"


def rag_tag(rag: str | None) -> SafeString:
    """A BRAG status as a word and a colour, never colour alone."""
    if not rag:
        return NO_UPDATE
    css, word = RAG_TAGS.get(str(rag), (f"govuk-tag app-tag--{rag}", str(rag)))
    return format_html('<strong class="{}">{}</strong>', css, word)


def flag_tags(flags) -> SafeString:
    if not flags:
        return mark_safe("")  # noqa: S308 - empty
    items = format_html_join(
        "",
        '<li><strong class="govuk-tag govuk-tag--{}" title="{}">{}</strong></li>',
        ((FLAG_COLOURS.get(flag.key, "yellow"), flag.description, flag.label) for flag in flags),
    )
    return format_html('<ul class="govuk-list app-flags govuk-!-margin-0">{}</ul>', items)


def decorate_actions(actions) -> None:
    """Give each dashboard action its link and its pieces of HTML, made once."""
    for action in actions:
        action.url = action.get_absolute_url()
        description = action.description or MISSING
        action.short_12 = truncatewords(description, 12)
        action.short_14 = truncatewords(description, 14)
        action.status_tag = rag_tag(action.period_status)
        action.previous_tag = rag_tag(action.previous_status)
        action.flag_tags = flag_tags(action.flags)
        action.lead_list = lead_list(action.lead_roles())


@functools.cache
def code_digest(modules: tuple[str, ...], templates: tuple[str, ...]) -> str:
    """A digest of the modules and templates that make a cached piece of a page: part of its cache key, so
    a deployment that changes them never serves pieces made by the code before it."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update(Path(importlib.import_module(name).__file__).read_bytes())
    for name in templates:
        digest.update(Path(get_template(name).origin.name).read_bytes())
    return digest.hexdigest()[:12]
