"""Boards, meetings, decisions and challenges: governance.meetings and the board's pages."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance import meetings
from governance.dashboard import build_dashboard
from governance.models import Board, Challenge, Decision, Meeting
from plans.concurrency import EditConflict
from plans.models import Membership, RoleHolder
from tests.factories import ActionFactory, UserFactory, build_plan
from tests.governance import NOW, PERIOD, action_of


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def board(seed_plan) -> Board:
    call_command("loaddata", "seed_board", verbosity=0)
    return Board.objects.select_related("plan", "chair_role").get(plan=seed_plan)


@pytest.fixture
def meeting(board, plan_manager) -> Meeting:
    return meetings.meeting_create(board=board, date=dt.date(2019, 11, 12), by=plan_manager)


@pytest.fixture
def action(seed_plan):
    """3.6, led by the `lead` fixture's role."""
    return action_of(seed_plan, "3.6")


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# Meetings ----------------------------------------------------------------------------------


def test_a_meeting_reviews_the_month_before_it_with_a_cut_off_a_week_earlier_by_default(meeting):
    assert meeting.period == PERIOD
    assert meeting.cutoff == dt.date(2019, 11, 5)
    assert meeting.status == Meeting.Status.PLANNED
    assert meeting.history.first().history_user is not None


def test_a_meeting_keeps_the_period_and_cut_off_it_is_given(board, plan_manager):
    meeting = meetings.meeting_create(
        board=board,
        date=dt.date(2019, 12, 10),
        period=dt.date(2019, 11, 20),
        cutoff=dt.date(2019, 12, 2),
        by=plan_manager,
    )
    assert (meeting.period, meeting.cutoff) == (dt.date(2019, 11, 1), dt.date(2019, 12, 2))


def test_a_cut_off_after_the_meeting_or_a_later_period_is_refused(board, plan_manager):
    with pytest.raises(ValidationError) as error:
        meetings.meeting_create(
            board=board,
            date=dt.date(2019, 11, 12),
            cutoff=dt.date(2019, 11, 13),
            period=dt.date(2019, 12, 1),
            by=plan_manager,
        )
    assert set(error.value.message_dict) == {"cutoff", "period"}


def test_a_board_cannot_meet_twice_on_one_day(meeting, board, plan_manager):
    with pytest.raises(ValidationError) as error:
        meetings.meeting_create(board=board, date=meeting.date, by=plan_manager)
    assert "already" in error.value.message_dict["date"][0]


def test_a_meeting_records_its_status_minutes_and_attendees(meeting, plan_manager, board_member, lead):
    meetings.meeting_update(
        meeting=meeting,
        status=Meeting.Status.HELD,
        minutes="Agreed the plan.",
        attendees=[board_member, lead],
        by=plan_manager,
    )
    meeting = fresh(meeting)
    assert meeting.status == Meeting.Status.HELD
    assert meeting.minutes == "Agreed the plan."
    assert set(meeting.attendees.all()) == {board_member, lead}


def test_only_people_of_the_plan_can_be_recorded_as_attending(meeting, plan_manager, outsider):
    with pytest.raises(ValidationError):
        meetings.meeting_update(meeting=meeting, attendees=[outsider], by=plan_manager)
    assert not meeting.attendees.exists()


# Decisions ---------------------------------------------------------------------------------


def test_a_decision_links_actions_and_recommendations_and_is_marked_done(meeting, seed_plan, action, plan_manager):
    role = seed_plan.roles.get(title="DCS")
    decision = meetings.decision_add(
        meeting=meeting,
        text="Commission an audit of caseloads.",
        owner_role=role,
        due=dt.date(2019, 12, 31),
        actions=[action],
        recommendations=[action.recommendation],
        by=plan_manager,
    )
    assert list(decision.actions.all()) == [action]
    assert list(decision.recommendations.all()) == [action.recommendation]
    assert decision.status == Decision.Status.OPEN
    meetings.decision_set_status(decision=decision, status=Decision.Status.DONE, by=plan_manager)
    assert fresh(decision).status == Decision.Status.DONE
    meetings.decision_set_status(decision=decision, status=Decision.Status.OPEN, by=plan_manager)
    assert fresh(decision).status == Decision.Status.OPEN


def test_a_decision_cannot_link_another_plans_action(meeting, plan_manager):
    with pytest.raises(ValidationError) as error:
        meetings.decision_add(meeting=meeting, text="Do it.", actions=[ActionFactory()], by=plan_manager)
    assert "actions" in error.value.message_dict


def test_open_decisions_past_their_due_date_show_on_the_dashboard(meeting, seed_plan, plan_manager):
    meetings.decision_add(meeting=meeting, text="Late.", due=dt.date(2019, 10, 1), by=plan_manager)
    meetings.decision_add(meeting=meeting, text="Not yet due.", due=dt.date(2019, 12, 1), by=plan_manager)
    assert [d.text for d in build_dashboard(seed_plan, PERIOD).decisions_overdue] == ["Late."]


# Challenges --------------------------------------------------------------------------------


def test_a_challenge_is_raised_answered_and_closed(action, meeting, board_member, lead):
    challenge = meetings.challenge_raise(
        action=action, text="Evidence does not show impact on caseloads.", meeting=meeting, by=board_member
    )
    assert challenge.status == Challenge.Status.OPEN
    meetings.challenge_respond(
        challenge=challenge, response="The March audit shows it.", by=lead, expected_version=challenge.version
    )
    challenge = fresh(challenge)
    assert (challenge.status, challenge.responded_by) == (Challenge.Status.RESPONDED, lead)
    meetings.challenge_close(challenge=challenge, by=board_member, expected_version=challenge.version)
    challenge = fresh(challenge)
    assert (challenge.status, challenge.closed_by) == (Challenge.Status.CLOSED, board_member)
    assert timezone.localdate(challenge.closed_at) == NOW.date()
    assert [h.history_change_reason for h in challenge.history.order_by("history_id")] == [None, "Responded", "Closed"]


def test_a_closed_challenge_takes_no_response(action, board_member, lead):
    challenge = meetings.challenge_raise(action=action, text="Why?", by=board_member)
    meetings.challenge_close(challenge=challenge, by=board_member, expected_version=challenge.version)
    with pytest.raises(ValidationError):
        meetings.challenge_respond(challenge=fresh(challenge), response="Late", by=lead, expected_version=2)


def test_a_response_based_on_a_stale_page_is_refused(action, board_member, lead, plan_manager):
    challenge = meetings.challenge_raise(action=action, text="Why?", by=board_member)
    stale = fresh(challenge)
    meetings.challenge_respond(challenge=challenge, response="First", by=lead, expected_version=1)
    with pytest.raises(EditConflict):
        meetings.challenge_close(challenge=stale, by=plan_manager, expected_version=stale.version)
    assert fresh(challenge).status == Challenge.Status.RESPONDED


def test_a_challenge_needs_words_and_a_meeting_of_its_own_plan(action, board_member, outsider):
    with pytest.raises(ValidationError):
        meetings.challenge_raise(action=action, text="  ", by=board_member)
    other_board = Board.objects.create(plan=Membership.objects.get(user=outsider).plan, name="Other board")
    other_meeting = meetings.meeting_create(board=other_board, date=dt.date(2019, 11, 1), by=outsider)
    with pytest.raises(ValidationError):
        meetings.challenge_raise(action=action, text="Why?", meeting=other_meeting, by=board_member)


def test_open_challenges_show_on_the_dashboard_until_closed(action, seed_plan, board_member, lead):
    answered = meetings.challenge_raise(action=action, text="Answered", by=board_member)
    meetings.challenge_respond(challenge=answered, response="Yes", by=lead, expected_version=1)
    closed = meetings.challenge_raise(action=action_of(seed_plan, "2.6"), text="Closed", by=board_member)
    meetings.challenge_close(challenge=closed, by=board_member, expected_version=1)
    meetings.challenge_raise(action=action, text="Open", by=board_member)
    assert [c.text for c in build_dashboard(seed_plan, PERIOD).challenges] == ["Answered", "Open"]


def test_an_actions_challenges_list_open_ones_first(action, board_member):
    first = meetings.challenge_raise(action=action, text="First", by=board_member)
    with time_machine.travel(NOW + dt.timedelta(hours=1)):
        meetings.challenge_raise(action=action, text="Second", by=board_member)
    meetings.challenge_close(challenge=first, by=board_member, expected_version=1)
    assert [c.text for c in meetings.action_challenges(action)] == ["Second", "First"]


# The board page ----------------------------------------------------------------------------


def test_the_board_page_lists_its_chair_members_and_meetings_newest_first(
    client, board, board_member, plan_manager, seed_plan
):
    Membership.objects.filter(user=board_member).update(organisation="Metropolitan Police")
    chair = UserFactory(username="chair", first_name="Chris", last_name="Chair")
    RoleHolder.objects.create(user=chair, role=board.chair_role)
    for day in (dt.date(2019, 9, 10), dt.date(2019, 11, 12), dt.date(2019, 10, 8)):
        meetings.meeting_create(board=board, date=day, by=plan_manager)
    client.force_login(board_member)
    page = client.get(reverse("governance:board", args=[seed_plan.slug])).content.decode()
    assert "Children&#x27;s Improvement Board" in page
    assert "DCS" in page and "Chris Chair" in page
    assert "Monthly" in page
    assert "Bola Board" in page and "Metropolitan Police" in page
    assert page.index("12 November 2019") < page.index("8 October 2019") < page.index("10 September 2019")
    assert "Plan a meeting" not in page
    assert client.get(board.get_absolute_url()).status_code == 200


def test_a_plan_manager_plans_a_meeting_from_the_board_page(client, board, plan_manager):
    client.force_login(plan_manager)
    page = client.get(board.get_absolute_url()).content.decode()
    assert "Plan a meeting" in page
    url = reverse("governance:meeting_create", args=[board.plan.slug, board.pk])
    response = client.post(url, {"date": "12/11/2019", "period": "", "cutoff": "4/11/2019"})
    meeting = Meeting.objects.get(board=board)
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    assert (meeting.period, meeting.cutoff) == (PERIOD, dt.date(2019, 11, 4))
    response = client.post(url, {"date": "12/11/2019"})
    assert response.status_code == 200
    assert "already" in response.content.decode()


def test_a_board_member_cannot_plan_a_meeting(client, board, board_member):
    client.force_login(board_member)
    url = reverse("governance:meeting_create", args=[board.plan.slug, board.pk])
    assert client.post(url, {"date": "12/11/2019"}).status_code == 403
    assert not Meeting.objects.exists()


def test_outsiders_are_told_the_board_does_not_exist(client, board, outsider):
    client.force_login(outsider)
    assert client.get(reverse("governance:board", args=[board.plan.slug])).status_code == 404
    assert client.get(board.get_absolute_url()).status_code == 404


def test_a_plan_without_a_board_says_so(client, seed_plan, board_member):
    client.force_login(board_member)
    response = client.get(reverse("governance:board", args=[seed_plan.slug]))
    assert response.status_code == 200
    assert "No board oversees this plan" in response.content.decode()


# The meeting page --------------------------------------------------------------------------


def test_the_meeting_page_shows_attendees_minutes_decisions_and_its_challenges(
    client, meeting, action, board_member, lead, plan_manager
):
    Membership.objects.filter(user=board_member).update(organisation="NHS trust")
    meetings.meeting_update(meeting=meeting, minutes="The board met.", attendees=[board_member], by=plan_manager)
    meetings.decision_add(meeting=meeting, text="Audit caseloads.", actions=[action], by=plan_manager)
    meetings.challenge_raise(action=action, text="Show the impact.", meeting=meeting, by=board_member)
    meetings.challenge_raise(action=action, text="Not at this meeting.", by=board_member)
    client.force_login(lead)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Bola Board (NHS trust)" in page
    assert "The board met." in page
    assert "Audit caseloads." in page and "action 3.6" in page
    assert "Show the impact." in page and "Not at this meeting." not in page
    # The lead may respond, not close; nor manage the meeting.
    assert "Respond" in page and "Close the challenge" not in page
    assert "Mark done" not in page and "Record a decision" not in page


def test_a_plan_manager_edits_the_meeting_and_records_and_completes_decisions(
    client, meeting, action, board_member, plan_manager
):
    client.force_login(plan_manager)
    slug = meeting.board.plan.slug
    response = client.post(
        reverse("governance:meeting_update", args=[slug, meeting.pk]),
        {"status": "held", "minutes": "Minuted.", "attendees": [board_member.pk]},
    )
    assert response.status_code == 302
    meeting = fresh(meeting)
    assert meeting.status == "held" and list(meeting.attendees.all()) == [board_member]
    response = client.post(
        reverse("governance:decision_add", args=[slug, meeting.pk]),
        {"text": "Audit caseloads.", "due": "31/12/2019", "actions": [action.pk], "recommendations": []},
    )
    assert response.status_code == 302
    decision = Decision.objects.get(meeting=meeting)
    assert list(decision.actions.all()) == [action]
    url = reverse("governance:decision_set_status", args=[slug, decision.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"status": "done"}).status_code == 302
    assert fresh(decision).status == Decision.Status.DONE


def test_a_board_member_cannot_record_decisions_or_edit_meetings(client, meeting, board_member, plan_manager):
    decision = meetings.decision_add(meeting=meeting, text="Audit.", by=plan_manager)
    client.force_login(board_member)
    slug = meeting.board.plan.slug
    assert client.post(reverse("governance:decision_add", args=[slug, meeting.pk]), {"text": "x"}).status_code == 403
    assert (
        client.post(reverse("governance:decision_set_status", args=[slug, decision.pk]), {"status": "done"}).status_code
        == 403
    )
    assert (
        client.post(reverse("governance:meeting_update", args=[slug, meeting.pk]), {"status": "held"}).status_code
        == 403
    )
    assert fresh(meeting).status == Meeting.Status.PLANNED


def test_outsiders_get_404_for_meetings_and_decisions(client, meeting, outsider, plan_manager):
    decision = meetings.decision_add(meeting=meeting, text="Audit.", by=plan_manager)
    client.force_login(outsider)
    slug = meeting.board.plan.slug
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert (
        client.post(reverse("governance:decision_set_status", args=[slug, decision.pk]), {"status": "done"}).status_code
        == 404
    )


# Challenges through the pages --------------------------------------------------------------


def challenge_urls(challenge):
    slug = challenge.action.plan.slug
    return (
        reverse("governance:challenge_respond", args=[slug, challenge.pk]),
        reverse("governance:challenge_close", args=[slug, challenge.pk]),
    )


def test_board_member_raises_lead_responds_board_member_closes(client, action, meeting, board_member, lead):
    slug = action.plan.slug
    client.force_login(board_member)
    raise_url = reverse("governance:challenge_raise", args=[slug, action.pk])
    page = client.get(raise_url).content.decode()
    assert "Raise a challenge" in page
    response = client.post(raise_url, {"text": "Evidence does not show impact on caseloads.", "meeting": meeting.pk})
    assert response.status_code == 302 and response.url.endswith("#challenges")
    challenge = Challenge.objects.get(action=action)
    assert (challenge.raised_by, challenge.meeting) == (board_member, meeting)

    client.force_login(lead)
    respond_url, close_url = challenge_urls(challenge)
    assert "Evidence does not show impact" in client.get(respond_url).content.decode()
    response = client.post(respond_url, {"response": "The audit shows a fall.", "version": challenge.version})
    assert response.status_code == 302
    challenge = fresh(challenge)
    assert challenge.status == Challenge.Status.RESPONDED
    assert client.post(close_url, {"version": challenge.version}).status_code == 403  # the board closes it

    client.force_login(board_member)
    response = client.post(close_url, {"version": challenge.version, "next": meeting.get_absolute_url()})
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    assert fresh(challenge).status == Challenge.Status.CLOSED


def test_a_lead_of_another_action_cannot_respond(client, action, board_member, other_lead):
    challenge = meetings.challenge_raise(action=action, text="Why?", by=board_member)
    respond_url, _ = challenge_urls(challenge)
    client.force_login(other_lead)
    assert client.get(respond_url).status_code == 403
    assert client.post(respond_url, {"response": "Not mine", "version": 1}).status_code == 403
    assert fresh(challenge).response == ""


def test_outsiders_get_404_for_challenges(client, action, board_member, outsider):
    challenge = meetings.challenge_raise(action=action, text="Why?", by=board_member)
    respond_url, close_url = challenge_urls(challenge)
    client.force_login(outsider)
    assert client.get(reverse("governance:challenge_raise", args=[action.plan.slug, action.pk])).status_code == 404
    assert client.get(respond_url).status_code == 404
    assert client.post(close_url, {"version": 1}).status_code == 404


def test_leads_cannot_raise_challenges_and_closing_needs_post(client, action, lead, board_member):
    client.force_login(lead)
    url = reverse("governance:challenge_raise", args=[action.plan.slug, action.pk])
    assert client.post(url, {"text": "Self-challenge"}).status_code == 403
    challenge = meetings.challenge_raise(action=action, text="Why?", by=board_member)
    client.force_login(board_member)
    assert client.get(challenge_urls(challenge)[1]).status_code == 405


def test_closing_from_a_stale_page_says_so_and_changes_nothing(client, action, board_member, lead):
    challenge = meetings.challenge_raise(action=action, text="Why?", by=board_member)
    meetings.challenge_respond(challenge=challenge, response="Because.", by=lead, expected_version=1)
    client.force_login(board_member)
    response = client.post(challenge_urls(challenge)[1], {"version": 1}, follow=True)
    assert "Someone changed this challenge" in response.content.decode()
    assert fresh(challenge).status == Challenge.Status.RESPONDED


def test_a_redirect_after_closing_never_leaves_the_site(client, action, board_member):
    challenge = meetings.challenge_raise(action=action, text="Why?", by=board_member)
    client.force_login(board_member)
    response = client.post(challenge_urls(challenge)[1], {"version": 1, "next": "https://evil.example/"})
    assert response.url == action.get_absolute_url() + "#challenges"


def test_the_challenges_include_shows_each_viewer_the_buttons_they_may_use(
    rf, action, board_member, lead, plan_manager
):
    from django.template.loader import render_to_string

    meetings.challenge_raise(action=action, text="Why?", by=board_member)

    def rendered(user):
        request = rf.get(action.get_absolute_url())
        request.user = user
        context = {
            "challenges": meetings.action_challenges(action),
            "action": action,
            "plan": action.plan,
            "user": user,
        }
        return render_to_string("governance/includes/challenges.html", context, request=request)

    as_board, as_lead, as_manager = rendered(board_member), rendered(lead), rendered(plan_manager)
    assert "Close the challenge" in as_board and ">Respond<" not in as_board and "Raise a challenge" in as_board
    assert ">Respond<" in as_lead and "Close the challenge" not in as_lead and "Raise a challenge" not in as_lead
    assert all(
        text in as_manager for text in (">Respond<", "Close the challenge", "Raise a challenge", "Remind the leads")
    )
    assert "Remind the leads" not in as_board and "Remind the leads" not in as_lead


# Query counts ------------------------------------------------------------------------------


def _busy_board(slug: str, size: int, manager):
    """A plan of `size` actions whose board met monthly for two years, a challenge on every fifth action."""
    plan = build_plan(slug, size)
    Membership.objects.create(user=manager, plan=plan, kind=Membership.Kind.PLAN_MANAGER)
    members = [UserFactory(username=f"{slug}-member-{i}") for i in range(size // 50 + 2)]
    Membership.objects.bulk_create(
        Membership(user=user, plan=plan, kind=Membership.Kind.BOARD_MEMBER, organisation="NHS") for user in members
    )
    board = Board.objects.create(plan=plan, name="Improvement Board", chair_role=plan.roles.first())
    days = [dt.date(2018 + (9 + i) // 12, (9 + i) % 12 + 1, 10) for i in range(24)]
    meetings_made = Meeting.objects.bulk_create(
        Meeting(board=board, date=day, period=day.replace(day=1), cutoff=day - dt.timedelta(days=7)) for day in days
    )
    last = meetings_made[-1]
    last.attendees.set(members)
    actions = list(plan.actions.order_by("order"))
    now = timezone.now()
    Challenge.objects.bulk_create(
        Challenge(action=a, meeting=last, text=f"Challenge {i}", raised_by=members[0], raised_at=now)
        for i, a in enumerate(actions[::5])
    )
    for i in range(size // 50 + 1):
        decision = Decision.objects.create(meeting=last, text=f"Decision {i}", owner_role=plan.roles.first())
        decision.actions.set(actions[i::50][:5])
        decision.recommendations.set(plan.recommendations.all()[:2])
    return plan, board, last


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("page", ["board", "meeting"])
def test_board_and_meeting_pages_make_the_same_queries_for_a_small_and_a_large_plan(client, db, page):
    manager = UserFactory(username="busy-manager")
    counts = {}
    for name, size in (("small", 10), ("large", 500)):
        plan, board, last = _busy_board(f"busy-{name}", size, manager)
        client.force_login(manager)
        url = board.get_absolute_url() if page == "board" else last.get_absolute_url()
        counts[name] = _count(client, url)
    print(f"{page}: {counts}")
    assert counts["small"] == counts["large"]
    assert counts["large"] <= 20
