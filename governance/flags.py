"""Flags shown beside a lead's rating, computed from the data; the rating itself is never overridden.

- overdue: the reporting month is after the due month and the action is not complete;
- due soon: due this month or next (and not complete);
- no update yet: no update for this period;
- stale: the last update is two periods old or more;
- slipped: the due date was moved later than the plan first said.
"""

import datetime as dt
import functools
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject

from plans.models import Action

from .models import ActionUpdate, month_start, next_period, previous_period


@dataclass(frozen=True)
class Flag:
    key: str
    label: str
    description: str


OVERDUE = Flag("overdue", "Overdue", "Past its due month and not complete")
DUE_SOON = Flag("due_soon", "Due soon", "Due this month or next")
NO_UPDATE = Flag("no_update", "No update yet", "No update for this period")
STALE = Flag("stale", "Stale", "No update for two periods or more")
SLIPPED = Flag("slipped", "Slipped", "The due date was moved later")
ALL_FLAGS = [OVERDUE, DUE_SOON, NO_UPDATE, STALE, SLIPPED]


def with_status(queryset: QuerySet, period: dt.date) -> QuerySet:
    """Annotate actions with their latest update up to the period (in the same query); `read_status` reads it.

    One subquery giving the update's fields together (as JSON) instead of one per field: each subquery
    costs its compilation on every request."""
    latest = ActionUpdate.objects.filter(action=OuterRef("pk"), period__lte=period).order_by("-period")
    row = JSONObject(period="period", status="status", id="pk", reason="reason")
    return queryset.annotate(status_row=Subquery(latest.values(row=row)[:1]))


def read_status(actions, period: dt.date) -> None:
    """Set, on actions fetched through `with_status`, `latest_status` and `latest_period` (the latest update
    up to the period) and `period_update_id`, `period_status` and `period_reason` (this period's update)."""
    period = month_start(period)
    for action in actions:
        row = action.status_row
        latest = dt.date.fromisoformat(row["period"]) if row else None
        this = latest is not None and latest == period
        action.latest_period = latest
        action.latest_status = row["status"] if row else None
        action.period_update_id = row["id"] if this else None
        action.period_status = row["status"] if this else None
        action.period_reason = row["reason"] if this else None


@functools.lru_cache(maxsize=256)
def _two_periods_before(period: dt.date) -> dt.date:
    return previous_period(previous_period(period))


def action_flags(action: Action, period: dt.date) -> list[Flag]:
    """Flags for an action read by `read_status` (or given the same attributes)."""
    period = month_start(period)
    flags: list[Flag] = []
    working = action.is_working
    complete = action.is_complete
    due = action.due_date
    if due and not complete and working and not action.due_recurrence:
        due_month = month_start(due)
        if period > due_month:
            flags.append(OVERDUE)
        elif due_month in (period, next_period(period)):
            flags.append(DUE_SOON)
    if working:
        latest = getattr(action, "latest_period", None)
        if getattr(action, "period_update_id", None) is None:
            flags.append(NO_UPDATE)
        if latest is not None and latest <= _two_periods_before(period):
            flags.append(STALE)
    if action.has_slipped:
        flags.append(SLIPPED)
    return flags
