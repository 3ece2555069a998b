"""The dashboard's cache: keyed by each plan's data version, which every write changes, so a change
shows at once; it holds nothing of the reader; and it lives in a cache all workers share."""

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from governance.board_views import _cache_keys
from governance.models import ActionUpdate
from measures.models import Measure, MeasureValue
from plans.models import Action, PlanDataVersion
from plans.versioning import data_token
from tests.factories import PlanFactory, UserFactory
from tests.governance import NOW, PERIOD, action_of

LEAD_ACTION = "3.6"  # led by the `lead` fixture's role


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW):
        yield


def dashboard(client, plan) -> str:
    response = client.get(reverse("governance:dashboard", args=[plan.slug]) + f"?period={PERIOD:%Y-%m}")
    assert response.status_code == 200
    return response.content.decode()


def row_of(page: str, reference: str) -> str:
    start = page.index(f">{reference}</a> <span")
    return page[start : page.index("</tr>", start)]


def token(plan) -> str:
    return PlanDataVersion.objects.get(plan=plan).token


def test_an_update_submitted_through_the_page_shows_on_the_dashboard_at_once(client, seed_plan, board_member, lead):
    action = action_of(seed_plan, LEAD_ACTION)
    client.force_login(board_member)
    assert "No update" in row_of(dashboard(client, seed_plan), LEAD_ACTION)
    assert "No update" in row_of(dashboard(client, seed_plan), LEAD_ACTION)  # now from the cache

    lead_client = Client()
    lead_client.force_login(lead)
    form = {"status": "red", "narrative": "Audits stopped.", "next_steps": "", "risks": "", "reason": ""}
    response = lead_client.post(reverse("governance:update_submit", args=[seed_plan.slug, action.pk]), form)
    assert response.status_code == 302

    row = row_of(dashboard(client, seed_plan), LEAD_ACTION)
    assert ">Red</strong>" in row
    assert "No update" not in row


def test_an_admin_save_shows_on_the_dashboard_at_once(client, seed_plan, board_member, admin_user):
    action = action_of(seed_plan, LEAD_ACTION)
    client.force_login(board_member)
    before = dashboard(client, seed_plan)
    assert "Audited by the admin" not in before

    admin = Client()
    admin.force_login(admin_user)
    response = admin.get(reverse("admin:plans_action_change", args=[action.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {"description": "Audited by the admin", "_save": "Save"}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data |= {f"{management.prefix}-{name}": management[name].value() for name in management.fields}
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[inline_form.add_prefix(name)] = value
    data = {key: ("" if value is None else value) for key, value in data.items() if not isinstance(value, list)}
    response = admin.post(reverse("admin:plans_action_change", args=[action.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    assert "Audited by the admin" in row_of(dashboard(client, seed_plan), LEAD_ACTION)


def test_every_kind_of_write_gives_the_plan_a_new_data_version(seed_plan, lead):
    other = PlanFactory()
    data_token(other)  # made on first read
    other_token = token(other)
    action = action_of(seed_plan, LEAD_ACTION)
    seen = {token(seed_plan)}

    def changed() -> bool:
        now = token(seed_plan)
        new = now not in seen
        seen.add(now)
        return new

    update = ActionUpdate.objects.create(
        action=action, period=PERIOD, status="green", narrative="On track.", submitted_by=lead, submitted_at=NOW
    )
    assert changed()
    update.status = "amber"
    update.save()
    assert changed()
    Action.objects.get(pk=action.pk).save()
    assert changed()
    measure = Measure.objects.create(plan=seed_plan, code="X-1", name="Audits", unit="count", polarity="higher")
    assert changed()
    value = MeasureValue.objects.create(measure=measure, period=PERIOD, value="3")
    assert changed()
    measure.recommendations.add(action.recommendation)
    assert changed()
    value.delete()
    assert changed()
    lead.first_name = "Renamed"
    lead.save()  # a name shown beside the plan's actions
    assert changed()
    lead.save(update_fields=["last_login"])  # signing in changes nothing shown
    assert not changed()
    assert token(other) != other_token  # the rename shows in every plan …
    other_token = token(other)
    update.delete()
    assert changed()
    assert token(other) == other_token  # … an update in one plan in that plan only


def test_the_cached_parts_hold_nothing_of_the_reader(client, seed_plan, board_member, plan_manager):
    client.force_login(plan_manager)
    dashboard(client, seed_plan)
    key, data_key = _cache_keys(seed_plan.__class__.objects.get(pk=seed_plan.pk), PERIOD)
    bundle = cache.get(key)
    assert bundle is not None and cache.get(data_key) is not None
    fragments = "".join(value for value in bundle.values() if isinstance(value, str))
    for personal in ("csrfmiddlewaretoken", 'method="post"', plan_manager.username, "Mina", "Sign out"):
        assert personal not in fragments
    # Another reader gets the same fragments inside their own page.
    reader = Client()
    reader.force_login(board_member)
    page = dashboard(reader, seed_plan)
    assert bundle["summary_html"] in page
    assert "Bola" in page and "Mina" not in page


def test_the_dashboard_cache_works_in_the_database_shared_by_every_worker(client, seed_plan, board_member, lead):
    database_cache = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "test_cache"}}
    with override_settings(CACHES=database_cache):
        call_command("createcachetable")
        client.force_login(board_member)
        assert "No update" in row_of(dashboard(client, seed_plan), LEAD_ACTION)
        key, _ = _cache_keys(seed_plan.__class__.objects.get(pk=seed_plan.pk), PERIOD)
        assert cache.get(key) is not None  # stored in the table
        ActionUpdate.objects.create(
            action=action_of(seed_plan, LEAD_ACTION),
            period=PERIOD,
            status="blue",
            narrative="Done.",
            submitted_by=lead,
            submitted_at=NOW,
        )
        assert ">Blue</strong>" in row_of(dashboard(client, seed_plan), LEAD_ACTION)


def test_a_reader_outside_the_plan_gets_no_cached_page(client, seed_plan, board_member):
    client.force_login(board_member)
    dashboard(client, seed_plan)
    client.force_login(UserFactory(username="stranger"))
    response = client.get(reverse("governance:dashboard", args=[seed_plan.slug]))
    assert response.status_code == 404


def test_a_removed_member_loses_the_plan_at_once_though_their_access_was_remembered(client, seed_plan, board_member):
    from plans.models import Membership

    client.force_login(board_member)
    url = reverse("governance:dashboard", args=[seed_plan.slug])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # the second from the remembered access: no access query
    Membership.objects.get(user=board_member, plan=seed_plan).delete()
    assert client.get(url).status_code == 404


def test_a_renamed_plan_shows_its_new_title_at_once_though_the_plan_was_remembered(client, seed_plan, board_member):
    client.force_login(board_member)
    url = reverse("plans:plan_detail", args=[seed_plan.slug])
    assert "OFSTED Improvement Plan" in client.get(url).content.decode()
    assert "OFSTED Improvement Plan" in client.get(url).content.decode()  # the plan now from the process's memo
    plan = seed_plan.__class__.objects.get(pk=seed_plan.pk)
    plan.title = "Renamed improvement plan"
    plan.save()
    assert "Renamed improvement plan" in client.get(url).content.decode()
