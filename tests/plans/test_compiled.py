"""Querysets compiled once (plans/compiled.py) give what the plain queryset gives, and refuse what they
cannot run safely."""

import datetime as dt

import pytest
import time_machine
from django.db.models.sql.compiler import SQLCompiler

from governance import services
from governance.flags import with_status
from governance.meetings import _CHALLENGES
from governance.models import ActionUpdate, Challenge, Evidence, previous_period
from governance.timeline import _ACTION_HISTORY, _EVIDENCE, _UPDATE_HISTORY
from governance.views import _ACTION, _ACTION_WITH_STATUS
from plans.compiled import CompiledQuery
from plans.models import Action
from tests.governance import LAST_PERIOD, NOW, PERIOD, action_of, add_link, submit

pytestmark = pytest.mark.django_db


def state(obj, *related: str) -> dict:
    """An instance's fields, its annotations and the fields of the related objects loaded with it."""
    found = {name: value for name, value in vars(obj).items() if not name.startswith("_")}
    found["_state"] = (obj._state.adding, obj._state.db)
    for name in related:
        other = getattr(obj, name)
        found[name] = None if other is None else {k: v for k, v in vars(other).items() if not k.startswith("_")}
        if other is not None:
            found[name]["_state"] = (other._state.adding, other._state.db)
    return found


def measure_with_figures(plan, by):
    """The plan's first measure (from the seed_measures fixture) with August and September 2019 figures and
    October suppressed."""
    from measures.models import Measure, MeasureValue

    measure = Measure.objects.filter(plan=plan).order_by("code").first()
    for month, value in ((8, "12.5"), (9, "14"), (10, None)):
        MeasureValue.objects.create(
            measure=measure, period=dt.date(2019, month, 1), value=value, suppressed=value is None, entered_by=by
        )
    return measure


@pytest.fixture
def history(seed_plan, lead, board_member, plan_manager):
    """Updates over two periods (one revised), evidence, a changed action and two challenges."""
    with time_machine.travel(NOW):
        action = action_of(seed_plan, "3.6")
        submit(action, lead, period=LAST_PERIOD, status="amber")
        update = submit(action, lead, status="green", reason="On track again.")
        submit(
            action,
            lead,
            status="green",
            reason="On track again.",
            narrative="Revised.",
            expected_version=update.version,
        )
        add_link(action, lead)
        services.action_edit(action=action, by=plan_manager, expected_version=1, due_text="July 2020")
        Challenge.objects.create(action=action, text="Why late?", raised_by=board_member, raised_at=NOW)
        Challenge.objects.create(
            action=action, text="Answered", raised_by=board_member, raised_at=NOW, response="Because.",
            responded_by=lead, status=Challenge.Status.RESPONDED,
        )  # fmt: skip
    return Action.objects.get(pk=action.pk)


def test_each_compiled_query_of_the_action_page_gives_what_the_orm_gives(seed_plan, history):
    plan_id, pk = seed_plan.pk, history.pk
    orm = with_status(Action.objects.select_related("recommendation").filter(plan_id=plan_id, pk=pk), PERIOD)
    assert [state(a, "recommendation") for a in _ACTION_WITH_STATUS(plan_id=plan_id, pk=pk, period=PERIOD)] == [
        state(a, "recommendation") for a in orm
    ]
    assert _ACTION_WITH_STATUS(plan_id=plan_id, pk=pk, period=PERIOD)[0].status_row["status"] == "green"
    assert _ACTION_WITH_STATUS(plan_id=plan_id, pk=pk, period=LAST_PERIOD)[0].status_row["status"] == "amber"
    assert [state(a, "recommendation") for a in _ACTION(plan_id=plan_id, pk=pk)] == [
        state(a, "recommendation") for a in Action.objects.select_related("recommendation").filter(pk=pk)
    ]
    assert _ACTION(plan_id=plan_id + 1000, pk=pk) == []  # another plan's id finds nothing

    pairs = [
        (_EVIDENCE, history.evidence.order_by("-evidence_date", "-added_at"), ("added_by", "withdrawn_by")),
        (
            _UPDATE_HISTORY,
            ActionUpdate.history.filter(action_id=pk).select_related("submitted_by").order_by("history_date"),
            ("submitted_by",),
        ),
        (_ACTION_HISTORY, history.history.order_by("history_date", "history_id"), ("history_user",)),
        (
            _CHALLENGES,
            history.challenges.select_related("raised_by", "responded_by", "closed_by", "meeting").order_by(
                "-raised_at"
            ),
            ("raised_by", "responded_by", "closed_by", "meeting"),
        ),
    ]
    for compiled, queryset, related in pairs:
        got = [state(obj, *related) for obj in compiled(action_id=pk)]
        assert got == [state(obj, *related) for obj in queryset]
        assert got  # each has rows here: three history rows, two challenges, one link, two action versions


def test_a_second_run_compiles_nothing_and_makes_one_query(seed_plan, history, monkeypatch, django_assert_num_queries):
    _EVIDENCE(action_id=history.pk)  # compiled by now, whichever test ran first
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with django_assert_num_queries(1):
        items = _EVIDENCE(action_id=history.pk)
    assert [item.title for item in items] == ["Audit report"] and compiled == []


def test_values_list_querysets_give_tuples_with_converted_values(seed_plan, history):
    by_period = CompiledQuery(
        lambda action_id, period: (
            ActionUpdate.objects.filter(action_id=action_id, period__lte=period)
            .order_by("period")
            .values_list("period", "status")
        ),
        action_id=(-1, -2),
        period=(dt.date(1901, 1, 1), dt.date(1902, 1, 1)),
    )
    assert by_period(action_id=history.pk, period=PERIOD) == [(LAST_PERIOD, "amber"), (PERIOD, "green")]
    assert by_period(action_id=history.pk, period=LAST_PERIOD) == [(LAST_PERIOD, "amber")]


def test_a_value_derived_from_another_is_refused_not_frozen_into_the_sql(seed_plan):
    derived = CompiledQuery(
        lambda period: ActionUpdate.objects.filter(period=previous_period(period)),
        period=(dt.date(1901, 1, 1), dt.date(1902, 1, 1)),
    )
    with pytest.raises(ValueError, match="derived from the values"):
        derived(period=PERIOD)


@pytest.mark.parametrize(
    "build",
    [
        lambda action_id: Evidence.objects.filter(action_id=action_id).prefetch_related("added_by"),
        lambda action_id: Evidence.objects.filter(action_id=action_id).values("title"),
        lambda action_id: Evidence.objects.filter(action_id=action_id).union(Evidence.objects.filter(pk=1)),
    ],
    ids=["prefetch_related", "values", "union of models"],
)
def test_what_it_cannot_run_is_refused(seed_plan, build):
    with pytest.raises(ValueError, match="not supported"):
        CompiledQuery(build, action_id=(-1, -2))(action_id=1)


def test_samples_must_differ_and_values_must_be_named():
    with pytest.raises(ValueError, match="two different"):
        CompiledQuery(lambda pk: Evidence.objects.filter(pk=pk), pk=(1, 1))
    with pytest.raises(TypeError, match="exactly"):
        CompiledQuery(lambda pk: Evidence.objects.filter(pk=pk), pk=(-1, -2))(id=3)


def test_text_values_are_passed_as_given(seed_plan):
    by_slug = CompiledQuery(
        lambda slug: Action.objects.filter(plan__slug=slug).values_list("reference"), slug=("a", "b")
    )
    assert len(by_slug(slug=seed_plan.slug)) == seed_plan.actions.count()


def test_an_id_too_large_for_any_column_finds_nothing(seed_plan, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert _ACTION(plan_id=seed_plan.pk, pk=2**64) == [] == list(Action.objects.filter(pk=2**64))


def test_each_compiled_query_of_the_dashboard_gives_what_the_orm_gives(seed_plan, history, plan_manager):
    from django.core.management import call_command
    from django.utils import timezone

    from governance import dashboard as gd
    from governance.board_views import _LATEST_MEETING
    from governance.models import Board, Decision, Meeting
    from measures.models import Measure
    from measures.queries import _MEASURES_AS_OF
    from plans.models import ActionLead

    call_command("loaddata", "seed_board", "seed_measures", verbosity=0)
    board = Board.objects.get(plan=seed_plan)
    meeting = Meeting.objects.create(
        board=board, date=dt.date(2019, 10, 20), period=PERIOD, cutoff=dt.date(2019, 10, 14)
    )
    Decision.objects.create(meeting=meeting, text="Late.", due=dt.date(2019, 9, 1), owner_role=board.chair_role)
    Decision.objects.create(meeting=meeting, text="Not yet.", due=dt.date(2030, 1, 1))
    measure = measure_with_figures(seed_plan, plan_manager)
    plan_id, today = seed_plan.pk, timezone.localdate()
    orm_actions = gd._actions_with_status(plan_id, PERIOD, LAST_PERIOD)
    pairs = [
        (gd._ACTIONS(plan_id=plan_id, period=PERIOD, previous=LAST_PERIOD), orm_actions, ("recommendation",)),
        (
            gd._LEADS(plan_id=plan_id),
            ActionLead.objects.filter(action__plan_id=plan_id).select_related("role").order_by("action_id", "order"),
            ("role",),
        ),
        (
            gd._OPEN_CHALLENGES(plan_id=plan_id),
            Challenge.objects.filter(action__plan_id=plan_id)
            .exclude(status="closed")
            .select_related("raised_by")
            .order_by("raised_at"),
            ("raised_by",),
        ),
        (
            gd._DECISIONS_PAST_DUE(plan_id=plan_id, today=today),
            Decision.objects.filter(meeting__board__plan_id=plan_id, status="open", due__lt=today)
            .select_related("owner_role", "meeting")
            .order_by("due"),
            ("owner_role", "meeting"),
        ),
        (
            _MEASURES_AS_OF(plan_id=plan_id, as_of=PERIOD),
            Measure.objects.filter(plan_id=plan_id).with_latest(PERIOD).order_by("code"),
            (),
        ),
        (
            _LATEST_MEETING(plan_id=plan_id),
            Meeting.objects.filter(board__plan_id=plan_id).select_related("board__chair_role").order_by("-date")[:1],
            ("board",),
        ),
    ]
    for got, queryset, related in pairs:
        expected = [state(obj, *related) for obj in queryset]
        assert [state(obj, *related) for obj in got] == expected
        assert expected
    [latest] = [m for m in _MEASURES_AS_OF(plan_id=plan_id, as_of=PERIOD) if m.pk == measure.pk]
    assert latest.latest_figure == {"value": latest.latest_figure["value"], "period": "2019-09-01"}
    assert [d.text for d in gd._DECISIONS_PAST_DUE(plan_id=plan_id, today=today)] == ["Late."]


def test_each_compiled_query_of_the_measure_page_gives_what_the_orm_gives(seed_plan, plan_manager):
    from django.core.management import call_command

    from measures.models import Comparator, ComparatorValue, Measure, MeasureValue
    from measures.queries import _ONE_MEASURE_COMPARATORS, _ONE_MEASURE_VALUES, _comparator_values
    from measures.views import _MEASURE

    call_command("loaddata", "seed_measures", verbosity=0)
    measure = measure_with_figures(seed_plan, plan_manager)
    england = Comparator.objects.create(measure=measure, name="England")
    ComparatorValue.objects.create(comparator=england, period=dt.date(2019, 1, 1), value="13.1")
    pairs = [
        (
            _MEASURE(plan_id=seed_plan.pk, pk=measure.pk),
            Measure.objects.select_related("owner").filter(pk=measure.pk),
            ("owner",),
        ),
        (
            _ONE_MEASURE_VALUES(measure_id=measure.pk),
            MeasureValue.objects.filter(measure=measure).select_related("entered_by").order_by("period"),
            ("entered_by",),
        ),
        (
            _ONE_MEASURE_COMPARATORS(measure_id=measure.pk),
            _comparator_values(ComparatorValue.objects.filter(comparator__measure=measure)),
            ("comparator",),
        ),
    ]
    for got, queryset, related in pairs:
        expected = [state(obj, *related) for obj in queryset]
        assert [state(obj, *related) for obj in got] == expected
        assert expected
    assert _MEASURE(plan_id=seed_plan.pk + 1000, pk=measure.pk) == []


def test_a_value_of_another_kind_than_its_samples_is_refused(seed_plan):
    with pytest.raises(TypeError, match="period: expected date, got datetime"):
        _ACTION_WITH_STATUS(plan_id=seed_plan.pk, pk=1, period=dt.datetime(2019, 10, 1))


def test_a_union_of_values_list_querysets_gives_what_the_orm_gives(seed_plan):
    """The measures' links to recommendations: directly, through a key-measure statement, through an action."""
    from django.core.management import call_command

    from measures.models import Measure
    from measures.queries import _RECOMMENDATION_LINKS, _recommendation_links, recommendation_links
    from plans.models import Statement

    call_command("loaddata", "seed_measures", verbosity=0)
    first, second, third = Measure.objects.filter(plan=seed_plan).order_by("code")[:3]
    recommendations = list(seed_plan.recommendations.order_by("order"))
    first.recommendations.set(recommendations[:2])
    statement = Statement.objects.filter(recommendation=recommendations[2], kind=Statement.Kind.MEASURE).first()
    second.statements.set([statement])
    third.actions.set([action_of(seed_plan, "3.6"), action_of(seed_plan, "1.1")])
    orm = sorted(_recommendation_links(seed_plan.pk))
    assert sorted(_RECOMMENDATION_LINKS(plan_id=seed_plan.pk)) == orm
    links = recommendation_links(seed_plan)
    assert {recommendations[0].pk, recommendations[1].pk} <= links[first.pk]
    assert recommendations[2].pk in links[second.pk]
    assert {recommendations[0].pk, recommendations[2].pk} <= links[third.pk]
    assert links == {m: {r for mm, r in orm if mm == m} for m, _ in orm}
    assert _RECOMMENDATION_LINKS(plan_id=seed_plan.pk + 1000) == []


@pytest.mark.parametrize("count", [1, 3, 6, 7])
def test_the_dashboards_chart_figures_are_what_the_orm_gives(seed_plan, plan_manager, count, monkeypatch):
    """Up to six measures in a window run compiled, their ids filled up to six; more go through the ORM."""
    from django.core.management import call_command

    from governance.board_views import DASHBOARD_CHART_LIMIT
    from measures.models import Comparator, ComparatorValue, Measure, MeasureValue
    from measures.queries import CHART_SLOTS, _chart_comparators, _chart_values, _window, chart_series

    assert DASHBOARD_CHART_LIMIT <= CHART_SLOTS
    call_command("loaddata", "seed_measures", verbosity=0)
    measures = list(Measure.objects.filter(plan=seed_plan).order_by("code")[:count])
    assert len(measures) == count
    for n, measure in enumerate(measures):
        for month in range(1, 13):
            MeasureValue.objects.create(
                measure=measure, period=dt.date(2019, month, 1), value=n * 100 + month, entered_by=plan_manager
            )
        for name in ("England", "Statistical neighbours"):
            comparator = Comparator.objects.create(measure=measure, name=name)
            ComparatorValue.objects.create(comparator=comparator, period=dt.date(2019, 3, 1), value=n + 1)
            ComparatorValue.objects.create(comparator=comparator, period=dt.date(2018, 3, 1), value=n + 2)
    since, until = dt.date(2019, 2, 1), dt.date(2019, 10, 1)
    chart_series(measures, since=since, until=until)  # compiled by now when it can be
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    values, comparators = chart_series(measures, since=since, until=until)
    assert len(compiled) == (0 if count <= CHART_SLOTS else 2)
    ids, window = [m.pk for m in measures], _window(since, until)
    rows = list(_chart_values(ids, window))
    assert len(rows) == 9 * count
    assert [(m, f.period, f.value, f.suppressed) for m in ids for f in values[m]] == sorted(
        rows, key=lambda row: (ids.index(row[0]), row[1])
    )
    expected: dict[int, dict[str, list]] = {m: {} for m in ids}
    for measure_id, _, name, period, kind, value in _chart_comparators(ids, window):
        expected[measure_id].setdefault(name, []).append((period, kind, value))
    assert {
        m: {series.name: [(f.period, f.period_kind, f.value) for f in series.values] for series in found}
        for m, found in comparators.items()
    } == expected
    assert all(len(found) == 2 and len(found[0].values) == 1 for found in comparators.values())


def test_instances_are_made_as_from_db_makes_them_and_by_from_db_when_a_model_has_init_receivers(seed_plan, history):
    """Rows become instances without Model.__init__ where that only stores values; a pre_init or post_init
    receiver (or a field whose attribute does more) sends them through Model.from_db, so receivers run."""
    from django.db.models.signals import post_init

    expected = [state(obj, "recommendation") for obj in _ACTION(plan_id=seed_plan.pk, pk=history.pk)]
    [fast] = _ACTION(plan_id=seed_plan.pk, pk=history.pk)
    assert fast.recommendation.actions.filter(pk=fast.pk).exists() and not fast._state.adding
    fast.save(update_fields=["description"])  # an instance read this way updates, never inserts
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append((sender.__name__, instance.pk))

    post_init.connect(receiver, sender=Action)
    try:
        got = _ACTION(plan_id=seed_plan.pk, pk=history.pk)
    finally:
        post_init.disconnect(receiver, sender=Action)
    assert seen == [("Action", history.pk)]
    assert [state(obj, "recommendation") for obj in got] == expected


def test_json_fields_read_as_the_orm_reads_them_and_each_empty_object_is_its_own(seed_plan):
    """`extra` holding {} (most rows), an object, a list and the text "{}"; an annotation built as JSON."""
    actions = list(Action.objects.filter(plan=seed_plan).order_by("order")[:4])
    for action, extra in zip(actions, [{}, {"source": "row 7", "cells": [1, 2]}, [1, "two"], "{}"], strict=True):
        Action.objects.filter(pk=action.pk).update(extra=extra)
    by_plan = CompiledQuery(
        lambda plan_id, period: with_status(Action.objects.filter(plan_id=plan_id), period).order_by("order"),
        plan_id=(-901, -902),
        period=(dt.date(1901, 1, 1), dt.date(1902, 2, 1)),
    )
    compiled = by_plan(plan_id=seed_plan.pk, period=PERIOD)
    orm = list(with_status(Action.objects.filter(plan_id=seed_plan.pk), PERIOD).order_by("order"))
    assert [(a.pk, a.extra, a.status_row) for a in compiled] == [(a.pk, a.extra, a.status_row) for a in orm]
    assert [a.extra for a in compiled[:4]] == [{}, {"source": "row 7", "cells": [1, 2]}, [1, "two"], "{}"]
    empties = [a.extra for a in compiled if a.extra == {}]
    assert len(empties) > 2 and len({id(e) for e in empties}) == len(empties)  # never one dict shared
