"""What the board sees for one plan and one period: counts, direction of travel, exceptions.

Built in a fixed number of queries whatever the plan's size or history, and returned as plain
data so that a frozen board pack can store it as JSON and render it again unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from plans.compiled import CompiledQuery
from plans.models import Action, ActionLead, Plan, attach_leads, share_loaded

from .flags import action_flags, read_status, with_status
from .models import RAG_RANK, ActionUpdate, Challenge, Decision, Meeting, Rag, month_start, previous_period

STATUS_KEYS = ["blue", "green", "amber", "red", "none"]
STATUS_LABELS = {"blue": "Blue", "green": "Green", "amber": "Amber", "red": "Red", "none": "No update"}


def direction(now: str | None, before: str | None) -> str:
    """'improved', 'same', 'worse', 'new' (first rating) or 'none' (no rating this period)."""
    if now is None:
        return "none"
    if before is None:
        return "new"
    difference = RAG_RANK[Rag(before)] - RAG_RANK[Rag(now)]
    return "improved" if difference > 0 else "worse" if difference < 0 else "same"


DIRECTION_WORDS = {
    "improved": ("Improved", "↑"),
    "same": ("Same", "→"),
    "worse": ("Worse", "↓"),
    "new": ("First rating", "•"),
    "none": ("No update", "–"),
}


def requested_period(request) -> dt.date | None:
    """The period a page was asked for (`?period=2019-07` or a date in it), or None for the default one."""
    value = request.GET.get("period", "")
    try:
        return month_start(dt.date.fromisoformat(value + "-01" if len(value) == 7 else value))
    except ValueError:
        return None


def default_period(plan: Plan) -> dt.date:
    """The period of the latest meeting, else the latest period with updates, else this month."""
    meeting = Meeting.objects.filter(board__plan=plan).order_by("-date").values_list("period", flat=True).first()
    if meeting:
        return meeting
    return period_without_meetings(plan)


def period_without_meetings(plan: Plan) -> dt.date:
    """The latest period with updates, else this month."""
    latest = ActionUpdate.objects.filter(action__plan=plan).order_by("-period").values_list("period", flat=True).first()
    return latest or month_start(timezone.localdate())


@dataclass
class Dashboard:
    plan: Plan
    period: dt.date
    previous: dt.date
    actions: list[Action]
    recommendations: list[dict]
    totals: dict[str, int]
    exceptions: dict[str, list]
    challenges: list[Challenge] = field(default_factory=list)
    decisions_overdue: list[Decision] = field(default_factory=list)


def _actions_with_status(plan_id: int, period: dt.date, previous: dt.date):
    last_update = ActionUpdate.objects.filter(action=OuterRef("pk"), period=previous).order_by()
    return (
        with_status(Action.objects.filter(plan_id=plan_id), period)
        .annotate(previous_status=Subquery(last_update.values("status")[:1]))
        .select_related("recommendation")
        .order_by("order")
    )


# The dashboard's queries of one plan, compiled once per process (plans/compiled.py): compiling them took
# about a sixth of an uncached dashboard.
_PLAN_IDS = (-401, -402)
_DATES = (dt.date(1901, 1, 1), dt.date(1902, 2, 1))
_ACTIONS = CompiledQuery(
    _actions_with_status,
    plan_id=_PLAN_IDS,
    period=_DATES,
    previous=(dt.date(1903, 3, 1), dt.date(1904, 4, 1)),
)
# The role's plan as well as the action's (a lead is one of its plan's roles, ActionLead.clean): with both,
# PostgreSQL reads the plan's links through the role index instead of scanning every plan's (3.7 → 0.3 ms
# at 150 plans).
_LEADS = CompiledQuery(
    lambda plan_id: (
        ActionLead.objects.filter(action__plan_id=plan_id, role__plan_id=plan_id)
        .select_related("role")
        .order_by("action_id", "order")
    ),
    plan_id=_PLAN_IDS,
)
_OPEN_CHALLENGES = CompiledQuery(
    lambda plan_id: (
        Challenge.objects.filter(action__plan_id=plan_id)
        .exclude(status=Challenge.Status.CLOSED)
        .select_related("raised_by")
        .order_by("raised_at")
    ),
    plan_id=_PLAN_IDS,
)
_DECISIONS_PAST_DUE = CompiledQuery(
    lambda plan_id, today: (
        Decision.objects.filter(meeting__board__plan_id=plan_id, status=Decision.Status.OPEN, due__lt=today)
        .select_related("owner_role", "meeting")
        .order_by("due")
    ),
    plan_id=_PLAN_IDS,
    today=_DATES,
)


def build_dashboard(plan: Plan, period: dt.date) -> Dashboard:
    period = month_start(period)
    previous = previous_period(period)
    actions = _ACTIONS(plan_id=plan.pk, period=period, previous=previous)
    attach_leads(actions, rows=_LEADS(plan_id=plan.pk))
    read_status(actions, period)
    recommendations: dict[int, dict] = {}
    totals = dict.fromkeys(STATUS_KEYS, 0)
    exceptions: dict[str, list] = {
        "new_red": [], "overdue": [], "stale": [], "no_update": [], "slipped": [], "changed": [],
    }  # fmt: skip
    share_loaded(actions, "plan", plan)
    share_loaded([action.recommendation for action in actions], "plan", plan)
    for action in actions:
        action.flags = action_flags(action, period)
        action.direction = direction(action.period_status, action.previous_status)
        action.direction_word, action.direction_arrow = DIRECTION_WORDS[action.direction]
        rec = recommendations.setdefault(
            action.recommendation_id,
            {"recommendation": action.recommendation, "counts": dict.fromkeys(STATUS_KEYS, 0), "actions": 0},
        )
        if not action.is_working and action.state != Action.State.CLOSED:
            continue  # withdrawn and superseded actions are not rated
        key = action.period_status or "none"
        rec["counts"][key] += 1
        rec["actions"] += 1
        totals[key] += 1
        flag_keys = {flag.key for flag in action.flags}
        if action.period_status == Rag.RED and action.previous_status != Rag.RED:
            exceptions["new_red"].append(action)
        for key in ("overdue", "stale", "no_update", "slipped"):
            if key in flag_keys:
                exceptions[key].append(action)
        if action.period_status and action.previous_status and action.period_status != action.previous_status:
            exceptions["changed"].append(action)
    for rec in recommendations.values():
        rec["segments"] = _segments(rec["counts"], rec["actions"])
    challenges = _OPEN_CHALLENGES(plan_id=plan.pk)
    by_pk = {action.pk: action for action in actions}  # each challenge's action is loaded above: no join
    for challenge in challenges:
        challenge.action = by_pk[challenge.action_id]
        challenge.action.plan = plan  # its link needs the plan's slug
    decisions_overdue = _DECISIONS_PAST_DUE(plan_id=plan.pk, today=timezone.localdate())
    return Dashboard(
        plan=plan,
        period=period,
        previous=previous,
        actions=actions,
        recommendations=sorted(recommendations.values(), key=lambda r: r["recommendation"].order),
        totals=totals | {"all": sum(totals.values())},
        exceptions=exceptions,
        challenges=challenges,
        decisions_overdue=decisions_overdue,
    )


def _segments(counts: dict[str, int], total: int) -> list[dict]:
    """Stacked-bar segments in percent of the bar, for the SVG chart."""
    segments, x = [], 0.0
    for key in STATUS_KEYS:
        count = counts[key]
        if not count:
            continue
        width = 100.0 * count / total if total else 0.0
        segments.append(
            {"key": key, "label": STATUS_LABELS[key], "count": count, "x": round(x, 3), "width": round(width, 3)}
        )
        x += width
    return segments
