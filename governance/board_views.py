"""The Improvement Board's pages: the dashboard (a board member's home page)."""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from measures.models import Measure
from measures.queries import charts_for_measures, measure_statuses_for_plan
from measures.status import impact_warning
from plans.permissions import get_plan_for

from .dashboard import STATUS_KEYS, STATUS_LABELS, build_dashboard, default_period
from .filters import DashboardFilter
from .flags import ALL_FLAGS
from .models import Board, month_start, previous_period


def _period_from(request: HttpRequest, plan) -> dt.date:
    value = request.GET.get("period", "")
    try:
        return month_start(dt.date.fromisoformat(value + "-01" if len(value) == 7 else value))
    except ValueError:
        return default_period(plan)


@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug)
    period = _period_from(request, plan)
    data = build_dashboard(plan, period)
    action_filter = DashboardFilter(request.GET or None, actions=data.actions)
    shown = action_filter.matches(data.actions)
    # The last three years of months, newest first (no query needed to list them).
    periods, month = [], max(period, month_start(timezone.localdate()))
    while len(periods) < 36:
        periods.append(month)
        month = previous_period(month)
    if period not in periods:
        periods.append(period)
    board = Board.objects.filter(plan=plan).select_related("chair_role").first()
    # Delivery beside impact: each recommendation's measures, and charts of those off target.
    measures_by_rec = measure_statuses_for_plan(plan, period)
    for rec in data.recommendations:
        rec_measures = measures_by_rec.get(rec["recommendation"].pk, [])
        open_statuses = [
            a.period_status for a in data.actions if a.recommendation_id == rec["recommendation"].pk and a.is_working
        ]
        rec["measures"] = rec_measures
        rec["measure_counts"] = {
            key: sum(1 for m in rec_measures if m["status"] == key) for key in ("green", "amber", "red")
        }
        rec["impact_warning"] = impact_warning(open_statuses, [m["status"] for m in rec_measures])
    off_target = {m["id"]: m for ms in measures_by_rec.values() for m in ms if m["status"] in ("red", "amber")}
    off_target_measures = list(Measure.objects.filter(pk__in=off_target).select_related("plan").order_by("code"))
    charts = charts_for_measures(off_target_measures)
    return render(
        request,
        "governance/dashboard.html",
        {
            "plan": plan,
            "nav": "dashboard",
            "board": board,
            "data": data,
            "period": period,
            "periods": periods,
            "filter": action_filter,
            "shown": shown,
            "totals": [(key, STATUS_LABELS[key], data.totals[key]) for key in STATUS_KEYS],
            "off_target": [(off_target[m.pk], charts.get(m.pk)) for m in off_target_measures],
            "flags": ALL_FLAGS,
            "exception_sections": [
                ("new_red", "New Reds", "Actions rated Red this period that were not Red last period."),
                ("overdue", "Overdue", "Past their due month and not complete."),
                ("no_update", "No update this period", "No update for this period yet."),
                ("stale", "Stale", "No update for two periods or more."),
                ("slipped", "Slipped deadlines", "Due dates moved later than the plan first said."),
                ("changed", "Status changes", "Status different from last period, with the lead's reason."),
            ],
            "crumbs": [(plan.title, plan.get_absolute_url()), ("Dashboard", None)],
        },
    )
