"""The dashboard: counts, direction of travel and exceptions on crafted data; queries at scale."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.dashboard import build_dashboard, default_period, direction
from governance.models import ActionUpdate, Board, Challenge, Decision, Meeting
from plans.models import Action, Membership, RoleHolder
from tests.factories import UserFactory, build_plan, drop_plans

JUNE, JULY = dt.date(2019, 6, 1), dt.date(2019, 7, 1)


def rate(action, period, status, reason=""):
    return ActionUpdate.objects.create(
        action=action,
        period=period,
        status=status,
        narrative=f"{status} in {period:%B}",
        reason=reason,
        submitted_by=UserFactory(username=f"u-{action.pk}-{period:%m}"),
        submitted_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        ("green", "amber", "improved"),
        ("blue", "red", "improved"),
        ("red", "green", "worse"),
        ("amber", "amber", "same"),
        ("green", None, "new"),
        (None, "green", "none"),
    ],
)
def test_direction_of_travel(now, before, expected):
    assert direction(now, before) == expected


@time_machine.travel(dt.datetime(2019, 7, 20, 12, tzinfo=dt.UTC))
def test_counts_direction_and_exceptions_on_crafted_data(seed_plan):
    a = {ref: seed_plan.actions.get(reference=ref) for ref in ["1.1", "1.2", "1.3", "2.1", "3.1", "3.6"]}
    rate(a["1.1"], JUNE, "green")
    rate(a["1.1"], JULY, "red", "Provider withdrew")
    rate(a["1.2"], JUNE, "amber")
    rate(a["1.2"], JULY, "green", "Recovery plan worked")
    rate(a["1.3"], JULY, "amber")
    rate(a["2.1"], JUNE, "red")
    rate(a["2.1"], JULY, "red")
    rate(a["3.1"], JULY, "blue")
    # 3.6 was due April 2019: overdue in July; its deadline moved later: slipped.
    Action.objects.filter(pk=a["3.6"].pk).update(due_text="September 2019", due_date=dt.date(2019, 9, 30))

    data = build_dashboard(seed_plan, JULY)

    assert data.totals == {"blue": 1, "green": 1, "amber": 1, "red": 2, "none": 30, "all": 35}
    rec1 = next(r for r in data.recommendations if r["recommendation"].reference == "1")
    assert rec1["counts"] == {"blue": 0, "green": 1, "amber": 1, "red": 1, "none": 2}
    assert [s["key"] for s in rec1["segments"]] == ["green", "amber", "red", "none"]
    assert sum(s["width"] for s in rec1["segments"]) == pytest.approx(100)

    by_ref = {action.reference: action for action in data.actions}
    assert by_ref["1.1"].direction == "worse"
    assert by_ref["1.2"].direction == "improved"
    assert by_ref["1.3"].direction == "new"
    assert by_ref["2.1"].direction == "same"
    assert by_ref["1.4"].direction == "none"

    refs = {key: [x.reference for x in items] for key, items in data.exceptions.items()}
    assert refs["new_red"] == ["1.1"]  # 2.1 was Red already
    assert sorted(refs["changed"]) == ["1.1", "1.2"]
    assert "3.6" in refs["slipped"]
    assert "3.6" not in refs["overdue"]  # now due September
    assert "3.4" in refs["overdue"]  # May 2019, no update, not complete
    assert "3.1" not in refs["no_update"]
    assert by_ref["1.1"].period_reason == "Provider withdrew"


@time_machine.travel(dt.datetime(2019, 7, 20, 12, tzinfo=dt.UTC))
def test_open_challenges_and_decisions_past_due_are_listed(seed_plan, board_member):
    action = seed_plan.actions.get(reference="3.6")
    board = Board.objects.create(plan=seed_plan, name="Children's Improvement Board")
    meeting = Meeting.objects.create(board=board, date=dt.date(2019, 6, 20), period=JUNE, cutoff=dt.date(2019, 6, 14))
    Challenge.objects.create(
        action=action,
        text="Evidence does not show impact on caseloads",
        raised_by=board_member,
        raised_at=timezone.now(),
    )
    Challenge.objects.create(
        action=action, text="Closed one", raised_by=board_member, raised_at=timezone.now(), status="closed"
    )
    Decision.objects.create(meeting=meeting, text="Report caseloads by team", due=dt.date(2019, 7, 1))
    Decision.objects.create(meeting=meeting, text="Later", due=dt.date(2019, 8, 1))
    data = build_dashboard(seed_plan, JULY)
    assert [c.text for c in data.challenges] == ["Evidence does not show impact on caseloads"]
    assert [d.text for d in data.decisions_overdue] == ["Report caseloads by team"]


def test_default_period_is_the_latest_meetings_then_the_latest_updates(seed_plan):
    action = seed_plan.actions.first()
    rate(action, dt.date(2019, 9, 1), "green")
    assert default_period(seed_plan) == dt.date(2019, 9, 1)
    board = Board.objects.create(plan=seed_plan, name="Board")
    Meeting.objects.create(
        board=board, date=dt.date(2019, 8, 20), period=dt.date(2019, 7, 1), cutoff=dt.date(2019, 8, 14)
    )
    assert default_period(seed_plan) == dt.date(2019, 7, 1)


def test_dashboard_page_shows_words_figures_and_an_accessible_chart(board_client, seed_plan):
    action = seed_plan.actions.get(reference="1.1")
    rate(action, JUNE, "green")
    rate(action, JULY, "red", "Provider withdrew")
    response = board_client.get(reverse("governance:dashboard", args=[seed_plan.slug]) + "?period=2019-07")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Dashboard: July 2019" in content
    assert 'role="img"' in content and "<desc" in content
    assert "Recommendation 1: status of its actions" in content
    assert ">Red</strong>" in content  # a word, not only a colour
    assert "Worse" in content
    assert "Provider withdrew" in content


def test_dashboard_filters_narrow_the_table_not_the_counts(board_client, seed_plan):
    rate(seed_plan.actions.get(reference="1.1"), JULY, "red")
    url = reverse("governance:dashboard", args=[seed_plan.slug]) + "?period=2019-07&status=red"
    response = board_client.get(url)
    assert [a.reference for a in response.context["shown"]] == ["1.1"]
    assert response.context["data"].totals["all"] == 35
    lead = seed_plan.roles.get(title="Head of Quality Assurance (CC&S)")
    response = board_client.get(reverse("governance:dashboard", args=[seed_plan.slug]) + f"?lead={lead.pk}")
    assert sorted(a.reference for a in response.context["shown"]) == ["2.6", "3.6", "4.2", "6.1"]
    response = board_client.get(reverse("governance:dashboard", args=[seed_plan.slug]) + "?period=2019-07&flag=overdue")
    assert all(any(f.key == "overdue" for f in a.flags) for a in response.context["shown"])


# Query counts: the same for 10 and 500 actions, and for 3 and 36 months of history.

SHAPES = {"small-short": (10, 3), "small-long": (10, 36), "large-short": (500, 3), "large-long": (500, 36)}


def months_back(end: dt.date, count: int) -> list[dt.date]:
    periods, period = [], end
    for _ in range(count):
        periods.append(period)
        period = (period - dt.timedelta(days=1)).replace(day=1)
    return periods


@pytest.fixture(scope="module")
def shaped_plans(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        author = UserFactory(username="dashboard-author")
        plans = {}
        for name, (actions, months) in SHAPES.items():
            plan = build_plan(f"dash-{name}", actions)
            periods = months_back(dt.date(2021, 12, 1), months)
            statuses = ["green", "amber", "red", "blue"]
            ActionUpdate.objects.bulk_create(
                ActionUpdate(
                    action_id=action_id,
                    period=period,
                    status=statuses[(i + j) % 4],
                    narrative="Progress",
                    reason="Changed",
                    submitted_by=author,
                    submitted_at=timezone.now(),
                )
                for i, action_id in enumerate(plan.actions.values_list("pk", flat=True))
                for j, period in enumerate(periods)
            )
            plans[name] = plan
        yield plans
        drop_plans(plans.values())
        author.delete()


def test_dashboard_queries_do_not_grow_with_actions_or_history(client, db, shaped_plans):
    reader = UserFactory(username="dashboard-reader")
    for plan in shaped_plans.values():
        Membership.objects.create(user=reader, plan=plan, kind=Membership.Kind.BOARD_MEMBER)
    RoleHolder.objects.create(user=reader, role=shaped_plans["large-long"].roles.first())
    client.force_login(reader)
    counts, cached = {}, {}
    for name, plan in shaped_plans.items():
        url = reverse("governance:dashboard", args=[plan.slug]) + "?period=2021-12"
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        assert response.context["data"].totals["all"] == plan.actions.count()
        counts[name] = len(context.captured_queries)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        cached[name] = len(context.captured_queries)
    print(f"dashboard queries: made {counts}, from the cache {cached}")
    assert len(set(counts.values())) == 1
    assert len(set(cached.values())) == 1
    assert counts["large-long"] <= 12
    assert cached["large-long"] <= 5  # session, user, plan with its data version, access


def test_delivery_beside_impact_warns_when_actions_are_on_track_but_measures_are_red(board_client, seed_plan):
    from measures.models import Measure, MeasureValue

    recommendation = seed_plan.recommendations.get(reference="4")  # actions 4.1, 4.2, 4.3
    for reference, status in [("4.1", "green"), ("4.2", "blue"), ("4.3", "green")]:
        rate(seed_plan.actions.get(reference=reference), JULY, status)
    for code, value in [("T-1", "40"), ("T-2", "35")]:
        measure = Measure.objects.create(
            plan=seed_plan, code=code, name=f"Measure {code}", unit="percentage", polarity="higher", target="80",
            tolerance="5",
        )  # fmt: skip
        measure.recommendations.add(recommendation)
        MeasureValue.objects.create(measure=measure, period=JULY, value=value)
    dashboard = board_client.get(reverse("governance:dashboard", args=[seed_plan.slug]) + "?period=2019-07")
    rec4 = next(r for r in dashboard.context["data"].recommendations if r["recommendation"].reference == "4")
    assert rec4["impact_warning"] is True
    assert rec4["measure_counts"] == {"green": 0, "amber": 0, "red": 2}
    content = dashboard.content.decode()
    assert "Actions on track but measures off target" in content
    assert "Measures off target (2)" in content
    with time_machine.travel(dt.datetime(2019, 7, 20, 12, tzinfo=dt.UTC)):
        page = board_client.get(recommendation.get_absolute_url())
    assert page.context["impact_warning"] is True
    assert "3 of 3 open actions are Blue or Green, while 2 of 2 measures with a target are Red" in page.content.decode()
    # One measure back on target: no warning.
    # Through save(), as the app writes values: the dashboard's cache sees every such write.
    for value in MeasureValue.objects.filter(measure__code="T-1"):
        value.value = "90"
        value.save()
    dashboard = board_client.get(reverse("governance:dashboard", args=[seed_plan.slug]) + "?period=2019-07")
    rec4 = next(r for r in dashboard.context["data"].recommendations if r["recommendation"].reference == "4")
    assert rec4["impact_warning"] is True  # half of the measures still Red
    for value in MeasureValue.objects.filter(measure__code="T-2"):
        value.value = "90"
        value.save()
    dashboard = board_client.get(reverse("governance:dashboard", args=[seed_plan.slug]) + "?period=2019-07")
    rec4 = next(r for r in dashboard.context["data"].recommendations if r["recommendation"].reference == "4")
    assert rec4["impact_warning"] is False
