"""Flags beside the lead's rating: overdue, due soon, no update yet, stale, slipped. Today is 15 October 2019."""

import datetime as dt

import pytest
import time_machine

from governance import services
from governance.flags import action_flags, read_status, with_status
from governance.models import Rag
from plans.models import Action
from tests.governance import LAST_PERIOD, NOW, PERIOD, action_of, add_link, submit


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW):
        yield


def annotated(plan, reference: str, period=PERIOD) -> Action:
    action = with_status(Action.objects.filter(plan=plan, reference=reference), period).get()
    read_status([action], period)
    return action


def flags(plan, reference: str, period=PERIOD) -> list[str]:
    return [flag.key for flag in action_flags(annotated(plan, reference, period), period)]


def test_an_action_past_its_due_month_without_an_update_is_overdue_and_has_no_update(seed_plan):
    assert flags(seed_plan, "3.6") == ["overdue", "no_update"]  # due April 2019


def test_an_action_is_overdue_only_once_the_reporting_month_is_after_its_due_month(seed_plan):
    # 6.1 is due September 2019 (30 September).
    assert flags(seed_plan, "6.1", period=dt.date(2019, 8, 1)) == ["due_soon", "no_update"]
    assert flags(seed_plan, "6.1", period=dt.date(2019, 9, 1)) == ["due_soon", "no_update"]
    assert flags(seed_plan, "6.1", period=dt.date(2019, 10, 1)) == ["overdue", "no_update"]


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("5.6", ["due_soon", "no_update"]),  # October 2019: this month
        ("5.9", ["due_soon", "no_update"]),  # November 2019: next month
        ("3.3", ["no_update"]),  # December 2019: later
        ("2.6", ["no_update"]),  # quarterly from April 2019: recurring, never overdue
        ("1.3", ["no_update"]),  # "Ongoing": no date
    ],
)
def test_due_soon_means_due_this_month_or_next(seed_plan, reference, expected):
    assert flags(seed_plan, reference) == expected


def test_an_update_this_period_clears_no_update_but_not_overdue(seed_plan, lead):
    action = action_of(seed_plan, "3.6")
    submit(action, lead, status=Rag.GREEN)
    assert flags(seed_plan, "3.6") == ["overdue"]


def test_the_app_never_overrides_the_leads_rating(seed_plan, lead):
    submit(action_of(seed_plan, "3.6"), lead, status=Rag.GREEN, narrative="All fine, we think.")
    action = annotated(seed_plan, "3.6")
    assert action.latest_status == "green"
    assert [flag.label for flag in action_flags(action, PERIOD)] == ["Overdue"]


def test_a_proposed_complete_action_past_its_due_month_is_not_overdue(seed_plan, lead):
    action = action_of(seed_plan, "3.6")
    add_link(action, lead)
    submit(action, lead, status=Rag.BLUE)
    assert flags(seed_plan, "3.6") == []


def test_closed_and_withdrawn_actions_carry_no_flags(seed_plan, lead, plan_manager):
    closing = action_of(seed_plan, "3.6")
    add_link(closing, lead)
    submit(closing, lead, status=Rag.BLUE)
    closing.refresh_from_db()
    services.action_close(action=closing, by=plan_manager, authority="Board", expected_version=closing.version)
    services.action_withdraw(action=action_of(seed_plan, "4.2"), by=plan_manager, reason="Dropped.", expected_version=1)
    assert flags(seed_plan, "3.6") == []
    assert flags(seed_plan, "4.2") == []


@pytest.mark.parametrize(
    ("last_update", "expected"),
    [
        (dt.date(2019, 9, 1), ["no_update"]),  # one period without: not yet stale
        (dt.date(2019, 8, 1), ["no_update", "stale"]),  # two periods without
        (dt.date(2019, 5, 1), ["no_update", "stale"]),
    ],
)
def test_stale_means_no_update_for_two_periods_or_more(seed_plan, lead, last_update, expected):
    submit(action_of(seed_plan, "3.3"), lead, period=last_update)  # due December 2019
    assert flags(seed_plan, "3.3") == expected


def test_an_update_for_a_later_period_does_not_count_for_an_earlier_one(seed_plan, lead):
    submit(action_of(seed_plan, "3.3"), lead, period=PERIOD)
    assert flags(seed_plan, "3.3", period=LAST_PERIOD) == ["no_update"]
    assert annotated(seed_plan, "3.3", period=LAST_PERIOD).latest_status is None


def test_a_due_date_moved_later_is_slipped_and_keeps_both_dates(seed_plan, plan_manager):
    services.action_edit(action=action_of(seed_plan, "3.3"), by=plan_manager, expected_version=1, due_text="March 2020")
    assert flags(seed_plan, "3.3") == ["no_update", "slipped"]
    action = action_of(seed_plan, "3.3")
    assert (action.original_due_date, action.due_date) == (dt.date(2019, 12, 31), dt.date(2020, 3, 31))


def test_a_slipped_action_that_is_now_past_its_new_date_is_overdue_and_slipped(seed_plan, plan_manager):
    services.action_edit(action=action_of(seed_plan, "3.6"), by=plan_manager, expected_version=1, due_text="July 2019")
    assert flags(seed_plan, "3.6") == ["overdue", "no_update", "slipped"]


def test_flags_for_the_whole_plan_take_one_query(seed_plan, lead, django_assert_num_queries):
    submit(action_of(seed_plan, "3.6"), lead, period=LAST_PERIOD)
    with django_assert_num_queries(1):
        actions = list(with_status(Action.objects.filter(plan=seed_plan), PERIOD))
        read_status(actions, PERIOD)
        every_flag = {action.reference: [f.key for f in action_flags(action, PERIOD)] for action in actions}
    assert len(every_flag) == 35
    assert every_flag["3.6"] == ["overdue", "no_update"]
    assert sum("overdue" in keys for keys in every_flag.values()) == 16
