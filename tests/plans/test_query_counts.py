"""Each page makes the same number of queries for a 10-action and a 500-action plan."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import Membership, Plan
from tests.factories import UserFactory, build_plan, drop_plans

SIZES = {"small": 10, "large": 500}


@pytest.fixture(scope="module")
def sized_plans(django_db_setup, django_db_blocker):
    """Built once, committed, and removed after this module's tests."""
    with django_db_blocker.unblock():
        plans = {name: build_plan(f"queries-{name}", count) for name, count in SIZES.items()}
        yield plans
        drop_plans(plans.values())


def page_urls(plan: Plan) -> dict[str, str]:
    recommendation = plan.recommendations.order_by("order").first()
    action = plan.actions.order_by("order").first()
    lead = plan.roles.order_by("pk").first()
    return {
        "overview": reverse("plans:plan_detail", args=[plan.slug]),
        "recommendation": reverse("governance:recommendation_detail", args=[plan.slug, recommendation.pk]),
        "action_list": reverse("plans:action_list", args=[plan.slug]),
        "action_list_filtered": reverse("plans:action_list", args=[plan.slug]) + f"?lead={lead.pk}&sort=due",
        "action": reverse("governance:action_detail", args=[plan.slug, action.pk]),
    }


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("page", ["overview", "recommendation", "action_list", "action_list_filtered", "action"])
def test_page_queries_do_not_grow_with_the_plan(db, client, sized_plans, page):
    reader = UserFactory()
    for plan in sized_plans.values():
        Membership.objects.create(user=reader, plan=plan, kind=Membership.Kind.BOARD_MEMBER)
    client.force_login(reader)
    counts = {name: count_queries(client, page_urls(plan)[page]) for name, plan in sized_plans.items()}
    print(f"{page}: {counts}")
    assert counts["small"] == counts["large"]
    assert counts["large"] <= 12


def test_the_large_plan_really_is_large(db, sized_plans):
    assert sized_plans["large"].actions.count() == 500
    assert sized_plans["large"].statements.count() == 1000
