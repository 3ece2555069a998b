"""Related objects of a plan: `plans.models.share_loaded` shares a loaded one as assignment would, and a lead
is one of its plan's roles."""

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


def test_a_lead_must_be_one_of_its_actions_plans_roles(seed_plan):
    from django.core.exceptions import ValidationError

    from plans.models import ActionLead, Role

    other = Plan.objects.create(slug="other-plan", title="Other", organisation="Elsewhere")
    stranger = Role.objects.create(plan=other, title="Director elsewhere")
    action = Action.objects.filter(plan=seed_plan).first()
    with pytest.raises(ValidationError) as refused:
        ActionLead(action=action, role=stranger, order=9).full_clean()
    assert refused.value.message_dict == {"role": ["Choose a role of this action's plan."]}
    own = seed_plan.roles.exclude(action_leads__action=action).first()
    ActionLead(action=action, role=own, order=9).full_clean()  # one of its plan's roles: accepted
