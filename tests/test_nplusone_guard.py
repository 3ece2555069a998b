"""N+1 queries fail the test run: django-zeal watches every request the tests make (`make test` sets ZEAL=1)."""

import pytest
from django.conf import settings
from zeal import NPlusOneError, zeal_context

from plans.models import Action


def test_the_n_plus_one_guard_is_on_for_every_request():
    assert "zeal" in settings.INSTALLED_APPS
    assert "zeal.middleware.zeal_middleware" in settings.MIDDLEWARE


def test_a_loop_that_loads_a_relation_per_row_is_refused(seed_plan):
    with zeal_context(), pytest.raises(NPlusOneError, match="plans.Action.recommendation"):
        [action.recommendation.text for action in Action.objects.filter(plan=seed_plan)]


def test_the_same_loop_with_select_related_passes(seed_plan):
    with zeal_context():
        texts = [
            action.recommendation.text
            for action in Action.objects.filter(plan=seed_plan).select_related("recommendation")
        ]
    assert len(texts) == 35
