"""Small pieces of HTML made in Python for pages that repeat them per row (the dashboard).

Each matches its template include (`includes/rag_tag.html`, `includes/flags.html`,
`plans/includes/leads.html`) and escapes as the templates do: a long dashboard renders each action's
pieces once instead of including three templates per row and per exception list.
"""

import functools
import hashlib
import importlib
from collections.abc import Callable
from pathlib import Path

from django.template.defaultfilters import linebreaksbr
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.timezone import template_localtime

from plans.dates import long_date
from plans.html import format_html, format_html_join
from plans.links import pk_url_maker
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


@functools.lru_cache(maxsize=64)  # four ratings and none: made once each
def rag_tag(rag: str | None) -> SafeString:
    """A BRAG status as a word and a colour, never colour alone."""
    if not rag:
        return NO_UPDATE
    css, word = RAG_TAGS.get(str(rag), (f"govuk-tag app-tag--{rag}", str(rag)))
    return format_html('<strong class="{}">{}</strong>', css, word)


@functools.lru_cache(maxsize=64)  # a handful of combinations of five flags
def flag_tags(flags) -> SafeString:
    if not flags:
        return mark_safe("")  # noqa: S308 - empty
    items = format_html_join(
        "",
        '<li><strong class="govuk-tag govuk-tag--{}" title="{}">{}</strong></li>',
        ((FLAG_COLOURS.get(flag.key, "yellow"), flag.description, flag.label) for flag in flags),
    )
    return format_html('<ul class="govuk-list app-flags govuk-!-margin-0">{}</ul>', items)


def first_words(text: str, count: int) -> str:
    """The first `count` words and " …" when there are more: Django's `truncatewords`, without its regex."""
    words = text.split()
    return " ".join(words[:count]) + " …" if len(words) > count else " ".join(words)


def action_url_maker(plan) -> Callable[[int], str]:
    """The action page's address for an action id: `reverse` once for the plan instead of once per action."""
    return pk_url_maker("governance:action_detail", plan.slug)


def decorate_actions(actions, plan) -> None:
    """Give each dashboard action its link and its pieces of HTML, made once: its table row (as
    the dashboard's rows template once wrote it) and its line in the exception lists."""
    url_of = action_url_maker(plan)
    lead_lists: dict[tuple, SafeString] = {}  # many actions share their leads: each list is made once
    for action in actions:
        action.url = url_of(action.pk)
        description = action.description or MISSING
        action.short_14 = first_words(description, 14)
        action.status_tag = rag_tag(action.period_status)
        # Its line in the exception lists without details (an action is often both stale and without an update).
        action.exception_line = format_html(
            '<li><a class="govuk-link" href="{}">{}</a> {}</li>\n', action.url, action.reference, action.short_14
        )
        action.previous_tag = rag_tag(action.previous_status)
        action.flag_tags = flag_tags(tuple(action.flags))
        roles = action.lead_roles()
        key = tuple(role.pk for role in roles)
        action.lead_list = lead_lists.get(key) or lead_lists.setdefault(key, lead_list(roles))
        state = (
            ""
            if action.is_working
            else format_html('<br><strong class="govuk-tag govuk-tag--grey">{}</strong>', action.get_state_display())
        )
        action.row_html = format_html(
            '<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a> '
            '<span class="govuk-body-s">{}</span>{}</td><td class="govuk-table__cell">{}</td>'
            '<td class="govuk-table__cell"><span aria-hidden="true">{}</span> {}</td>'
            '<td class="govuk-table__cell">{}</td><td class="govuk-table__cell">{}</td></tr>\n',
            action.url,
            action.reference,
            first_words(description, 12),
            state,
            action.status_tag,
            action.direction_arrow,
            action.direction_word,
            action.flag_tags,
            action.lead_list,
        )


NO_ROWS = mark_safe(  # noqa: S308 - a constant
    '\n<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="5">'
    "No actions match these filters.</td></tr>\n"
)


def joined(pieces) -> SafeString:
    """Pieces of markup made by format_html, as one: a template writes one variable instead of one per piece."""
    return mark_safe("".join(pieces))  # noqa: S308 - each piece is escaped by format_html


def dashboard_rows(actions) -> SafeString:
    """The dashboard table's rows (each made by `decorate_actions`), or a row saying none match."""
    return joined(["\n", joined(action.row_html for action in actions) or NO_ROWS, "\n"])


def exception_item(action, key: str) -> SafeString:
    """An action's line in one of the dashboard's exception lists (`EXCEPTION_SECTIONS`)."""
    if key not in ("changed", "slipped"):
        return action.exception_line  # made by decorate_actions
    detail = ""
    if key == "changed":
        reason = format_html(" – “{}”", action.period_reason) if action.period_reason else ""
        detail = format_html(": {} → {}{}", action.previous_tag, action.status_tag, reason)
    elif key == "slipped":
        detail = format_html(": first “{}”, now “{}”", action.original_due_text, action.due_text)
    return format_html(
        '<li><a class="govuk-link" href="{}">{}</a> {}{}</li>\n', action.url, action.reference, action.short_14, detail
    )


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


EMPTY_BAR = mark_safe('<rect class="app-bar app-bar--none" x="0" y="0" width="100" height="10"></rect>')  # noqa: S308


def stacked_bar(segments, chart_id: str, label: str) -> SafeString:
    """An accessible stacked bar (`includes/stacked_bar.svg` wraps this): `segments` from
    `governance.dashboard._segments`, each also carrying its count as text; `label` names it."""
    desc = ", ".join(f"{s['label']}: {s['count']}" for s in segments) or "No actions"
    rects = format_html_join(
        "",
        '<rect class="app-bar app-bar--{}" x="{}" y="0" width="{}" height="10"><title>{}: {}</title></rect>',
        ((s["key"], f"{s['x']:.3f}", f"{s['width']:.3f}", s["label"], s["count"]) for s in segments),
    )
    return format_html(
        '<svg class="app-stacked-bar" role="img" aria-labelledby="{0}-title {0}-desc" viewBox="0 0 100 10" '
        'preserveAspectRatio="none" width="100%" height="28" focusable="false">\n'
        '  <title id="{0}-title">{1}</title>\n  <desc id="{0}-desc">{2}</desc>\n  {3}{4}\n</svg>',
        chart_id,
        label,
        desc,
        rects,
        "" if segments else EMPTY_BAR,
    )


IMPACT_WARNING = mark_safe(  # noqa: S308 - a constant
    '<div class="govuk-warning-text govuk-!-margin-top-2 govuk-!-margin-bottom-0">'
    '<span class="govuk-warning-text__icon" aria-hidden="true">!</span>'
    '<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>'
    "Actions on track but measures off target</strong></div>"
)


def recommendation_block(rec: dict) -> SafeString:
    """A recommendation on the dashboard: its link, the stacked bar of its actions' status, the warning when
    its actions are on track but its measures are not, its measures' counts and the bar's key."""
    recommendation = rec["recommendation"]
    reference = recommendation.reference
    counts = rec["measure_counts"]
    measures = (
        format_html(
            '<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0">'
            "Measures: {} Green, {} Amber, {} Red of {}.</p>",
            counts["green"],
            counts["amber"],
            counts["red"],
            len(rec["measures"]),
        )
        if rec["measures"]
        else ""
    )
    key = mark_safe(  # noqa: S308 - joins pieces escaped by format_html
        '<span class="app-key-gap"></span>'.join(
            format_html('<span class="app-key app-key--{}"></span>{} {}', s["key"], s["label"], s["count"])
            for s in rec["segments"]
        )
    )
    return format_html(
        '<div class="govuk-!-margin-bottom-6">\n'
        '<h3 class="govuk-heading-s govuk-!-margin-bottom-2"><a class="govuk-link" href="{}">{}. {}</a></h3>\n'
        "{}\n{}{}\n"
        '<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0" aria-hidden="true">{}</p>\n</div>\n',
        recommendation.get_absolute_url(),
        reference,
        recommendation.text,
        stacked_bar(
            rec["segments"], slugify(f"rec-chart-{reference}"), f"Recommendation {reference}: status of its actions"
        ),
        IMPACT_WARNING if rec["impact_warning"] else "",
        measures,
        key,
    )


def status_table_rows(recommendations: list[dict], totals: dict) -> SafeString:
    """The rows of the dashboard's table of actions by status and recommendation, with the totals' row."""
    cell = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    columns = ("blue", "green", "amber", "red", "none")
    rows = [
        (rec["recommendation"].reference, *(rec["counts"][key] for key in columns), rec["actions"])
        for rec in recommendations
    ]
    rows.append(("All", *(totals[key] for key in columns), totals["all"]))
    return format_html_join(
        "\n",
        '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>' + cell * 6 + "</tr>",
        rows,
    )


def totals_list(totals: list[tuple[str, str, int]]) -> SafeString:
    """Each status with its count, the word beside the colour."""
    return format_html_join(
        "\n",
        '<li>{} <span class="govuk-!-font-weight-bold govuk-!-font-size-24">{}</span></li>',
        ((rag_tag(None if key == "none" else key), count) for key, _label, count in totals),
    )


def measure_status_tag(summary: dict) -> SafeString:
    """A measure's status as a word and a colour (`measures/includes/status_tag.html`)."""
    return format_html('<strong class="govuk-tag {}">{}</strong>', summary["status_tag"], summary["status_label"])


def measure_link_items(summaries: list[dict]) -> SafeString:
    """Measures as list items: a link and the status beside it."""
    return format_html_join(
        "",
        '<li><a class="govuk-link" href="{}">{} {}</a> {}</li>',
        ((m["url"], m["code"], m["name"], measure_status_tag(m)) for m in summaries),
    )


def period_options(periods: list[tuple[str, str, bool]]) -> SafeString:
    """The reporting period's options, the chosen one selected."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if selected else "", label) for value, label, selected in periods),  # noqa: S308
    )


# An event's paragraphs: its field, the paragraph, and whether its line breaks are kept.
EVENT_PARAGRAPHS = [
    ("reason", '<p class="govuk-body"><strong>Why the status changed:</strong> {}</p>', False),
    ("narrative", '<p class="govuk-body">{}</p>', True),
    ("next_steps", '<p class="govuk-body"><strong>Next steps:</strong> {}</p>', True),
    ("risks", '<p class="govuk-body"><strong>Risks and issues:</strong> {}</p>', True),
]


def timeline_items(events, plan) -> None:
    """Each timeline event's list item (`governance/action_detail.html`), made in Python: three years of
    monthly updates are 36 items, each of which cost an include and a dozen filters in the template."""
    evidence_item = get_template("governance/includes/evidence_item.html")
    for event in events:
        who = event.who
        parts = [
            format_html(
                '<h3 class="govuk-heading-s govuk-!-margin-bottom-1">{}{}</h3>\n'
                '<p class="govuk-body-s govuk-!-margin-bottom-2 app-meta">{}{}</p>\n',
                event.heading,
                format_html(" {}", rag_tag(event.status)) if event.status else "",
                _when(event.when),
                format_html(" by {}", who.get_full_name() or who.get_username()) if who else "",
            )
        ]
        for name, html, lines in EVENT_PARAGRAPHS:
            if value := getattr(event, name):
                parts.append(format_html(html, linebreaksbr(value) if lines else value))
        if event.changes:
            parts.append(
                format_html(
                    '<ul class="govuk-list govuk-list--bullet">{}</ul>',
                    format_html_join("", "<li>{}: “{}” → “{}”</li>", event.changes),
                )
            )
        if event.note:
            parts.append(format_html('<p class="govuk-body-s">{}</p>', event.note))
        if event.evidence:
            items = format_html_join(
                "",
                "<li>{}</li>",
                (
                    (evidence_item.render({"item": item, "plan": plan, "show_actions": False}),)
                    for item in event.evidence
                ),
            )
            parts.append(format_html('<ul class="govuk-list">{}</ul>', items))
        anchor = format_html(' id="period-{}"', f"{event.period:%Y-%m}") if event.kind == "update" else ""
        event.html = format_html(
            '<li class="app-timeline__item"{}>\n{}</li>\n',
            anchor,
            mark_safe("".join(parts)),  # noqa: S308 - escaped parts
        )


def _when(moment) -> str:
    """A moment as the templates' `date:"j F Y, H:i"` writes it, in the current time zone."""
    local = template_localtime(moment)
    return f"{long_date(local)}, {local:%H:%M}"
