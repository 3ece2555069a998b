"""`plans.models.share_loaded`: a loaded object shared as the related object of many, as assignment would."""

import pytest

from plans.models import Action, Plan, share_loaded

pytestmark = pytest.mark.django_db


def test_objects_pointing_at_it_get_it_without_a_query(seed_plan, django_assert_num_queries):
    actions = list(Action.objects.filter(plan=seed_plan))
    share_loaded(actions, "plan", seed_plan)
    with django_assert_num_queries(0):
        assert all(action.plan is seed_plan for action in actions)
    assert all(action.plan_id == seed_plan.pk for action in actions)


def test_an_object_pointing_elsewhere_is_assigned_through_the_descriptor(seed_plan):
    other = Plan.objects.create(slug="other-plan", title="Other", organisation="Elsewhere")
    action = Action.objects.filter(plan=seed_plan).first()
    share_loaded([action], "plan", other)
    assert action.plan is other and action.plan_id == other.pk  # as `action.plan = other` does
    with pytest.raises(ValueError):
        share_loaded([action], "plan", Action(pk=10**9))  # the descriptor's checks still apply: not a plan
