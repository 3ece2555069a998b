"""Reads for pages elsewhere: each measure's latest status, per recommendation.

Built in a fixed number of queries whatever the number of measures or months, and returned as
plain data (strings, numbers, lists) so a frozen board pack can store it as JSON. `governance`
calls these; `measures` never imports `governance`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse

from plans.compiled import CompiledQuery
from plans.links import pk_url_maker
from plans.models import Plan, share_loaded

from . import charts
from . import status as st
from .models import ComparatorValue, Measure, MeasureValue, read_latest
from .status import impact_warning

__all__ = [
    "ComparatorSeries",
    "charts_for_measures",
    "impact_warning",
    "measure_series",
    "measure_status_brief",
    "measure_statuses_for_plan",
    "measure_summary",
    "one_measure_series",
    "recommendation_links",
]


@dataclass
class ComparatorSeries:
    name: str
    values: list = field(default_factory=list)


def _window(since: dt.date | None, until: dt.date | None) -> Q:
    window = Q()
    if since is not None:
        window &= Q(period__gte=since)
    if until is not None:
        window &= Q(period__lte=until)
    return window


_VALUE_FIELDS = ("measure_id", "period", "value", "suppressed")
_COMPARATOR_FIELDS = ("comparator__measure_id", "comparator_id", "comparator__name", "period", "period_kind", "value")
_COMPARATOR_ORDER = ("comparator__order", "comparator__name", "period", "period_kind")


def _comparator_values(queryset):
    return queryset.select_related("comparator").order_by(*_COMPARATOR_ORDER)


_ONE_MEASURE_VALUES = CompiledQuery(
    lambda measure_id: (
        MeasureValue.objects.filter(measure_id=measure_id).select_related("entered_by").order_by("period")
    ),
    measure_id=(-701, -702),
)
_ONE_MEASURE_COMPARATORS = CompiledQuery(
    lambda measure_id: _comparator_values(ComparatorValue.objects.filter(comparator__measure_id=measure_id)),
    measure_id=(-703, -704),
)


def measure_series(
    measures: list[Measure], *, since: dt.date | None = None, until: dt.date | None = None
) -> tuple[dict[int, list], dict[int, list[ComparatorSeries]]]:
    """Each measure's values (oldest first, with who entered them) and its comparator series, for the
    periods from `since` to `until` when given. Two queries."""
    window = _window(since, until)
    ids = [m.pk for m in measures]
    values = MeasureValue.objects.filter(window, measure_id__in=ids).select_related("entered_by").order_by("period")
    comparators = _comparator_values(ComparatorValue.objects.filter(window, comparator__measure_id__in=ids))
    return _series(measures, values, comparators)


def one_measure_series(measure: Measure) -> tuple[list, list[ComparatorSeries]]:
    """`measure_series` of one measure, its whole history (its page), from queries compiled once."""
    values, comparators = _series(
        [measure], _ONE_MEASURE_VALUES(measure_id=measure.pk), _ONE_MEASURE_COMPARATORS(measure_id=measure.pk)
    )
    return values[measure.pk], comparators[measure.pk]


def _series(measures: list[Measure], rows, comparator_rows):
    """Values and comparator figures grouped by measure, comparator figures by comparator."""
    by_id = {m.pk: m for m in measures}
    values: dict[int, list] = {pk: [] for pk in by_id}
    for item in rows:
        item.measure = by_id[item.measure_id]
        values[item.measure_id].append(item)
    comparators: dict[int, dict[int, ComparatorSeries]] = {pk: {} for pk in by_id}
    for item in comparator_rows:
        measure = by_id[item.comparator.measure_id]
        item.display = measure.format(item.value)
        series = comparators[measure.pk].setdefault(item.comparator_id, ComparatorSeries(item.comparator.name))
        series.values.append(item)
    return values, {pk: list(series.values()) for pk, series in comparators.items()}


@dataclass(frozen=True, slots=True)
class Figure:
    """What a chart reads of a MeasureValue (`charts.measure_points`) or a ComparatorValue
    (`charts.comparator_points`)."""

    period: dt.date
    value: Decimal | None
    suppressed: bool = False
    period_kind: str = st.MONTH


def _chart_values(measure_ids, window: Q):
    values = MeasureValue.objects.filter(window, measure_id__in=measure_ids)
    return values.order_by("period").values_list(*_VALUE_FIELDS)


def _chart_comparators(measure_ids, window: Q):
    return (
        ComparatorValue.objects.filter(window, comparator__measure_id__in=measure_ids)
        .order_by(*_COMPARATOR_ORDER)
        .values_list(*_COMPARATOR_FIELDS)
    )


# The dashboard's charts (at most `board_views.DASHBOARD_CHART_LIMIT` measures, thirteen months), compiled
# once per process (plans/compiled.py): a fixed number of ids, the list filled up with the first id again
# (repeats in `IN` change nothing). Compiling them was 3 % of an uncached dashboard.
CHART_SLOTS = 6
_SLOTS = tuple(f"measure_{i}" for i in range(CHART_SLOTS))
_WINDOW_SAMPLES = {
    "since": (dt.date(1901, 1, 1), dt.date(1902, 2, 1)),
    "until": (dt.date(1903, 3, 1), dt.date(1904, 4, 1)),
}
_ID_SAMPLES = {slot: (-801 - 2 * i, -802 - 2 * i) for i, slot in enumerate(_SLOTS)}


def _in_window(build):
    return lambda since, until, **ids: build([ids[slot] for slot in _SLOTS], _window(since, until))


_CHART_VALUES = CompiledQuery(_in_window(_chart_values), **_WINDOW_SAMPLES, **_ID_SAMPLES)
_CHART_COMPARATORS = CompiledQuery(_in_window(_chart_comparators), **_WINDOW_SAMPLES, **_ID_SAMPLES)


def chart_series(
    measures: list[Measure], *, since: dt.date | None = None, until: dt.date | None = None
) -> tuple[dict[int, list[Figure]], dict[int, list[ComparatorSeries]]]:
    """`measure_series` for charts alone: the figures as plain rows instead of model instances (a chart
    needs neither who entered a value nor its notes), in two queries."""
    ids = [m.pk for m in measures]
    if since is not None and until is not None and 0 < len(ids) <= CHART_SLOTS:
        slots = dict(zip(_SLOTS, ids + ids[:1] * (CHART_SLOTS - len(ids)), strict=True))
        value_rows = _CHART_VALUES(since=since, until=until, **slots)
        comparator_rows = _CHART_COMPARATORS(since=since, until=until, **slots)
    else:
        window = _window(since, until)
        value_rows, comparator_rows = _chart_values(ids, window), _chart_comparators(ids, window)
    values: dict[int, list[Figure]] = {pk: [] for pk in ids}
    for measure_id, period, value, suppressed in value_rows:
        values[measure_id].append(Figure(period, value, suppressed))
    comparators: dict[int, dict[int, ComparatorSeries]] = {pk: {} for pk in ids}
    for measure_id, comparator_id, name, period, kind, value in comparator_rows:
        series = comparators[measure_id].setdefault(comparator_id, ComparatorSeries(name))
        series.values.append(Figure(period, value, period_kind=kind))
    return values, {pk: list(series.values()) for pk, series in comparators.items()}


def charts_for_measures(
    measures: list[Measure], *, since: dt.date | None = None, until: dt.date | None = None
) -> dict[int, dict]:
    """A chart dict (see `charts.measure_chart`) per measure id, in two queries whatever their number,
    of the periods from `since` to `until` when given.

    Each measure's `plan` should be loaded (select_related) or set: it names the main series.
    """
    values, comparators = chart_series(measures, since=since, until=until)
    return {m.pk: charts.measure_chart(m, values[m.pk], comparators[m.pk]) for m in measures}


def measure_summary(measure: Measure, *, plan_slug: str, url: str | None = None) -> dict:
    """A measure's latest figure, status and direction, from `Measure.objects.with_latest()`; `url` is its
    page's address when the caller has made it already."""
    latest, previous = measure.latest_value, measure.previous_value
    since_previous = st.direction(latest, previous, polarity=measure.polarity)
    since_baseline = st.direction(latest, measure.baseline_value, polarity=measure.polarity)
    return measure_status_brief(measure, plan_slug=plan_slug, url=url) | {
        "unit": measure.unit,
        "has_target": measure.target is not None,
        "target": measure.format(measure.target),
        "target_date": measure.target_date.isoformat() if measure.target_date else None,
        "value": measure.format(latest),
        "period": measure.latest_period.isoformat() if measure.latest_period else None,
        "period_label": st.period_label(measure.latest_period, measure.frequency) if measure.latest_period else "",
        "previous_value": measure.format(previous),
        "previous_period_label": (
            st.period_label(measure.previous_period, measure.frequency) if measure.previous_period else ""
        ),
        "direction": since_previous,
        "direction_label": st.DIRECTION_WORDS[since_previous][0] if since_previous else "",
        "direction_arrow": st.DIRECTION_WORDS[since_previous][1] if since_previous else "",
        "direction_since_baseline": since_baseline,
        "direction_since_baseline_label": st.DIRECTION_WORDS[since_baseline][0] if since_baseline else "",
        "baseline": measure.format(measure.baseline_value),
        "baseline_period_label": measure.baseline_period_label,
    }


def measure_status_brief(measure: Measure, *, plan_slug: str, url: str | None = None) -> dict:
    """The part of `measure_summary` that says where a measure stands (its link, status and the word for it):
    what the dashboard shows of each measure."""
    status = measure.status_of(measure.latest_value)
    if status:
        status_label = st.STATUS_LABELS[status]
    elif measure.target is None:
        status_label = "No target"
    else:
        status_label = "No value yet"
    return {
        "id": measure.pk,
        "code": measure.code,
        "name": measure.name,
        "url": url or reverse("measures:measure_detail", args=[plan_slug, measure.pk]),
        "status": status,
        "status_label": status_label,
        "status_tag": st.STATUS_TAGS.get(status, "govuk-tag--grey"),
    }


def _recommendation_links(plan_id: int):
    through = [
        (Measure.recommendations.through.objects.filter(measure__plan_id=plan_id), "recommendation_id"),
        (Measure.statements.through.objects.filter(measure__plan_id=plan_id), "statement__recommendation_id"),
        (Measure.actions.through.objects.filter(measure__plan_id=plan_id), "action__recommendation_id"),
    ]
    queries = [queryset.order_by().values_list("measure_id", field) for queryset, field in through]
    return queries[0].union(*queries[1:], all=True)


# Compiled once per process (plans/compiled.py): the union's compiling was 4 % of an uncached dashboard.
_RECOMMENDATION_LINKS = CompiledQuery(_recommendation_links, plan_id=(-505, -506))


def recommendation_links(plan: Plan) -> dict[int, set[int]]:
    """Measure id → the recommendations it bears on: linked directly, or through its statements or actions.
    One query."""
    links: dict[int, set[int]] = {}
    for measure_id, recommendation_id in _RECOMMENDATION_LINKS(plan_id=plan.pk):
        links.setdefault(measure_id, set()).add(recommendation_id)
    return links


# A plan's measures with their figures up to a period, compiled once per process (plans/compiled.py).
_MEASURES_AS_OF = CompiledQuery(
    lambda plan_id, as_of: Measure.objects.filter(plan_id=plan_id).with_latest(as_of).order_by("code"),
    plan_id=(-501, -502),
    as_of=(dt.date(1901, 1, 1), dt.date(1902, 2, 1)),
)


def measure_statuses_for_plan(
    plan: Plan,
    as_of_period: dt.date | None = None,
    *,
    loaded: dict[int, Measure] | None = None,
    brief: bool = False,
) -> dict[int, list[dict]]:
    """Per recommendation id, its measures (by code) with their latest figure and status up to `as_of_period`.

    Each measure is a dict from `measure_summary` (`measure_status_brief` when `brief`): "status" is "green",
    "amber", "red" or None (no target, or no value yet), with "status_label" the word to show beside its
    colour. Two queries. `loaded`, when given, receives the Measure objects by id (to chart some without a
    query more).
    """
    if as_of_period is None:
        measures = read_latest(Measure.objects.for_plan(plan).with_latest().order_by("code"))
    else:
        measures = read_latest(_MEASURES_AS_OF(plan_id=plan.pk, as_of=as_of_period))
    links = recommendation_links(plan)
    url_of = pk_url_maker("measures:measure_detail", plan.slug)
    by_recommendation: dict[int, list[dict]] = {}
    share_loaded(measures, "plan", plan)
    for measure in measures:
        if loaded is not None:
            loaded[measure.pk] = measure
        summary = (measure_status_brief if brief else measure_summary)(
            measure, plan_slug=plan.slug, url=url_of(measure.pk)
        )
        for recommendation_id in sorted(links.get(measure.pk, ())):
            by_recommendation.setdefault(recommendation_id, []).append(summary)
    return by_recommendation
