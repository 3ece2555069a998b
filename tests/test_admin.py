"""Every model in the admin: its list (with a search and a filter) and a record open for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse

MODELS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize(("model", "model_admin"), MODELS, ids=[m._meta.label for m, _ in MODELS])
def test_the_admin_lists_and_searches_every_model(client, admin_user, seed_plan, model, model_admin):
    client.force_login(admin_user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    if model_admin.search_fields:
        assert client.get(url, {"q": "plan"}).status_code == 200
    record = model.objects.first()
    if record is not None:
        change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[record.pk])
        assert client.get(change).status_code == 200


def test_plan_models_have_search_and_filters():
    from plans.models import Action, Plan, Recommendation, Role

    for model in (Plan, Recommendation, Action, Role):
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields and model_admin.list_filter, model
