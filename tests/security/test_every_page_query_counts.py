"""Every page a plan manager can open, at two sizes of plan: the same number of queries, 12 at most.

Uses the committed world of the permission matrix (every URL name with a real object), counts each
page's queries, then grows the plan inside this test's transaction — 150 more actions with two leads
each, 24 months of updates and evidence for every action, 20 measures with 24 months of values — and
counts again. A page whose queries grow with the plan (an N+1 that django-zeal's threshold missed,
or a query per row) fails here.
"""

import datetime as dt

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import ActionUpdate, Evidence
from measures.models import Measure, MeasureValue
from plans.models import Action, ActionLead
from plans.versioning import bump_plan_version, forget_process_memos
from tests.security.test_permission_matrix import MATRIX, PEOPLE, url_for

MANAGER = PEOPLE.index("plan_manager")
# GET pages a plan manager opens (200), but for the two-factor pages (about the person, not the plan).
PAGES = [
    name
    for name, row in MATRIX.items()
    if row["GET"][MANAGER] == 200 and not name.startswith("two_factor") and name != "healthz"
]
MAX_QUERIES = 12
# The live dashboard as a file builds the board pack's whole snapshot (statuses, measures, charts,
# challenges, decisions, meetings) rather than the page's cached parts; it must still not grow.
LIMITS = {"governance:dashboard_download": 18}


def month(index: int) -> dt.date:
    year, m = divmod(index, 12)
    return dt.date(2018 + year, m + 1, 1)


def grow(plan, people) -> None:
    """150 actions more, each with two leads, 24 months of updates and evidence; 20 measures with values."""
    recommendation = plan.recommendations.order_by("order").first()
    roles = list(plan.roles.order_by("pk")[:2])
    start = max(plan.actions.values_list("order", flat=True)) + 1
    actions = Action.objects.bulk_create(
        Action(
            plan=plan,
            recommendation=recommendation,
            reference=f"9.{n}",
            description=f"Grown action {n}",
            order=start + n,
            due_text="March 2021",
            due_date=dt.date(2021, 3, 31),
        )
        for n in range(150)
    )
    ActionLead.objects.bulk_create(
        ActionLead(action=action, role=role, order=order) for action in actions for order, role in enumerate(roles)
    )
    now = timezone.now()
    updates = ActionUpdate.objects.bulk_create(
        ActionUpdate(
            action=action,
            period=month(i),
            status=("green", "amber", "red", "blue")[(action.pk + i) % 4],
            narrative="Grown.",
            submitted_by=people["lead"],
            submitted_at=now,
        )
        for action in actions
        for i in range(24)
    )
    Evidence.objects.bulk_create(
        Evidence(
            action=update.action,
            update=update,
            period=update.period,
            kind="link",
            title="Minutes",
            url="https://example.org/minutes",
            evidence_date=update.period,
            added_by=people["lead"],
            added_at=now,
        )
        for update in updates[::3]
    )
    measures = Measure.objects.bulk_create(
        Measure(plan=plan, code=f"G-{n}", name=f"Grown measure {n}", unit="count", polarity="higher", target=50)
        for n in range(20)
    )
    MeasureValue.objects.bulk_create(
        MeasureValue(measure=measure, period=month(i), value=40 + i) for measure in measures for i in range(24)
    )
    for measure in measures:
        measure.recommendations.add(recommendation)
    bump_plan_version(plan.pk)


def counts(client, objects) -> dict[str, int]:
    found = {}
    for name in PAGES:
        url = url_for(name, objects)
        forget_process_memos()  # count from cold: the plan and access read afresh, nothing cached …
        cache.clear()
        client.session.load()  # … but the session, cached as it is between a person's requests
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        found[name] = len(queries)
    return found


def test_every_page_takes_the_same_queries_for_a_small_and_a_large_plan(client, db, world):
    people, objects = world
    client.force_login(people["plan_manager"])
    small = counts(client, objects)
    grow(objects["plan"], people)
    large = counts(client, objects)
    print("\nqueries per page (small → large):")
    for name in PAGES:
        print(f"  {name:40} {small[name]:>3} → {large[name]:>3}")
    assert {name: large[name] for name in PAGES if large[name] != small[name]} == {}
    over = {name: large[name] for name in PAGES if large[name] > LIMITS.get(name, MAX_QUERIES)}
    assert over == {}
