"""The read-only data feed (JSON and CSV) of the live plan and of each board pack, and its tokens."""

import csv
import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance import meetings
from governance.meeting_views import FEED_COLUMNS
from governance.models import Board, BoardPack, FeedToken, Meeting
from plans.models import Membership
from tests.factories import PlanFactory, UserFactory, build_plan
from tests.governance import NOW, PERIOD, action_of, submit


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def action(seed_plan, lead):
    """3.6 (due April 2019, so overdue), rated Green for October 2019."""
    action = action_of(seed_plan, "3.6")
    submit(action, lead, status="green")
    return action


@pytest.fixture
def token(seed_plan, plan_manager):
    return meetings.feed_token_create(plan=seed_plan, name="Power BI", by=plan_manager)


def feed_url(plan, fmt="json"):
    return reverse(f"governance:plan_feed_{fmt}", args=[plan.slug])


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def csv_rows(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def row_for(rows, reference):
    return next(row for row in rows if row["reference"] == reference)


# Members -----------------------------------------------------------------------------------


def test_a_member_gets_the_live_plan_as_json_with_statuses_flags_and_dates(client, board_member, action):
    client.force_login(board_member)
    response = client.get(feed_url(action.plan))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["plan"]["slug"] == action.plan.slug
    assert data["period"] == "2019-10-01"
    assert len(data["actions"]) == action.plan.actions.count()
    row = row_for(data["actions"], "3.6")
    assert row["status"] == "green" and row["status_label"] == "Green"
    assert row["leads"] == ["Head of Quality Assurance (CC&S)"]
    assert row["flags"] == ["overdue"]
    assert row["due_date"] == "2019-04-30" and row["due_text"] == "April 2019"
    assert row["latest_period"] == "2019-10-01"
    assert row["url"].endswith(action.get_absolute_url())
    other = row_for(data["actions"], "2.6")
    assert other["status"] is None and "no_update" in other["flags"]


def test_a_member_gets_the_live_plan_as_csv(client, lead, action):
    client.force_login(lead)
    response = client.get(feed_url(action.plan, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="barking-dagenham-ilacs-2019-2019-10.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert list(rows[0]) == FEED_COLUMNS
    row = row_for(rows, "3.6")
    assert (row["status"], row["flags"], row["due_date"], row["slipped"]) == ("green", "overdue", "2019-04-30", "false")
    assert "no_update" in row_for(rows, "2.6")["flags"]


def test_the_feed_reads_another_period_when_asked(client, board_member, action, lead):
    submit(action, lead, period=dt.date(2019, 9, 1), status="amber")
    client.force_login(board_member)
    data = client.get(feed_url(action.plan) + "?period=2019-09").json()
    assert data["period"] == "2019-09-01"
    assert row_for(data["actions"], "3.6")["status"] == "amber"


def test_csv_cells_that_a_spreadsheet_would_run_are_prefixed(client, board_member, action):
    action.description = '=HYPERLINK("https://evil.example","Click")'
    action.save(update_fields=["description"])
    client.force_login(board_member)
    row = row_for(csv_rows(client.get(feed_url(action.plan, "csv"))), "3.6")
    assert row["description"] == "'" + action.description
    # JSON keeps the words as they are.
    assert row_for(client.get(feed_url(action.plan)).json()["actions"], "3.6")["description"] == action.description


def test_open_challenges_are_counted_in_the_feed(client, board_member, action):
    meetings.challenge_raise(action=action, text="Why?", by=board_member)
    client.force_login(board_member)
    assert row_for(client.get(feed_url(action.plan)).json()["actions"], "3.6")["open_challenges"] == 1


def test_someone_signed_in_outside_the_plan_gets_404(client, outsider, seed_plan):
    client.force_login(outsider)
    assert client.get(feed_url(seed_plan)).status_code == 404
    assert client.get(feed_url(seed_plan, "csv")).status_code == 404


def test_the_feed_is_read_only(client, board_member, seed_plan):
    client.force_login(board_member)
    assert client.post(feed_url(seed_plan)).status_code == 405


# Tokens ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_token_in_the_authorization_header_opens_the_feed_without_a_session(client, token, seed_plan, fmt):
    feed_token, raw = token
    response = client.get(feed_url(seed_plan, fmt), **bearer(raw))
    assert response.status_code == 200
    assert "Authorization" in response["Vary"]
    feed_token.refresh_from_db()
    assert feed_token.last_used_at is not None


def test_no_token_and_no_session_is_401_with_a_bearer_challenge(client, seed_plan):
    for fmt in ("json", "csv"):
        response = client.get(feed_url(seed_plan, fmt))
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_another_plans_token_is_refused_as_if_it_were_unknown(client, seed_plan, plan_manager):
    other = PlanFactory()
    other_token, raw = meetings.feed_token_create(plan=other, name="Their BI", by=plan_manager)
    response = client.get(feed_url(seed_plan), **bearer(raw))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    # The same answer for a plan that does not exist: nothing about other plans is revealed.
    missing = client.get(reverse("governance:plan_feed_json", args=["no-such-plan"]), **bearer(raw))
    assert (missing.status_code, missing.content) == (401, response.content)
    other_token.refresh_from_db()
    assert other_token.last_used_at is None
    assert client.get(feed_url(other), **bearer(raw)).status_code == 200


def test_a_revoked_token_is_refused(client, token, seed_plan, plan_manager):
    feed_token, raw = token
    meetings.feed_token_revoke(token=feed_token, by=plan_manager)
    response = client.get(feed_url(seed_plan), **bearer(raw))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-token", "Token abc"])
def test_a_wrong_or_malformed_authorization_header_is_refused(client, seed_plan, token, header):
    response = client.get(feed_url(seed_plan), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_is_stored_hashed_and_only_its_prefix_is_kept(token):
    feed_token, raw = token
    stored = FeedToken.objects.values().get(pk=feed_token.pk)
    assert raw not in [str(value) for value in stored.values()]
    assert stored["token_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert stored["prefix"] == raw[:8]
    assert len(raw) >= 40


# The token page ----------------------------------------------------------------------------


def test_a_plan_manager_makes_a_token_and_sees_it_once(client, plan_manager, seed_plan):
    client.force_login(plan_manager)
    url = reverse("governance:feed_tokens", args=[seed_plan.slug])
    response = client.post(url, {"name": "Power BI performance report"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    feed_token = FeedToken.objects.get(plan=seed_plan)
    page = response.content.decode()
    raw = page.split('<code id="new-token">')[1].split("</code>")[0]
    assert raw.startswith(feed_token.prefix)
    assert feed_token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    again = client.get(url).content.decode()
    assert "Power BI performance report" in again and raw not in again
    client.logout()
    assert client.get(feed_url(seed_plan), **bearer(raw)).status_code == 200


def test_a_plan_manager_revokes_a_token(client, plan_manager, seed_plan, token):
    feed_token, raw = token
    client.force_login(plan_manager)
    url = reverse("governance:feed_token_revoke", args=[seed_plan.slug, feed_token.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    feed_token.refresh_from_db()
    assert feed_token.revoked_at is not None
    client.logout()
    assert client.get(feed_url(seed_plan), **bearer(raw)).status_code == 401


def test_only_plan_managers_manage_tokens(client, board_member, outsider, seed_plan, token):
    feed_token, _ = token
    url = reverse("governance:feed_tokens", args=[seed_plan.slug])
    revoke = reverse("governance:feed_token_revoke", args=[seed_plan.slug, feed_token.pk])
    client.force_login(board_member)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Mine"}).status_code == 403
    assert client.post(revoke).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(revoke).status_code == 404
    feed_token.refresh_from_db()
    assert feed_token.revoked_at is None
    assert FeedToken.objects.count() == 1


def test_a_token_cannot_revoke_another_plans_token(client, outsider, token, seed_plan):
    feed_token, _ = token
    other_plan = Membership.objects.get(user=outsider).plan
    client.force_login(outsider)
    url = reverse("governance:feed_token_revoke", args=[other_plan.slug, feed_token.pk])
    assert client.post(url).status_code == 404


# Pack feeds --------------------------------------------------------------------------------


@pytest.fixture
def pack(seed_plan, plan_manager):
    call_command("loaddata", "seed_board", verbosity=0)
    board = Board.objects.get(plan=seed_plan)
    meeting = Meeting.objects.create(
        board=board, date=dt.date(2019, 11, 12), period=PERIOD, cutoff=dt.date(2019, 11, 5)
    )
    snapshot = {
        "period": "2019-10-01",
        "actions": [
            {
                "reference": "3.6",
                "status": "red",
                "flags": [{"key": "overdue", "label": "Overdue"}, {"key": "slipped", "label": "Slipped"}],
                "due_date": "2019-04-30",
                "board_note": "x",
            },
            {"reference": "2.6", "status": None, "description": "@SUM(A1:A9)", "leads": ["Head of QA", "DCS"]},
            "not a row",
        ],
    }
    return BoardPack.objects.create(
        meeting=meeting,
        snapshot=snapshot,
        snapshot_sha256="0" * 64,
        pdf=b"%PDF",
        pdf_sha256="1" * 64,
        frozen_by=plan_manager,
        frozen_at=timezone.now(),
    )


def pack_url(pack, fmt="json", slug=None):
    return reverse(f"governance:pack_feed_{fmt}", args=[slug or pack.meeting.board.plan.slug, pack.pk])


def test_a_pack_feed_serves_the_packs_frozen_actions(client, board_member, pack):
    client.force_login(board_member)
    data = client.get(pack_url(pack)).json()
    assert data["pack"]["version"] == 1 and data["pack"]["period"] == "2019-10-01"
    assert data["pack"]["meeting_date"] == "2019-11-12"
    assert [row["reference"] for row in data["actions"]] == ["3.6", "2.6"]
    assert [f["key"] for f in data["actions"][0]["flags"]] == ["overdue", "slipped"]


def test_a_pack_feed_as_csv_has_the_live_feeds_columns_flattened_and_escapes_formulas(client, board_member, pack):
    from governance.meeting_views import FEED_COLUMNS

    client.force_login(board_member)
    rows = csv_rows(client.get(pack_url(pack, "csv")))
    # The live feed's columns, so a BI report reads a pack and the live plan alike.
    assert list(rows[0]) == FEED_COLUMNS
    assert (rows[0]["flags"], rows[0]["slipped"], rows[0]["status_label"]) == ("Overdue; Slipped", "true", "Red")
    assert rows[0]["period"] == "2019-10-01"
    assert rows[1]["description"] == "'@SUM(A1:A9)"
    assert (rows[1]["leads"], rows[1]["status_label"]) == ("Head of QA; DCS", "No update")


def test_a_pack_feed_takes_its_plans_token_only(client, pack, token, plan_manager):
    _, raw = token
    assert client.get(pack_url(pack, "csv"), **bearer(raw)).status_code == 200
    _, other_raw = meetings.feed_token_create(plan=PlanFactory(), name="Other", by=plan_manager)
    assert client.get(pack_url(pack), **bearer(other_raw)).status_code == 401
    assert client.get(pack_url(pack)).status_code == 401


def test_a_pack_of_another_plan_is_not_found(client, pack, outsider, plan_manager):
    other_plan = Membership.objects.get(user=outsider).plan
    _, raw = meetings.feed_token_create(plan=other_plan, name="Theirs", by=outsider)
    assert client.get(pack_url(pack, slug=other_plan.slug), **bearer(raw)).status_code == 404


def test_a_pack_without_actions_in_its_snapshot_serves_none(client, board_member, pack):
    BoardPack.objects.filter(pk=pack.pk).update(snapshot={"summary": "no actions key"})
    client.force_login(board_member)
    assert client.get(pack_url(pack)).json()["actions"] == []
    assert client.get(pack_url(pack, "csv")).status_code == 200


# Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_feed_makes_the_same_queries_for_a_small_and_a_large_plan(client, db, fmt):
    counts = {}
    for name, size in (("small", 10), ("large", 500)):
        plan = build_plan(f"feed-{name}", size)
        manager = UserFactory(username=f"feed-manager-{name}")
        _, raw = meetings.feed_token_create(plan=plan, name="BI", by=manager)
        with CaptureQueriesContext(connection) as context:
            response = client.get(feed_url(plan, fmt), **bearer(raw))
        assert response.status_code == 200
        counts[name] = len(context.captured_queries)
    print(f"feed.{fmt}: {counts}")
    assert counts["small"] == counts["large"] <= 10
