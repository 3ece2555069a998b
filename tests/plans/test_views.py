import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from plans.models import Action, Membership, Plan, PlanImport
from tests.factories import PlanFactory, UserFactory


@pytest.fixture
def importer(db):
    user = UserFactory(username="importer")
    user.user_permissions.add(Permission.objects.get(codename="add_plan", content_type__app_label="plans"))
    return user


def action_url(plan, reference):
    action = Action.objects.get(plan=plan, reference=reference)
    return reverse("governance:action_detail", args=[plan.slug, action.pk])


def test_healthz_answers_without_login_and_checks_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_home_is_the_dashboard_for_a_board_member_and_my_actions_for_a_lead(board_client, seed_plan, lead):
    assert board_client.get("/").url == reverse("governance:dashboard", args=[seed_plan.slug])
    board_client.force_login(lead)
    assert board_client.get("/").url == reverse("governance:my_actions")


def test_the_plan_overview(board_client, seed_plan):
    response = board_client.get(seed_plan.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "Children&#x27;s Care and Support OFSTED Improvement Plan" in content
    assert "18 February 2019 to 1 March 2019" in content
    assert "Requires improvement to be good" in content
    assert "6 recommendations, 35 actions" in content
    assert "Strong fostering and adoption services" in content
    assert "Quality of Special Guardianship Assessments" in content


def test_home_lists_the_plans_when_there_are_several(board_client, board_member, seed_plan):
    from tests.conftest import member_of

    member_of(board_member, PlanFactory(title="SEND improvement plan", organisation="Another Council"), "board_member")
    PlanFactory(title="Not my plan", organisation="Elsewhere")
    content = board_client.get("/").content.decode()
    assert "SEND improvement plan" in content
    assert "Another Council" in content
    assert seed_plan.get_absolute_url() in content
    assert "Not my plan" not in content


def test_recommendation_page_lists_its_actions_outcomes_and_measures(board_client, seed_plan):
    recommendation = seed_plan.recommendations.get(reference="1")
    content = board_client.get(recommendation.get_absolute_url()).content.decode()
    assert "Improve the quality, management oversight and impact of early help services." in content
    for reference in ["1.1", "1.2", "1.3", "1.4", "1.5"]:
        assert f">{reference}</a>" in content
    assert "Multi agency early help services are underpinned" in content
    assert "(actions 1.4, 1.5)" in content
    assert "Increase use of Early Help assessments." in content


def test_action_page_shows_by_when_as_written_with_its_derived_date(board_client, seed_plan):
    content = board_client.get(action_url(seed_plan, "3.6")).content.decode()
    assert "April 2019" in content
    assert "due 30 April 2019" in content
    assert "focusing on progress, quality of practice and thresholds." in content
    assert "Head of Quality Assurance (CC&amp;S)" in content


def test_action_page_says_when_the_words_give_no_date(board_client, seed_plan):
    content = board_client.get(action_url(seed_plan, "1.3")).content.decode()
    assert "Ongoing" in content
    assert "no date: the words give none" in content


def test_action_page_shows_a_recurrence(board_client, seed_plan):
    content = board_client.get(action_url(seed_plan, "2.6")).content.decode()
    assert "Quarterly from April 2019" in content
    assert "due 30 April 2019, then quarterly" in content


def test_action_page_shows_a_missing_description_as_missing(board_client, seed_plan):
    content = board_client.get(action_url(seed_plan, "2.1")).content.decode()
    assert "Description missing in the source" in content
    assert "None has been invented" in content


def test_action_of_another_plan_is_not_found_under_this_plan(board_client, seed_plan):
    other = PlanFactory()
    action = seed_plan.actions.first()
    assert board_client.get(reverse("governance:action_detail", args=[other.slug, action.pk])).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lead={lead}", {"2.6", "3.6", "4.2", "6.1"}),
        ("organisation=North+East+London+NHS+Foundation+Trust", {"5.2"}),
        ("recommendation={rec4}", {"4.1", "4.2", "4.3"}),
        ("due_before=31/05/2019", {"2.6", "3.1", "3.4", "3.6", "5.7"}),
        ("due_after=2020-04-01", {"1.5", "2.2", "3.10", "6.2", "6.3"}),
        ("q=CAMHS", {"5.6", "5.7"}),
        ("q=health+passport", {"5.8"}),
    ],
)
def test_action_list_filters(board_client, seed_plan, query, expected):
    lead = seed_plan.roles.get(title="Head of Quality Assurance (CC&S)")
    rec4 = seed_plan.recommendations.get(reference="4")
    url = reverse("plans:action_list", args=[seed_plan.slug]) + "?" + query.format(lead=lead.pk, rec4=rec4.pk)
    response = board_client.get(url)
    assert response.status_code == 200
    shown = {row.record.reference for row in response.context["table"].page.object_list}
    assert shown == expected


def test_action_list_shows_every_action_and_sorts_by_due_date(board_client, seed_plan):
    url = reverse("plans:action_list", args=[seed_plan.slug])
    response = board_client.get(url)
    assert response.context["table"].paginator.count == 35
    response = board_client.get(url + "?sort=due")
    dates = [row.record.due_date for row in response.context["table"].page.object_list if row.record.due_date]
    assert dates == sorted(dates)


def test_action_list_paginates_a_long_plan(board_client, board_member):
    from tests.conftest import member_of
    from tests.factories import build_plan

    plan = build_plan("long", 120)
    member_of(board_member, plan, "board_member")
    url = reverse("plans:action_list", args=[plan.slug])
    first = board_client.get(url)
    assert len(first.context["table"].page.object_list) == 50
    third = board_client.get(url + "?page=3")
    assert len(third.context["table"].page.object_list) == 20


def test_action_list_reports_a_bad_date_by_field(board_client, seed_plan):
    url = reverse("plans:action_list", args=[seed_plan.slug]) + "?due_before=not-a-date"
    content = board_client.get(url).content.decode()
    assert "govuk-error-summary" in content
    assert 'href="#id_due_before"' in content


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_plan_downloads_in_each_format(board_client, seed_plan, fmt):
    response = board_client.get(reverse("plans:plan_export", args=[seed_plan.slug, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{seed_plan.slug}.{fmt}"'
    if fmt == "json":
        assert len(json.loads(response.content)["recommendations"]) == 6
    elif fmt == "csv":
        assert response.content.decode("utf-8-sig").count("\r\n") >= 36
    else:
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook["Actions"].max_row == 36


def test_unknown_export_format_is_not_found(board_client, seed_plan):
    assert board_client.get(f"/plans/{seed_plan.slug}/export.pdf").status_code == 404


@pytest.mark.parametrize(
    ("name", "args"),
    [("plans:home", []), ("plans:action_list", ["SLUG"]), ("plans:plan_detail", ["SLUG"])],
)
def test_read_only_pages_refuse_post(board_client, seed_plan, name, args):
    url = reverse(name, args=[seed_plan.slug if a == "SLUG" else a for a in args])
    assert board_client.post(url).status_code == 405


# The web import ---------------------------------------------------------------------------


def upload(client, name, content, replace=False):
    file = io.BytesIO(content)
    file.name = name
    data = {"file": file}
    if replace:
        data["replace"] = "on"
    return client.post(reverse("plans:import_upload"), data)


def small_plan_json(**changes):
    data = {
        "slug": "web-import",
        "title": "Web imported plan",
        "organisation": "Example Council",
        "recommendations": [
            {
                "reference": "A",
                "text": "Theme A",
                "colour": "blue",
                "actions": [{"reference": "A.1", "description": "Do it", "leads": ["Head"], "due": "May 2020"}],
            }
        ],
    }
    data.update(changes)
    return json.dumps(data).encode()


def test_import_page_needs_permission(board_client):
    assert board_client.get(reverse("plans:import_upload")).status_code == 403


def test_web_import_previews_then_imports_on_confirmation(client, importer):
    client.force_login(importer)
    response = upload(client, "plan.json", small_plan_json())
    preview = PlanImport.objects.get()
    assert response.url == reverse("plans:import_preview", args=[preview.pk])
    assert not Plan.objects.exists()  # nothing is written before confirmation

    content = client.get(response.url).content.decode()
    assert "Web imported plan" in content
    assert "Theme A" in content
    assert "field &#x27;colour&#x27; is not part of the plan format" in content

    response = client.post(response.url, {"decision": "import"})
    plan = Plan.objects.get(slug="web-import")
    assert response.url == plan.get_absolute_url()
    assert plan.actions.get().due_date.isoformat() == "2020-05-31"
    assert plan.recommendations.get().extra == {"colour": "blue"}
    # Confirming twice imports once.
    client.post(reverse("plans:import_preview", args=[preview.pk]), {"decision": "import"})
    assert Plan.objects.filter(slug="web-import").count() == 1


def test_web_import_shows_errors_by_row_and_writes_nothing(client, importer):
    client.force_login(importer)
    csv = b"recommendation_reference,action_reference,description\r\n1,1.1,Fine\r\n,1.2,No recommendation\r\n"
    response = upload(client, "plan.csv", csv)
    content = client.get(response.url).content.decode()
    assert "Row 3: &#x27;recommendation_reference&#x27; is empty" in content
    assert "Import this plan" not in content
    assert client.post(response.url, {"decision": "import"}).status_code == 200
    assert not Plan.objects.exists()


def test_web_import_refuses_an_existing_slug_unless_replacing(client, importer):
    client.force_login(importer)
    old = PlanFactory(slug="web-import", title="Old")
    response = upload(client, "plan.json", small_plan_json(), replace=True)
    assert "you do not manage it" in client.get(response.url).content.decode()
    Membership.objects.create(user=importer, plan=old, kind=Membership.Kind.PLAN_MANAGER)
    response = upload(client, "plan.json", small_plan_json())
    assert "exists already" in client.get(response.url).content.decode()
    response = upload(client, "plan.json", small_plan_json(), replace=True)
    client.post(response.url, {"decision": "import"})
    assert Plan.objects.get(slug="web-import").title == "Web imported plan"


def test_web_import_can_be_cancelled(client, importer):
    client.force_login(importer)
    response = upload(client, "plan.json", small_plan_json())
    client.post(response.url, {"decision": "cancel"})
    assert PlanImport.objects.get().status == PlanImport.Status.CANCELLED
    assert not Plan.objects.exists()


def test_web_import_rejects_a_file_of_another_kind_with_an_error_summary(client, importer):
    client.force_login(importer)
    response = upload(client, "plan.pdf", b"%PDF-1.4")
    content = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in content
    assert "Choose a file that ends in .json, .csv or .xlsx." in content
    assert not PlanImport.objects.exists()


def test_someone_elses_import_preview_is_not_found(client, importer, db):
    client.force_login(importer)
    response = upload(client, "plan.json", small_plan_json())
    other = UserFactory(username="other-importer")
    other.user_permissions.add(Permission.objects.get(codename="add_plan", content_type__app_label="plans"))
    client.force_login(other)
    assert client.get(response.url).status_code == 404
