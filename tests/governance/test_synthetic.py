"""generate_synthetic_data: deterministic, marked as synthetic, replaces its own plans."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from governance.management.commands.generate_synthetic_data import PLACEHOLDER_PDF
from governance.models import ActionUpdate, BoardPack, Evidence, Meeting
from governance.timeline import action_evidence, action_timeline
from measures.models import Measure, MeasureValue
from plans.models import Action, Membership, Plan, RoleHolder
from tests.factories import PlanFactory

SMALL = ["--plans", "2", "--actions-per-plan", "6", "--months", "3", "--measures-per-plan", "2"]

pytestmark = pytest.mark.django_db


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_synthetic_data", *SMALL, *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    synthetic = {"plan__slug__startswith": "synthetic-"}
    return {
        "plans": Plan.objects.filter(slug__startswith="synthetic-").count(),
        "actions": Action.objects.filter(**synthetic).count(),
        "updates": ActionUpdate.objects.filter(action__plan__slug__startswith="synthetic-").count(),
        "evidence": Evidence.objects.filter(action__plan__slug__startswith="synthetic-").count(),
        "measures": Measure.objects.filter(**synthetic).count(),
        "values": MeasureValue.objects.filter(measure__plan__slug__startswith="synthetic-").count(),
        "meetings": Meeting.objects.filter(board__plan__slug__startswith="synthetic-").count(),
        "packs": BoardPack.objects.filter(meeting__board__plan__slug__startswith="synthetic-").count(),
    }


def first_update() -> tuple[str, str]:
    update = ActionUpdate.objects.filter(action__plan__slug="synthetic-1").order_by("action__order", "period").first()
    return update.status, update.narrative


def test_generates_plans_marked_as_synthetic_at_the_asked_size():
    generate("--seed", "7")
    plans = list(Plan.objects.filter(slug__startswith="synthetic-").order_by("slug"))
    assert [(p.slug, p.title, p.extra) for p in plans] == [
        ("synthetic-1", "Synthetic plan 1", {"synthetic": True}),
        ("synthetic-2", "Synthetic plan 2", {"synthetic": True}),
    ]
    plan = plans[0]
    assert plan.actions.count() == 6
    assert plan.recommendations.count() == 6
    assert plan.measures.count() == 2
    assert plan.roles.count() == 15
    assert RoleHolder.objects.filter(role__plan=plan).count() == 15
    assert Membership.objects.filter(plan=plan, kind=Membership.Kind.BOARD_MEMBER).exists()
    assert Membership.objects.filter(plan=plan, kind=Membership.Kind.PLAN_MANAGER).exists()
    updates = ActionUpdate.objects.filter(action__plan=plan)
    assert 0 < updates.count() <= 6 * 3
    assert not updates.filter(is_demo=False).exists()
    assert set(updates.values_list("period", flat=True)) <= {m.period for m in Meeting.objects.filter(board__plan=plan)}
    assert MeasureValue.objects.filter(measure__plan=plan).count() <= 2 * 3
    assert Evidence.objects.filter(action__plan=plan).exclude(kind=Evidence.Kind.LINK).count() == 0


def test_each_update_has_its_history_row_so_the_action_page_shows_its_months():
    generate("--seed", "5")
    updates = ActionUpdate.objects.filter(action__plan__slug__startswith="synthetic-")
    history = ActionUpdate.history.filter(action__plan__slug__startswith="synthetic-")
    assert history.count() == updates.count() > 0
    assert set(history.values_list("id", "history_type", "history_date", "history_user_id", "status")) == {
        (u.pk, "+", u.submitted_at, u.submitted_by_id, u.status) for u in updates
    }
    action = updates.order_by("-period").first().action
    events = action_timeline(action, action_evidence(action))
    assert sorted(e.period for e in events if e.kind == "update") == sorted(
        action.updates.values_list("period", flat=True)
    )
    generate("--seed", "6")  # replacing the plans removes their history rows: none left over
    assert ActionUpdate.history.count() == ActionUpdate.objects.count()


def test_packs_hold_a_snapshot_and_the_placeholder_pdf_with_its_hash():
    generate()
    pack = BoardPack.objects.filter(meeting__board__plan__slug="synthetic-1").first()
    assert pack.snapshot["plan"]["slug"] == "synthetic-1"
    assert bytes(pack.pdf) == PLACEHOLDER_PDF
    assert pack.pdf_sha256 == hashlib.sha256(PLACEHOLDER_PDF).hexdigest()


def test_same_seed_gives_the_same_data():
    generate("--seed", "3")
    first = counts(), first_update()
    generate("--seed", "3")
    assert (counts(), first_update()) == first


def test_running_again_replaces_the_synthetic_plans_and_leaves_others():
    other = PlanFactory(slug="not-synthetic")
    generate("--seed", "1")
    out = generate("--seed", "2")
    assert "Removed 2 synthetic plans" in out
    assert counts()["plans"] == 2
    assert Plan.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--plans", "0"],
        ["--plans", "-3"],
        ["--months", "0"],
        ["--measures-per-plan", "100000"],
        ["--actions-per-plan", "2"],
    ],
)
def test_refuses_nonsense_sizes(args):
    with pytest.raises(CommandError):
        call_command("generate_synthetic_data", *SMALL, *args, stdout=io.StringIO())
    assert not Plan.objects.filter(slug__startswith="synthetic-").exists()
