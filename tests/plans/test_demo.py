"""load_demo's made-up monthly updates for the seed plan: marked as demo, inside the plan's own time."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from governance.models import ActionUpdate, Evidence, Rag
from governance.services import action_update_submit
from plans.models import Action

FIRST, LAST = dt.date(2019, 6, 1), dt.date(2020, 3, 1)


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(seed_plan, settings):
    settings.DEBUG = True
    load_demo()
    return seed_plan


def snapshot(plan) -> list[tuple]:
    return list(
        ActionUpdate.objects.filter(action__plan=plan)
        .order_by("action__order", "period")
        .values_list("action__reference", "period", "status", "narrative", "reason", "submitted_at")
    )


def test_load_demo_adds_months_of_demo_updates_to_the_seed_plan(demo):
    updates = ActionUpdate.objects.filter(action__plan=demo)
    assert updates.count() > 150
    assert not updates.filter(is_demo=False).exists()
    assert not updates.exclude(narrative__contains="(Demo data)").exists()
    periods = set(updates.values_list("period", flat=True))
    assert min(periods) == FIRST
    assert max(periods) == LAST
    assert all(period.day == 1 for period in periods)
    assert set(updates.values_list("status", flat=True)) == {rag.value for rag in Rag}
    assert set(updates.values_list("submitted_by__username", flat=True)) == {"lead", "manager"}
    assert all(when.year in (2019, 2020) for when in updates.values_list("submitted_at", flat=True))


def test_demo_updates_follow_the_rules_a_lead_does(demo):
    """A reason whenever the status changes, and evidence with every Blue update."""
    for action in demo.actions.all():
        previous = None
        for update in action.updates.order_by("period"):
            assert bool(update.reason) == (previous is not None and previous != update.status), update
            if update.status == Rag.BLUE:
                assert update.evidence.exists(), update
            previous = update.status


def test_demo_statuses_move_plausibly(demo):
    histories = {
        action.reference: "".join(u.status[0] for u in action.updates.order_by("period"))
        for action in demo.actions.all()
    }
    assert any("r" in h and h.rstrip("b")[-1] == "g" for h in histories.values()), "a Red that recovers"
    never = [ref for ref, h in histories.items() if not h]
    assert 0 < len(never) <= 3
    stale = demo.actions.filter(state="open").exclude(updates__period__gte=dt.date(2019, 12, 1))
    assert stale.filter(updates__isnull=False).exists(), "an action going stale"
    statuses = ActionUpdate.objects.filter(action__plan=demo).values_list("status", flat=True)
    mostly = sum(status in (Rag.GREEN, Rag.AMBER) for status in statuses)
    assert mostly > 0.7 * len(statuses)


def test_demo_evidence_is_links_to_example_org_dated_in_its_month(demo):
    evidence = Evidence.objects.filter(action__plan=demo)
    assert evidence.count() > 20
    for item in evidence:
        assert item.is_demo
        assert item.kind == Evidence.Kind.LINK
        assert item.url.startswith(("https://example.org/", "https://intranet.example.org/")), item.url
        assert item.title
        assert item.update is not None
        assert item.period == item.update.period
        assert item.period <= item.evidence_date <= item.update.submitted_at.date()


def test_actions_whose_last_demo_update_is_blue_are_proposed_complete_or_closed(demo):
    for action in demo.actions.all():
        latest = action.updates.order_by("-period").first()
        if latest is not None and latest.status == Rag.BLUE:
            assert action.state in (Action.State.PROPOSED_COMPLETE, Action.State.CLOSED), action
        else:
            assert action.state == Action.State.OPEN, action
    closed = demo.actions.filter(state=Action.State.CLOSED)
    assert 1 <= closed.count() <= 2
    for action in closed:
        assert action.closed_by.username == "manager"
        assert "Children's Improvement Board" in action.closure_authority
        assert action.closed_at.year in (2019, 2020)


def test_running_load_demo_twice_replaces_the_demo_instead_of_adding_to_it(demo):
    first = snapshot(demo)
    evidence = Evidence.objects.filter(action__plan=demo).count()
    history = ActionUpdate.history.filter(action__plan=demo).count()
    states = dict(demo.actions.values_list("reference", "state"))

    load_demo()

    assert snapshot(demo) == first  # the same words and dates: seeded, not random
    assert Evidence.objects.filter(action__plan=demo).count() == evidence
    assert ActionUpdate.history.filter(action__plan=demo).count() == history == len(first)
    assert dict(demo.actions.values_list("reference", "state")) == states


def test_running_it_again_keeps_what_a_person_submitted(demo, lead):
    action = demo.actions.get(reference="3.6")
    assert action.state == Action.State.PROPOSED_COMPLETE  # its demo year ends Blue
    action_update_submit(
        action=action, period=dt.date(2020, 4, 1), status=Rag.AMBER, narrative="Reopened", reason="New audit", by=lead
    )

    load_demo()

    action.refresh_from_db()
    assert action.state == Action.State.OPEN
    assert action.updates.filter(is_demo=False, narrative="Reopened").exists()
    assert action.updates.filter(is_demo=True).exists()


def test_the_action_page_shows_the_demo_history(demo, board_client):
    action = demo.actions.get(reference="5.5")
    response = board_client.get(reverse("governance:action_detail", args=[demo.slug, action.pk]))
    content = response.content.decode()
    assert "(Demo data)" in content
    assert "June 2019 update submitted" in content
    assert "(demo data)" in content  # beside each piece of evidence


def test_load_demo_is_refused_with_debug_off_and_makes_nothing(seed_plan, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused when DEBUG is off"):
        load_demo()
    assert not ActionUpdate.objects.exists()
    assert not Evidence.objects.exists()


def test_without_the_seed_plan_only_the_users_are_made(db, settings):
    settings.DEBUG = True
    output = load_demo()
    assert "Demo data" not in output
    assert not ActionUpdate.objects.exists()
