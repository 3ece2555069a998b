"""The measures list and a measure's page make the same number of queries for 3 and for 36 months of
values across 30 measures, each with comparators. Run with -rP (or -s) to see the counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures import status as st
from measures.models import Comparator, ComparatorValue, Measure, MeasureValue
from plans.models import Membership, Plan, RoleHolder, Statement
from tests.factories import UserFactory, build_plan, drop_plans

SIZES = {"short": 3, "long": 36}
MEASURES = 30
MAX_QUERIES = 12
START = dt.date(2017, 4, 1)


def add_measures(plan: Plan, months: int) -> None:
    recommendations = list(plan.recommendations.order_by("order"))
    actions = list(plan.actions.order_by("order"))
    statements = list(plan.statements.filter(kind=Statement.Kind.MEASURE).order_by("order"))
    roles = list(plan.roles.order_by("pk"))
    measures = Measure.objects.bulk_create(
        Measure(
            plan=plan,
            code=f"M-{i + 1:02d}",
            name=f"Measure {i + 1}",
            definition="Counted monthly.",
            unit=["percentage", "count", "days", "rate_per_10000", "weeks", "score"][i % 6],
            polarity="higher" if i % 2 else "lower",
            target=Decimal(50) if i % 3 else None,
            tolerance=Decimal(5),
            baseline_value=Decimal(40),
            baseline_period=START,
            owner=roles[i % len(roles)],
        )
        for i in range(MEASURES)
    )
    for i, measure in enumerate(measures):
        measure.recommendations.add(recommendations[i % len(recommendations)])
        measure.actions.add(actions[i % len(actions)], actions[(i + 1) % len(actions)])
        measure.statements.add(statements[i % len(statements)])
    # Every fifth month missing and every seventh suppressed: gaps, never zeros.
    MeasureValue.objects.bulk_create(
        MeasureValue(
            measure=measure,
            period=st.add_months(START, month),
            value=None if month % 7 == 6 else Decimal(30 + (month * 3 + i) % 40),
            suppressed=month % 7 == 6,
        )
        for i, measure in enumerate(measures)
        for month in range(months)
        if month % 5 != 4
    )
    comparators = Comparator.objects.bulk_create(
        Comparator(measure=measure, name=name, order=k)
        for measure in measures
        for k, name in enumerate(["England", "London", "Statistical neighbours"])
    )
    values = []
    for comparator in comparators:
        if comparator.name == "England":
            values += [
                ComparatorValue(comparator=comparator, period=dt.date(year, 1, 1), period_kind="year", value=45)
                for year in range(START.year, START.year + months // 12 + 1)
            ]
        else:
            values += [
                ComparatorValue(
                    comparator=comparator, period=st.add_months(START, q * 3), period_kind="quarter", value=40 + q
                )
                for q in range(max(1, months // 3))
            ]
    ComparatorValue.objects.bulk_create(values)


@pytest.fixture(scope="module")
def sized_plans(django_db_setup, django_db_blocker):
    """Built once with bulk_create, committed, and removed after this module's tests."""
    with django_db_blocker.unblock():
        plans = {}
        for name, months in SIZES.items():
            plans[name] = build_plan(f"measures-{name}", 60)
            add_measures(plans[name], months)
        yield plans
        drop_plans(plans.values())


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def pages(plan: Plan) -> dict[str, str]:
    measure = plan.measures.get(code="M-02")
    return {
        "list": reverse("measures:measure_list", args=[plan.slug]),
        "measure": reverse("measures:measure_detail", args=[plan.slug, measure.pk]),
    }


@pytest.mark.parametrize("page", ["list", "measure"])
@pytest.mark.parametrize("who", ["board_member", "owner"])
def test_measure_pages_make_the_same_queries_for_3_and_36_months(db, client, sized_plans, page, who):
    reader = UserFactory()
    for plan in sized_plans.values():
        if who == "board_member":
            Membership.objects.create(user=reader, plan=plan, kind=Membership.Kind.BOARD_MEMBER)
        else:
            RoleHolder.objects.create(user=reader, role=plan.measures.get(code="M-02").owner)
    client.force_login(reader)
    counts = {name: count_queries(client, pages(plan)[page]) for name, plan in sized_plans.items()}
    print(f"{page} as {who}: {counts}")
    assert counts["short"] == counts["long"]
    assert counts["long"] <= MAX_QUERIES


def test_the_long_plan_really_has_three_years_of_values(db, sized_plans):
    long = sized_plans["long"]
    assert long.measures.count() == MEASURES
    assert MeasureValue.objects.filter(measure__plan=long).count() == MEASURES * (36 - 36 // 5)
    months = MeasureValue.objects.filter(measure__plan=long).dates("period", "month")
    assert months[0] == START and months[len(months) - 1] == st.add_months(START, 35)


def test_the_measure_page_draws_every_figure_of_three_years(db, client, sized_plans):
    plan = sized_plans["long"]
    reader = UserFactory()
    Membership.objects.create(user=reader, plan=plan, kind=Membership.Kind.BOARD_MEMBER)
    client.force_login(reader)
    html = client.get(pages(plan)["measure"]).content.decode()
    assert html.count("No value") >= 7 and html.count("Suppressed") >= 5
    assert "<polyline" in html
