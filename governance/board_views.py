"""The Improvement Board's pages: the dashboard (a board member's home page)."""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

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
