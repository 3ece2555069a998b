"""The service navigation in every page's header: the links a person has, and which is marked current."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from plans.models import Action
from tests.conftest import member_of
from tests.factories import PlanFactory


def nav_items(response) -> dict[str, str]:
    """Each navigation link's label and its whole <li>, from the page's navigation list."""
    html = response.content.decode()
    nav = re.search(r'<ul class="govuk-service-navigation__list" id="navigation">(.*?)</ul>', html, re.S).group(1)
    items = {}
    for item in re.findall(r'<li class="govuk-service-navigation__item[^"]*">.*?</li>', nav, re.S):
        link = re.search(r"<a [^>]*>(.*?)</a>", item, re.S)
        if link:
            items[re.sub(r"<[^>]+>", "", link.group(1)).strip()] = item
    return items


def marks(item: str) -> tuple[bool, str | None]:
    """Whether the item is shown active (class and bold fallback together), and its aria-current."""
    active = "govuk-service-navigation__item--active" in item
    assert active == ("govuk-service-navigation__active-fallback" in item)
    current = re.search(r'aria-current="([a-z]+)"', item)
    return active, current.group(1) if current else None


@pytest.mark.django_db
def test_a_plan_page_links_the_plans_own_pages_and_marks_the_dashboard_as_the_page(board_client, seed_plan):
    items = nav_items(board_client.get(reverse("governance:dashboard", args=[seed_plan.slug])))
    assert list(items) == ["Plans", "My actions", "Dashboard", "Board", "Measures", "Actions"]
    assert marks(items["Dashboard"]) == (True, "page")
    assert [marks(items[label]) for label in ("Plans", "My actions", "Board", "Measures", "Actions")] == [
        (False, None)
    ] * 5
    assert f'href="/plans/{seed_plan.slug}/measures/"' in items["Measures"]


@pytest.mark.django_db
def test_a_page_inside_a_section_marks_the_section_true_and_its_own_list_page(board_client, seed_plan):
    action = Action.objects.filter(plan=seed_plan).order_by("order").first()
    items = nav_items(board_client.get(reverse("governance:action_detail", args=[seed_plan.slug, action.pk])))
    assert marks(items["Actions"]) == (True, "true")
    items = nav_items(board_client.get(reverse("plans:action_list", args=[seed_plan.slug])))
    assert marks(items["Actions"]) == (True, "page")
    items = nav_items(board_client.get(reverse("measures:measure_list", args=[seed_plan.slug])))
    assert marks(items["Measures"]) == (True, "page")


@pytest.mark.django_db
def test_pages_without_a_plan_show_only_the_service_wide_links(board_member, board_client):
    member_of(board_member, PlanFactory(), "board_member")  # two plans: home lists them instead of opening one
    items = nav_items(board_client.get(reverse("plans:home")))
    assert list(items) == ["Plans", "My actions"]
    assert marks(items["Plans"]) == (True, "page")
    items = nav_items(board_client.get(reverse("governance:my_actions")))
    assert marks(items["My actions"]) == (True, "page")
    assert marks(items["Plans"]) == (False, None)


@pytest.mark.django_db
def test_only_a_superuser_gets_the_admin_link_and_signed_out_pages_have_no_navigation(admin_user, board_client):
    assert "Admin" not in nav_items(board_client.get(reverse("governance:my_actions")))
    superuser = Client()
    superuser.force_login(admin_user)
    assert marks(nav_items(superuser.get(reverse("governance:my_actions")))["Admin"]) == (False, None)
    page = Client().get(reverse("login")).content.decode()
    assert 'id="navigation"' not in page
