"""The Improvement Board's pages: the dashboard (a board member's home page)."""

import datetime as dt
import functools

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from measures.chart_html import chart_figure
from measures.models import Measure
from measures.queries import charts_for_measures, measure_statuses_for_plan
from measures.status import impact_warning
from plans.compiled import CompiledQuery
from plans.dates import MONTH_NAMES
from plans.html import format_html
from plans.links import cached_reverse
from plans.permissions import get_plan_for
from plans.versioning import data_token

from . import rendering
from .dashboard import (
    STATUS_KEYS,
    STATUS_LABELS,
    Dashboard,
    build_dashboard,
    period_without_meetings,
    requested_period,
)
from .exports import EXCEPTION_SECTIONS
from .filters import DashboardFilter
from .models import Board, Meeting, month_start, previous_period
from .rendering import code_digest, decorate_actions, exception_item

# The dashboard charts at most this many measures off target (worst first); the rest are listed with links.
DASHBOARD_CHART_LIMIT = 6
FRAGMENTS = [
    "governance/includes/dashboard_controls.html",
    "governance/includes/dashboard_summary.html",
    "governance/includes/dashboard_filter.html",
]
# What makes the cached parts (their digest is part of the cache key).
DIGEST_MODULES = (
    "governance.board_views", "governance.rendering", "governance.dashboard", "measures.queries", "measures.charts",
    "measures.chart_html",
)  # fmt: skip
DIGEST_TEMPLATES = (
    *FRAGMENTS,
    "measures/includes/chart_figure.html",
    "measures/includes/chart.svg",
    "measures/includes/chart_table.html",
)


def _cache_keys(plan, period: dt.date | None) -> tuple[str, str]:
    """Keyed by the plan's data version (any write changes it) and today (flags depend on the date):
    the page's fragments, and the data they were made from."""
    stem = f"{plan.pk}:{data_token(plan)}:{period:%Y-%m}" if period else f"{plan.pk}:{data_token(plan)}:default"
    today = f"{timezone.localdate():%Y-%m-%d}"
    version = code_digest(DIGEST_MODULES, DIGEST_TEMPLATES)
    return f"dashboard:{version}:{stem}:{today}", f"dashboard-data:{version}:{stem}:{today}"


# The plan's latest meeting with its board: the default period. Compiled once per process (plans/compiled.py).
_LATEST_MEETING = CompiledQuery(
    lambda plan_id: (
        Meeting.objects.filter(board__plan_id=plan_id).select_related("board__chair_role").order_by("-date")[:1]
    ),
    plan_id=(-601, -602),
)


def _periods(period: dt.date, today: dt.date) -> list[dt.date]:
    """The last three years of months, newest first (no query needed to list them)."""
    periods, month = [], max(period, month_start(today))
    while len(periods) < 36:
        periods.append(month)
        month = previous_period(month)
    if period not in periods:
        periods.append(period)
    return periods


@functools.lru_cache(maxsize=256)  # a pure function of two dates: the same 37 options on every request
def _period_options(period: dt.date, today: dt.date) -> SafeString:
    """The reporting period's options, `period` selected."""
    return rendering.period_options(
        [(f"{p:%Y-%m}", f"{MONTH_NAMES[p.month]} {p.year}", p == period) for p in _periods(period, today)]
    )


_UNKNOWN = object()
DOWNLOADS = ("pdf", "xlsx", "csv")


def _figure(chart: dict | None) -> SafeString:
    """A chart with its table, as `measures/includes/chart_figure.html` includes it (with its newline)."""
    return format_html("{}\n", chart_figure(chart)) if chart else SafeString("")


def _period_words(period: dt.date, previous: dt.date) -> dict[str, str]:
    """The period as the dashboard's templates write it ("May 2022", "2022-05"), made once instead of a
    `date` filter (with its per-call format look-up) each time a fragment writes it."""
    return {
        "month": f"{MONTH_NAMES[period.month]} {period.year}",
        "previous_month": f"{MONTH_NAMES[previous.month]} {previous.year}",
        "previous_month_name": MONTH_NAMES[previous.month],
        "period_code": f"{period:%Y-%m}",
    }


def _compute(plan, period: dt.date, board=_UNKNOWN) -> tuple[dict, Dashboard]:
    """What the dashboard shows that is the same for every reader: its data and the fragments rendered
    from it. Nothing here may depend on who is looking (no POST forms, tokens, names or buttons)."""
    data = build_dashboard(plan, period)
    decorate_actions(data.actions, plan)
    if board is _UNKNOWN:
        board = Board.objects.filter(plan=plan).select_related("chair_role").first()
    # Delivery beside impact: each recommendation's measures, and charts of those off target.
    loaded: dict[int, Measure] = {}
    measures_by_rec = measure_statuses_for_plan(plan, period, loaded=loaded, brief=True)
    open_statuses: dict[int, list] = {}  # each recommendation's working actions' statuses
    for action in data.actions:
        if action.is_working:
            open_statuses.setdefault(action.recommendation_id, []).append(action.period_status)
    for rec in data.recommendations:
        rec_measures = measures_by_rec.get(rec["recommendation"].pk, [])
        measure_statuses = [m["status"] for m in rec_measures]
        rec["measures"] = rec_measures
        rec["measure_counts"] = {key: measure_statuses.count(key) for key in ("green", "amber", "red")}
        rec["impact_warning"] = impact_warning(open_statuses.get(rec["recommendation"].pk, []), measure_statuses)
        rec["html"] = rendering.recommendation_block(rec)
    off_target = {m["id"]: m for ms in measures_by_rec.values() for m in ms if m["status"] in ("red", "amber")}
    worst = sorted(off_target.values(), key=lambda m: (m["status"] != "red", m["code"]))
    charted_ids = [m["id"] for m in worst[:DASHBOARD_CHART_LIMIT]]
    charted = [loaded[pk] for pk in charted_ids]
    # The board's view of a measure: the thirteen months to this period (the same month a year ago and since);
    # its page has the whole series.
    year_before = dt.date(period.year - 1, period.month, 1)
    charts = charts_for_measures(charted, since=year_before, until=period)
    totals = [(key, STATUS_LABELS[key], data.totals[key]) for key in STATUS_KEYS]
    words = _period_words(period, data.previous)
    context = {
        "plan": plan,
        "board": board,
        "data": data,
        "period": period,
        **words,
        "download_urls": {kind: cached_reverse("governance:dashboard_download", plan.slug, kind) for kind in DOWNLOADS},
        "board_packs_url": cached_reverse("governance:board_packs", plan.slug, board.pk) if board else "",
        "period_options": _period_options(period, timezone.localdate()),
        "filter": DashboardFilter(None, actions=data.actions),
        "totals": totals,
        "totals_html": rendering.totals_list(totals),
        "status_rows_html": rendering.status_table_rows(data.recommendations, data.totals),
        "charted": [
            (off_target[pk], _figure(charts.get(pk)), rendering.measure_status_tag(off_target[pk]))
            for pk in charted_ids
        ],
        "uncharted": worst[DASHBOARD_CHART_LIMIT:],
        "uncharted_html": rendering.measure_link_items(worst[DASHBOARD_CHART_LIMIT:]),
        "off_target_count": len(worst),
        "exception_sections": [
            (
                key,
                title,
                hint,
                len(data.exceptions[key]),
                rendering.joined(exception_item(a, key) for a in data.exceptions[key]),
            )
            for key, title, hint in EXCEPTION_SECTIONS
        ],
    }
    bundle = {
        "period": period,
        "previous": data.previous,
        **words,
        "board_name": board.name if board else "",
        "action_count": len(data.actions),
        "controls_html": render_to_string("governance/includes/dashboard_controls.html", context),
        "summary_html": render_to_string("governance/includes/dashboard_summary.html", context),
        "filter_html": render_to_string("governance/includes/dashboard_filter.html", context),
        "rows_html": rendering.dashboard_rows(data.actions),
    }
    return bundle, data


def dashboard_bundle(plan, period: dt.date | None) -> tuple[dict, SimpleLazyObject]:
    """The dashboard's shared part from the cache, made when the plan has changed since it was last made.

    The data (the actions with their statuses) is kept under a key of its own and read only when the
    reader filters the table: the unfiltered page needs the rendered fragments alone.
    """
    key, data_key = _cache_keys(plan, period)
    bundle = cache.get(key)
    if bundle is None:
        if period is None:
            # The latest meeting gives the period and the board in one query.
            meeting = next(iter(_LATEST_MEETING(plan_id=plan.pk)), None)
            if meeting is not None:
                bundle, data = _compute(plan, meeting.period, board=meeting.board)
            else:
                bundle, data = _compute(plan, period_without_meetings(plan), board=None)
        else:
            bundle, data = _compute(plan, period)
        cache.set_many({key: bundle, data_key: data}, settings.DASHBOARD_CACHE_SECONDS)
        return bundle, data

    def load() -> Dashboard:
        data = cache.get(data_key)
        if data is None:  # evicted on its own: make it again
            data = build_dashboard(plan, bundle["period"])
            decorate_actions(data.actions, plan)
            cache.set(data_key, data, settings.DASHBOARD_CACHE_SECONDS)
        return data

    return bundle, SimpleLazyObject(load)


@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug)
    bundle, data = dashboard_bundle(plan, requested_period(request))
    period = bundle["period"]
    filtered = any(request.GET.get(name) for name in DashboardFilter.base_filters)
    context = {
        "plan": plan,
        "nav": "dashboard",
        "bundle": bundle,
        "data": data,
        "period": period,
        "period_code": bundle["period_code"],
        "filtered": filtered,
        "crumbs": [(plan.title, plan.get_absolute_url()), ("Dashboard", None)],
    }
    if filtered:
        action_filter = DashboardFilter(request.GET, actions=data.actions)
        shown = action_filter.matches(data.actions)
        context |= {
            "filter": action_filter,
            "shown": shown,
            "shown_count": len(shown),
            "rows_html": rendering.dashboard_rows(shown),
        }
    else:
        context |= {
            "shown": SimpleLazyObject(lambda: data.actions),  # read by tests only: the rows come made
            "shown_count": bundle["action_count"],
            "rows_html": bundle["rows_html"],
        }
    return render(request, "governance/dashboard.html", context)
