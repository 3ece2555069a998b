"""People and access: the People page, role holders, invitations, password reset and the admin."""

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from plans.models import Invitation, Membership, RoleHolder
from tests.conftest import LEAD_ROLE, member_of
from tests.factories import UserFactory, build_plan

User = get_user_model()
PASSWORD = "a-long-and-unusual-passphrase"
LINK = re.compile(r"https?://testserver(/invitations/[^/\s]+/)")


def people_url(plan):
    return reverse("plans:people", args=[plan.slug])


def invite_url(plan):
    return reverse("plans:invite", args=[plan.slug])


def role_url(role):
    return reverse("plans:role_holders", args=[role.plan.slug, role.pk])


def invite(client, plan, **changes):
    data = {"email": "New.Person@Example.org", "first_name": "Nia", "last_name": "New", "kind": "board_member"}
    return client.post(invite_url(plan), data | changes)


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


@pytest.fixture
def lead_role(seed_plan):
    return seed_plan.roles.get(title=LEAD_ROLE)


@pytest.fixture
def empty_role(seed_plan):
    return seed_plan.roles.get(title="Director of Public Health")


# The People page ---------------------------------------------------------------------------


def test_plan_manager_sees_members_roles_and_every_button(manager_client, seed_plan, board_member, lead):
    response = manager_client.get(people_url(seed_plan))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Bola Board" in page and "bola@example.org" in page and "Board member" in page
    assert "Mina Manager" in page and "Plan manager" in page
    assert escape(LEAD_ROLE) in page and "Lee Lead" in page
    assert "No one holds this role" in page
    assert invite_url(seed_plan) in page
    membership = Membership.objects.get(user=board_member, plan=seed_plan)
    assert reverse("plans:membership_remove", args=[seed_plan.slug, membership.pk]) in page
    assert "Change holders" in page


def test_board_member_reads_the_people_page_without_any_button(board_client, seed_plan, lead, plan_manager):
    response = board_client.get(people_url(seed_plan))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mina Manager" in page and "Lee Lead" in page
    assert "Invite someone" not in page
    assert "Remove" not in page
    assert "Change holders" not in page


def test_lead_reads_the_people_page(lead_client, seed_plan):
    assert lead_client.get(people_url(seed_plan)).status_code == 200


def test_people_page_refuses_post(manager_client, seed_plan):
    assert manager_client.post(people_url(seed_plan)).status_code == 405


def test_plan_overview_links_to_people_and_offers_invite_only_to_managers(
    client, seed_plan, board_member, plan_manager
):
    overview = reverse("plans:plan_detail", args=[seed_plan.slug])
    client.force_login(board_member)
    page = client.get(overview).content.decode()
    assert people_url(seed_plan) in page and invite_url(seed_plan) not in page
    client.force_login(plan_manager)
    page = client.get(overview).content.decode()
    assert people_url(seed_plan) in page and invite_url(seed_plan) in page


def _people_pages(plan, board_member, lead_role):
    membership = Membership.objects.get(user=board_member, plan=plan)
    holder = RoleHolder.objects.filter(role=lead_role).first()
    return [
        ("get", invite_url(plan)),
        ("post", invite_url(plan)),
        ("get", reverse("plans:membership_remove", args=[plan.slug, membership.pk])),
        ("post", reverse("plans:membership_remove", args=[plan.slug, membership.pk])),
        ("get", role_url(lead_role)),
        ("post", role_url(lead_role)),
        ("post", reverse("plans:role_holder_end", args=[plan.slug, holder.pk])),
    ]


def test_board_member_and_lead_cannot_change_people(client, seed_plan, board_member, lead, lead_role):
    for user in (board_member, lead):
        client.force_login(user)
        for method, url in _people_pages(seed_plan, board_member, lead_role):
            assert getattr(client, method)(url).status_code == 403, (user, method, url)
    assert Membership.objects.filter(user=board_member).exists()
    assert RoleHolder.objects.get(user=lead).until is None


def test_outsider_is_told_no_people_page_exists(client, seed_plan, outsider, board_member, lead, lead_role):
    client.force_login(outsider)
    assert client.get(people_url(seed_plan)).status_code == 404
    for method, url in _people_pages(seed_plan, board_member, lead_role):
        assert getattr(client, method)(url).status_code == 404, (method, url)


def test_people_page_queries_do_not_grow_with_the_number_of_role_holders(client, db):
    reader = UserFactory()
    counts = {}
    for holders in (5, 50):
        plan = build_plan(f"people-{holders}", 10, roles=10)
        member_of(reader, plan, Membership.Kind.PLAN_MANAGER)
        roles = list(plan.roles.all())
        people = User.objects.bulk_create(
            User(username=f"holder-{holders}-{i}", first_name="Holder", last_name=str(i)) for i in range(holders)
        )
        today = timezone.localdate()
        RoleHolder.objects.bulk_create(
            RoleHolder(
                role=roles[i % len(roles)],
                user=person,
                since=today - dt.timedelta(days=30),
                until=today if i % 3 == 0 else None,  # some are past holders
            )
            for i, person in enumerate(people)
        )
        client.force_login(reader)
        with CaptureQueriesContext(connection) as context:
            response = client.get(people_url(plan))
        assert response.status_code == 200
        assert response.content.decode().count("Holder ") >= holders
        counts[holders] = len(context.captured_queries)
    assert counts[5] == counts[50], counts


# Removing a member -------------------------------------------------------------------------


def test_removing_a_member_asks_first_then_removes_them(manager_client, seed_plan, board_member, plan_manager):
    membership = Membership.objects.get(user=board_member, plan=seed_plan)
    url = reverse("plans:membership_remove", args=[seed_plan.slug, membership.pk])

    response = manager_client.get(url)
    assert response.status_code == 200
    assert "govuk-button--warning" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()  # a GET changes nothing

    response = manager_client.post(url)
    assert response.status_code == 302 and response.url == people_url(seed_plan)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Membership.history.filter(id=membership.pk, history_type="-").get().history_user == plan_manager


def test_a_removed_member_who_holds_a_role_keeps_access_as_a_lead(client, manager_client, seed_plan, lead):
    member_of(lead, seed_plan, Membership.Kind.BOARD_MEMBER)
    membership = Membership.objects.get(user=lead, plan=seed_plan)
    manager_client.post(reverse("plans:membership_remove", args=[seed_plan.slug, membership.pk]))
    assert not Membership.objects.filter(user=lead, plan=seed_plan).exists()
    assert RoleHolder.objects.filter(user=lead, until__isnull=True).exists()
    client.force_login(lead)
    assert client.get(people_url(seed_plan)).status_code == 200


def test_the_last_plan_manager_cannot_be_removed(manager_client, seed_plan, plan_manager):
    membership = Membership.objects.get(user=plan_manager, plan=seed_plan)
    response = manager_client.post(reverse("plans:membership_remove", args=[seed_plan.slug, membership.pk]))
    assert response.status_code == 200
    assert "at least one plan manager" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


# Role holders ------------------------------------------------------------------------------


def test_plan_manager_adds_and_ends_a_holder_and_the_history_keeps_it(
    manager_client, seed_plan, board_member, plan_manager, empty_role
):
    response = manager_client.post(role_url(empty_role), {"user": board_member.pk})
    assert response.status_code == 302
    holder = RoleHolder.objects.get(role=empty_role, user=board_member)
    assert holder.until is None and holder.since == timezone.localdate()
    assert holder.history.latest().history_user == plan_manager

    response = manager_client.post(reverse("plans:role_holder_end", args=[seed_plan.slug, holder.pk]))
    assert response.status_code == 302 and response.url == role_url(empty_role)
    holder.refresh_from_db()
    assert holder.until == timezone.localdate()  # ended, never deleted
    assert holder.history.latest().history_user == plan_manager

    page = manager_client.get(people_url(seed_plan)).content.decode()
    assert "Past holders (1)" in page
    assert timezone.localdate().strftime("%-d %B %Y") in page
    assert "Bola Board" in manager_client.get(role_url(empty_role)).content.decode()


def test_a_holder_can_be_added_by_the_email_of_an_existing_account(manager_client, empty_role, outsider):
    response = manager_client.post(role_url(empty_role), {"email": "OLU@example.org"})
    assert response.status_code == 302
    assert RoleHolder.objects.filter(role=empty_role, user=outsider, until__isnull=True).exists()


def test_adding_a_holder_reports_problems_in_an_error_summary(manager_client, lead, lead_role, empty_role):
    response = manager_client.post(role_url(lead_role), {"user": lead.pk})
    assert "holds this role already" in response.content.decode()
    response = manager_client.post(role_url(empty_role), {"email": "nobody@example.org"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Invite them instead" in page
    response = manager_client.post(role_url(empty_role), {})
    assert "Choose a person or enter the email address" in response.content.decode()
    assert RoleHolder.objects.filter(role=lead_role).count() == 1
    assert not RoleHolder.objects.filter(role=empty_role).exists()


def test_ending_a_holding_refuses_get(manager_client, seed_plan, lead):
    holder = RoleHolder.objects.get(user=lead)
    assert manager_client.get(reverse("plans:role_holder_end", args=[seed_plan.slug, holder.pk])).status_code == 405
    holder.refresh_from_db()
    assert holder.until is None


def test_role_of_another_plan_is_not_found_under_this_plan(manager_client, seed_plan, outsider):
    other_role = build_plan("elsewhere", 2, roles=2).roles.first()
    url = reverse("plans:role_holders", args=[seed_plan.slug, other_role.pk])
    assert manager_client.get(url).status_code == 404


# Invitations -------------------------------------------------------------------------------


def test_invite_sends_one_email_with_a_one_time_link(manager_client, seed_plan, plan_manager, lead_role, mailoutbox):
    response = invite(manager_client, seed_plan, roles=[lead_role.pk])
    assert response.status_code == 302 and response.url == people_url(seed_plan)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@example.org"]
    assert seed_plan.title in message.subject
    path = link_in(message)
    token = path.split("/")[2]

    invitation = Invitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash  # only the hash is kept
    assert invitation.invited_by == plan_manager
    assert list(invitation.roles.all()) == [lead_role]
    expected = timezone.now() + dt.timedelta(days=settings.INVITATION_DAYS)
    assert abs(invitation.expires_at - expected) < dt.timedelta(minutes=1)
    assert "new.person@example.org" in manager_client.get(people_url(seed_plan)).content.decode()


def test_invite_checks_what_it_is_given(manager_client, seed_plan, board_member, mailoutbox):
    response = invite(manager_client, seed_plan, kind="lead")
    assert "Choose at least one role" in response.content.decode()
    response = invite(manager_client, seed_plan, email="BOLA@example.org")
    assert "member of this plan already" in response.content.decode()
    response = manager_client.post(invite_url(seed_plan), {})
    assert "Enter their email address" in response.content.decode()
    response = invite(manager_client, seed_plan, email="not an email", first_name="")
    page = response.content.decode()
    assert "There is a problem" in page and "Enter their first name" in page
    assert not Invitation.objects.exists() and not mailoutbox


def test_accepting_an_invitation_sets_a_password_joins_the_plan_and_signs_in(
    manager_client, seed_plan, lead_role, mailoutbox
):
    invite(manager_client, seed_plan, roles=[lead_role.pk])
    path = link_in(mailoutbox[0])
    visitor = Client()

    response = visitor.get(path)
    assert response.status_code == 200
    assert "Create a password" in response.content.decode()

    response = visitor.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response.url == seed_plan.get_absolute_url()
    user = User.objects.get(username="new.person@example.org")
    assert user.check_password(PASSWORD)
    assert (user.first_name, user.last_name, user.email) == ("Nia", "New", "new.person@example.org")
    assert Membership.objects.get(user=user, plan=seed_plan).kind == Membership.Kind.BOARD_MEMBER
    assert RoleHolder.objects.get(user=user).role == lead_role
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert visitor.get(seed_plan.get_absolute_url()).status_code == 200  # signed in


def test_an_invitation_link_cannot_be_used_twice(manager_client, seed_plan, mailoutbox):
    invite(manager_client, seed_plan)
    path = link_in(mailoutbox[0])
    visitor = Client()
    visitor.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})

    again = Client()
    response = again.get(path)
    assert response.status_code == 404
    assert "This invitation link has been used or has expired" in response.content.decode()
    response = again.post(
        path, {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"}
    )
    assert response.status_code == 404
    assert User.objects.filter(username="new.person@example.org").count() == 1
    assert User.objects.get(username="new.person@example.org").check_password(PASSWORD)


def test_an_expired_invitation_link_shows_the_expired_page(manager_client, seed_plan, mailoutbox):
    invite(manager_client, seed_plan)
    path = link_in(mailoutbox[0])
    later = timezone.now() + dt.timedelta(days=settings.INVITATION_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        response = Client().get(path)
        assert response.status_code == 404
        assert "This invitation link has been used or has expired" in response.content.decode()
        response = Client().post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
        assert response.status_code == 404
    assert not User.objects.filter(username="new.person@example.org").exists()


def test_an_unknown_invitation_link_shows_the_expired_page(client, db):
    response = client.get(reverse("plans:invitation_accept", args=["made-up-token"]))
    assert response.status_code == 404
    assert "This invitation link has been used or has expired" in response.content.decode()


def test_a_new_invitation_replaces_one_still_waiting(manager_client, seed_plan, mailoutbox):
    invite(manager_client, seed_plan)
    invite(manager_client, seed_plan)
    first, second = link_in(mailoutbox[0]), link_in(mailoutbox[1])
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200


def test_a_weak_or_mismatched_password_is_refused_with_an_error_summary(manager_client, seed_plan, mailoutbox):
    invite(manager_client, seed_plan)
    path = link_in(mailoutbox[0])
    visitor = Client()
    cases = (("", ""), ("short", "short"), (PASSWORD, PASSWORD + "x"), ("123456789012345", "123456789012345"))
    for first, second in cases:
        response = visitor.post(path, {"new_password1": first, "new_password2": second})
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
    assert not User.objects.filter(username="new.person@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_invitation_to_an_existing_account_joins_it_without_a_new_password(
    manager_client, seed_plan, lead, mailoutbox
):
    invite(manager_client, seed_plan, email="LEE@example.org", first_name="Lee", last_name="Lead")
    path = link_in(mailoutbox[0])
    visitor = Client()
    response = visitor.get(path)
    page = response.content.decode()
    assert "Accept the invitation" in page and "Create a password" not in page

    response = visitor.post(path)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Membership.objects.get(user=lead, plan=seed_plan).kind == Membership.Kind.BOARD_MEMBER
    assert User.objects.filter(email__iexact="lee@example.org").count() == 1
    assert lead.check_password("correct-horse-battery")  # unchanged
    assert Client().get(path).status_code == 404


def test_invitation_page_refuses_other_methods(client, db):
    assert client.put(reverse("plans:invitation_accept", args=["x"])).status_code == 405


# Password reset ----------------------------------------------------------------------------


def test_sign_in_page_links_to_password_reset(client, db):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_password_reset_emails_a_link_that_sets_a_new_password(client, lead, mailoutbox):
    response = client.get(reverse("password_reset"))
    assert response.status_code == 200 and "govuk-input" in response.content.decode()

    response = client.post(reverse("password_reset"), {"email": "lee@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["lee@example.org"] and message.subject == "Reset your password"
    link = re.search(r"https?://testserver(/accounts/reset/\S+/)", message.body).group(1)

    response = client.get(link, follow=True)  # Django swaps the token for a session and redirects
    page = response.content.decode()
    assert response.status_code == 200 and "Set a new password" in page
    set_password_url = response.redirect_chain[-1][0]

    response = client.post(set_password_url, {"new_password1": "short", "new_password2": "short"})
    assert "There is a problem" in response.content.decode()

    response = client.post(set_password_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("password_reset_complete")
    lead.refresh_from_db()
    assert lead.check_password(PASSWORD)
    assert "This link has been used or has expired" in client.get(link, follow=True).content.decode()


def test_password_reset_sends_nothing_for_an_unknown_email_but_says_the_same(client, db, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.url == reverse("password_reset_done")
    assert not mailoutbox


# The admin ---------------------------------------------------------------------------------


def test_admin_refuses_a_staff_member_who_is_not_a_superuser(client, db):
    client.force_login(UserFactory(username="stef", is_staff=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert client.get(reverse("admin:plans_plan_changelist")).status_code == 302


def test_admin_opens_for_a_superuser(admin_client_logged_in):
    assert admin_client_logged_in.get(reverse("admin:index")).status_code == 200
