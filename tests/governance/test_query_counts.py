"""My actions and the action page make the same number of queries for a 10-action and a 500-action
plan, each action with two years of monthly updates and evidence.

Run with -rP to see the counts.
"""

import datetime as dt
from itertools import cycle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from governance.models import ActionUpdate, Evidence, Rag, previous_period
from governance.services import current_period
from plans.models import Action, Membership, Plan, RoleHolder
from tests.factories import UserFactory, build_plan

SIZES = {"small": 10, "large": 500}
MONTHS = 24
MAX_QUERIES = 12
# The roles the leads hold: build_plan gives each action two of its 20 roles, so these lead about a
# quarter of every plan's actions.
LEAD_ROLES = ["Head of Service 1", "Head of Service 2", "Head of Service 3", "Head of Service 4"]


def periods_to(period: dt.date, months: int) -> list[dt.date]:
    periods = [period]
    while len(periods) < months:
        periods.append(previous_period(periods[-1]))
    return periods[::-1]


def add_monitoring(plan: Plan, by) -> None:
    """24 months of updates per action (this month's missing for every third action), with a link
    every sixth month and one file per action."""
    periods = periods_to(current_period(), MONTHS)
    statuses = cycle([Rag.GREEN, Rag.GREEN, Rag.AMBER, Rag.RED, Rag.AMBER, Rag.GREEN, Rag.BLUE])
    now = timezone.now()
    actions = list(plan.actions.order_by("order"))
    updates = [
        ActionUpdate(
            action=action,
            period=period,
            status=next(statuses),
            narrative=f"Progress on {action.reference} in {period:%B %Y}.",
            next_steps="Carry on.",
            risks="None new.",
            reason="Changed.",
            submitted_by=by,
            submitted_at=now,
        )
        for i, action in enumerate(actions)
        for period in (periods[:-1] if i % 3 == 0 else periods)
    ]
    updates = bulk_create_with_history(updates, ActionUpdate, batch_size=2000, default_user=by, default_date=now)
    evidence = [
        Evidence(
            action=update.action,
            update=update,
            period=update.period,
            kind=Evidence.Kind.LINK,
            title=f"Board minutes {update.period:%B %Y}",
            evidence_date=update.period,
            url=f"https://example.org/minutes/{update.period:%Y-%m}",
            added_by=by,
            added_at=now,
        )
        for update in updates
        if update.period.month % 6 == 0
    ]
    evidence += [
        Evidence(
            action=action,
            period=periods[-1],
            kind=Evidence.Kind.FILE,
            title=f"Audit of action {action.reference}",
            evidence_date=periods[-1],
            file=f"evidence/{plan.pk}/{action.pk}.pdf",
            original_name="audit.pdf",
            content_type="application/pdf",
            size=2048,
            added_by=by,
            added_at=now,
        )
        for action in actions
    ]
    Evidence.objects.bulk_create(evidence, batch_size=2000)


def hold(user, plan: Plan) -> None:
    RoleHolder.objects.bulk_create(RoleHolder(user=user, role=role) for role in plan.roles.filter(title__in=LEAD_ROLES))


@pytest.fixture(scope="module")
def monitored(django_db_setup, django_db_blocker):
    """Built once, committed, and removed after this module's tests."""
    with django_db_blocker.unblock():
        plans = {name: build_plan(f"governance-queries-{name}", count) for name, count in SIZES.items()}
        users = {
            name: UserFactory(username=f"gq-{name}") for name in ("lead_small", "lead_large", "lead_both", "board")
        }
        for name, plan in plans.items():
            hold(users[f"lead_{name}"], plan)
            hold(users["lead_both"], plan)
            Membership.objects.create(user=users["board"], plan=plan, kind=Membership.Kind.BOARD_MEMBER)
            add_monitoring(plan, users["lead_both"])
        yield plans, users
        action_ids = list(Action.objects.filter(plan__in=plans.values()).values_list("pk", flat=True))
        # Without history for the teardown itself: thousands of "deleted" records nobody reads.
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            Plan.objects.filter(pk__in=[plan.pk for plan in plans.values()]).delete()
            for user in users.values():
                user.delete()
        ActionUpdate.history.filter(action_id__in=action_ids).delete()


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def led_action(plan: Plan) -> Action:
    """The plan's first action led by one of the leads' roles."""
    return plan.actions.filter(leads__title__in=LEAD_ROLES).order_by("order").first()


def test_my_actions_queries_do_not_grow_with_the_plan_or_the_number_of_plans(db, client, monitored):
    plans, users = monitored
    counts = {}
    for name in ("lead_small", "lead_large", "lead_both"):
        client.force_login(users[name])
        counts[name] = count_queries(client, reverse("governance:my_actions"))
    print(f"my_actions: {counts}")
    assert counts["lead_small"] == counts["lead_large"] == counts["lead_both"]
    assert counts["lead_large"] <= MAX_QUERIES


@pytest.mark.parametrize("viewer", ["lead_both", "board"])
def test_action_page_queries_do_not_grow_with_the_plan_or_its_history(db, client, monitored, viewer):
    plans, users = monitored
    client.force_login(users[viewer])
    counts = {
        name: count_queries(client, reverse("governance:action_detail", args=[plan.slug, led_action(plan).pk]))
        for name, plan in plans.items()
    }
    print(f"action_detail as {viewer}: {counts}")
    assert counts["small"] == counts["large"]
    assert counts["large"] <= MAX_QUERIES


def test_the_plans_really_are_large_and_monitored(db, client, monitored):
    plans, users = monitored
    large = plans["large"]
    assert large.actions.count() == 500
    assert ActionUpdate.objects.for_plan(large).count() > 500 * (MONTHS - 1)
    action = led_action(large)
    assert action.updates.count() >= MONTHS - 1
    assert action.evidence.filter(kind=Evidence.Kind.LINK).exists()
    assert ActionUpdate.history.filter(action_id=action.pk).count() == action.updates.count()
    mine = Action.objects.held_by(users["lead_both"])
    assert mine.filter(plan=plans["small"]).exists()
    assert mine.filter(plan=large).count() > 100
    # The pages list what they should.
    client.force_login(users["lead_both"])
    page = client.get(reverse("governance:my_actions")).content.decode()
    assert large.title in page
    assert plans["small"].title in page
    page = client.get(action.get_absolute_url()).content.decode()
    assert f"{current_period():%B %Y} update" in page
