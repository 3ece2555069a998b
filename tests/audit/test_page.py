"""The plan's audit log page and its CSV: who may see it, search, UK times, paging, query counts; and the
admin, where the log can be read by superusers and changed by no one."""

import csv
import datetime as dt
import io
import json

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from plans.versioning import forget_process_memos
from tests.conftest import LEAD_ROLE, holding, member_of
from tests.factories import UserFactory

UTC = dt.UTC


def page_url(plan) -> str:
    return reverse("plans:audit_log", args=[plan.slug])


def csv_url(plan) -> str:
    return reverse("plans:audit_log_csv", args=[plan.slug])


def make_events(plan, count: int, **fields) -> None:
    """`count` events a minute apart from 09:00 UTC on 1 July 2019 (10:00 in the UK)."""
    start = dt.datetime(2019, 7, 1, 9, 0, tzinfo=UTC)
    defaults = {"kind": "evidence_download", "username": "bola", "ip": "10.0.0.7", "object_type": "evidence"}
    AuditEvent.objects.bulk_create(
        AuditEvent(
            **(
                defaults
                | {"at": start + dt.timedelta(minutes=i), "plan_id": plan.pk, "plan_slug": plan.slug}
                | {"object_id": str(i), "object_repr": f"Report {i}", "detail": {"action": "3.6"}}
                | fields
            )
        )
        for i in range(count)
    )


def rows(response) -> int:
    return response.content.decode().count('<tr class="govuk-table__row">') - 1  # less the header


def csv_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


# Who may see it ------------------------------------------------------------------------------


def test_only_the_plans_managers_and_superusers_see_the_log(client, seed_plan, plan_manager, admin_user, outsider):
    people = [(plan_manager, 200), (admin_user, 200), (outsider, 404)]
    people += [
        (member_of(UserFactory(), seed_plan, "board_member"), 403),
        (holding(UserFactory(), seed_plan, LEAD_ROLE), 403),
    ]
    for user, status in people:
        client.force_login(user)
        assert client.get(page_url(seed_plan)).status_code == status, user
        assert client.get(csv_url(seed_plan)).status_code == status, user


def test_the_people_page_links_to_the_log_for_managers_only(client, seed_plan, plan_manager, board_member):
    people = reverse("plans:people", args=[seed_plan.slug])
    client.force_login(plan_manager)
    assert page_url(seed_plan) in client.get(people).content.decode()
    client.force_login(board_member)
    assert page_url(seed_plan) not in client.get(people).content.decode()


def test_the_log_shows_only_this_plans_events(manager_client, seed_plan, outsider):
    other_plan = outsider.memberships.get().plan
    make_events(seed_plan, 2, object_repr="Ours")
    make_events(other_plan, 3, object_repr="Theirs")
    page = manager_client.get(page_url(seed_plan)).content.decode()
    assert "2 events found" in page
    assert "Ours" in page and "Theirs" not in page


# What it shows and searching -----------------------------------------------------------------


def test_times_are_shown_in_uk_time_with_utc_kept(manager_client, seed_plan):
    make_events(seed_plan, 1, old="Amber", new="Green", kind="status_change")  # 09:00 UTC is 10:00 BST
    page = manager_client.get(page_url(seed_plan)).content.decode()
    assert '<time datetime="2019-07-01T09:00:00+00:00">1 Jul 2019, 10:00:00</time>' in page
    assert "Times are UK time (Europe/London" in page and "UTC" in page
    assert "Amber → Green" in page and "Status changed" in page and "10.0.0.7" in page


def test_newest_first_fifty_a_page(manager_client, seed_plan):
    make_events(seed_plan, 51)
    first = manager_client.get(page_url(seed_plan))
    assert rows(first) == 50
    content = first.content.decode()
    assert content.index("Report 50") < content.index("Report 49")
    assert "Report 0<" not in content
    second = manager_client.get(page_url(seed_plan), {"page": 2}).content.decode()
    assert "Report 0<" in second


def test_search_by_words_kind_user_and_dates(manager_client, seed_plan):
    make_events(seed_plan, 3)  # 1 July 2019, Reports 0-2, by bola
    AuditEvent.objects.create(
        kind="status_change", username="mina", plan_id=seed_plan.pk, plan_slug=seed_plan.slug,
        object_type="action", object_repr="Action 3.6", old="Amber", new="Red",
    )  # fmt: skip
    AuditEvent.objects.filter(username="mina").update(at=dt.datetime(2019, 9, 2, 23, 30, tzinfo=UTC))  # 3 Sep, UK

    def found(**query) -> str:
        response = manager_client.get(page_url(seed_plan), query)
        assert response.status_code == 200
        return response.content.decode().split('role="status">', 1)[1].split(" ", 1)[0]

    assert found() == "4"
    assert found(q="red") == "1"
    assert found(q="report 2") == "1"  # every word must match
    assert found(q="bola") == "3"
    assert found(kind="status_change") == "1"
    assert found(username="mina") == "1"
    assert found(date_from="03/09/2019") == "1"  # 23:30 UTC on 2 September is 3 September in the UK
    assert found(date_to="02/09/2019") == "3"
    assert found(date_from="01/07/2019", date_to="01/07/2019") == "3"


def test_bad_dates_get_a_clear_message(manager_client, seed_plan):
    response = manager_client.get(page_url(seed_plan), {"date_from": "31/02/2019"})
    assert "There is a problem" in response.content.decode()
    response = manager_client.get(page_url(seed_plan), {"date_from": "02/09/2019", "date_to": "01/09/2019"})
    page = response.content.decode()
    assert "Enter an ‘on or before’ date the same as or after the ‘on or after’ date" in page
    assert manager_client.get(csv_url(seed_plan), {"date_from": "nonsense"}).status_code == 400


# The CSV -------------------------------------------------------------------------------------


def test_the_csv_holds_the_filtered_log_with_formulas_defused(manager_client, seed_plan):
    make_events(seed_plan, 2)
    make_events(
        seed_plan, 1, username='=HYPERLINK("http://x")', object_repr="+SUM(A1)", new="@cmd", kind="sign_in_failed"
    )
    response = manager_client.get(csv_url(seed_plan), {"kind": "sign_in_failed"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{seed_plan.slug}-audit-log-')
    table = csv_of(response)
    assert table[0] == [
        "at_utc",
        "at_uk",
        "event",
        "user",
        "ip",
        "object_type",
        "object_id",
        "object",
        "old",
        "new",
        "detail",
    ]
    assert len(table) == 2
    row = dict(zip(table[0], table[1], strict=True))
    assert row["at_utc"] == "2019-07-01T09:00:00+00:00" and row["at_uk"] == "01/07/2019 10:00:00"
    assert row["user"] == '\'=HYPERLINK("http://x")'
    assert (row["object"], row["new"]) == ("'+SUM(A1)", "'@cmd")
    assert json.loads(row["detail"]) == {"action": "3.6"}


# Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [{}, {"q": "report", "kind": "evidence_download", "date_from": "01/07/2019"}])
def test_the_page_asks_at_most_12_queries_whatever_the_size_of_the_log(client, seed_plan, plan_manager, query):
    client.force_login(plan_manager)
    counts = []
    for size in (3, 300):
        AuditEvent.objects.all().delete()
        make_events(seed_plan, size)
        forget_process_memos()  # count from cold, the access query included
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(seed_plan), query).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12, counts


# The admin -----------------------------------------------------------------------------------


def test_the_log_cannot_be_added_to_changed_or_deleted_in_the_admin(admin_client_logged_in, seed_plan):
    make_events(seed_plan, 1)
    event = AuditEvent.objects.get(plan_id=seed_plan.pk)
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = admin_client_logged_in.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    admin_client_logged_in.post(change, {"username": "someone-else", "kind": "sign_in"})
    assert admin_client_logged_in.get(reverse("admin:audit_auditevent_add")).status_code == 403
    delete = admin_client_logged_in.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    bulk = admin_client_logged_in.post(
        reverse("admin:audit_auditevent_changelist"), {"action": "delete_selected", "_selected_action": [event.pk]}
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.username == "bola"


def test_only_superusers_read_the_log_in_the_admin(rf, admin_user, db):
    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/admin/")
    request.user = UserFactory(username="staff-only", is_staff=True)
    assert not model_admin.has_view_permission(request) and not model_admin.has_module_permission(request)
    request.user = admin_user
    assert model_admin.has_view_permission(request)
    assert not (
        model_admin.has_add_permission(request)
        or model_admin.has_change_permission(request)
        or model_admin.has_delete_permission(request)
    )
