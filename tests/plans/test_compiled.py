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
    for name in related:
        other = getattr(obj, name)
        found[name] = None if other is None else {k: v for k, v in vars(other).items() if not k.startswith("_")}
    return found


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
