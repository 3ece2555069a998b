"""Update reminders: `manage.py send_update_reminders` and the plan manager's 'remind' on one action."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from governance import meetings
from governance.models import Board, Meeting, ReminderLog
from plans.models import RoleHolder
from tests.conftest import LEAD_ROLE
from tests.factories import UserFactory
from tests.governance import PERIOD, action_of, submit

LONDON = ZoneInfo("Europe/London")
MEETING_DAY = dt.date(2019, 11, 12)
CUTOFF = dt.date(2019, 11, 5)  # reviewing October 2019
LEAD_ACTIONS = ["2.6", "3.6", "4.2", "6.1"]  # what the `lead` fixture's role leads


def at(day: dt.date, hour: int = 9):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON), tick=False)


def days_before_cutoff(n: int) -> dt.date:
    return CUTOFF - dt.timedelta(days=n)


@pytest.fixture
def meeting(seed_plan, plan_manager) -> Meeting:
    call_command("loaddata", "seed_board", verbosity=0)
    board = Board.objects.get(plan=seed_plan)
    with at(dt.date(2019, 10, 1)):
        return meetings.meeting_create(board=board, date=MEETING_DAY, cutoff=CUTOFF, by=plan_manager)


def run(**options) -> str:
    out = io.StringIO()
    call_command("send_update_reminders", stdout=out, **options)
    return out.getvalue()


def listed(email) -> list[str]:
    return [
        line.split(":")[0].removeprefix("- Action ") for line in email.body.splitlines() if line.startswith("- Action ")
    ]


def test_each_lead_gets_one_email_listing_their_actions_without_an_update(meeting, lead, other_lead, mailoutbox):
    with at(dt.date(2019, 10, 20)):
        submit(action_of(meeting.board.plan, "3.6"), lead)
    with at(days_before_cutoff(5)):
        output = run(days_before=5)
    assert sorted(m.to[0] for m in mailoutbox) == [lead.email, other_lead.email]
    to_lead = next(m for m in mailoutbox if m.to == [lead.email])
    assert listed(to_lead) == ["2.6", "4.2", "6.1"]
    assert "October 2019 update" in to_lead.subject and "5 November 2019" in to_lead.subject
    assert "Updates after 5 November 2019 miss the board's papers." in to_lead.body
    assert listed(next(m for m in mailoutbox if m.to == [other_lead.email])) == ["5.9"]
    logs = ReminderLog.objects.filter(action__isnull=True)
    assert {(log.user, log.period, log.sent_on) for log in logs} == {
        (lead, PERIOD, days_before_cutoff(5)),
        (other_lead, PERIOD, days_before_cutoff(5)),
    }
    assert logs.get(user=lead).actions_listed == ["2.6", "4.2", "6.1"]
    assert "Sent to Lee Lead" in output and "2 reminders sent." in output


def test_a_second_run_the_same_day_sends_nothing_and_says_so(meeting, lead, other_lead, mailoutbox):
    with at(days_before_cutoff(3)):
        run(days_before=5)
    with at(days_before_cutoff(3), hour=17):
        output = run(days_before=5)
    assert len(mailoutbox) == 2
    assert "reminded today already" in output and "0 reminders sent." in output
    assert ReminderLog.objects.count() == 2


def test_the_next_day_sends_again(meeting, lead, other_lead, mailoutbox):
    with at(days_before_cutoff(3)):
        run(days_before=5)
    with at(days_before_cutoff(2)):
        run(days_before=5)
    assert len(mailoutbox) == 4
    assert ReminderLog.objects.filter(user=lead).count() == 2


def test_the_cut_off_day_itself_still_sends(meeting, lead, mailoutbox):
    with at(CUTOFF):
        run(days_before=5)
    assert [m.to for m in mailoutbox] == [[lead.email]]


def test_leads_with_every_update_in_get_nothing(meeting, lead, other_lead, mailoutbox):
    with at(dt.date(2019, 10, 20)):
        for reference in LEAD_ACTIONS:
            submit(action_of(meeting.board.plan, reference), lead)
    with at(days_before_cutoff(1)):
        run(days_before=5)
    assert [m.to for m in mailoutbox] == [[other_lead.email]]


@pytest.mark.parametrize("day", [days_before_cutoff(6), CUTOFF + dt.timedelta(days=1)])
def test_nothing_is_sent_before_the_window_or_after_the_cut_off(meeting, lead, mailoutbox, day):
    with at(day):
        output = run(days_before=5)
    assert mailoutbox == []
    assert "not within the 5 days" in output
    assert not ReminderLog.objects.exists()


def test_the_days_before_default_comes_from_settings(meeting, lead, mailoutbox, settings):
    settings.REMINDER_DAYS_BEFORE = 2
    with at(days_before_cutoff(3)):
        run()
    assert mailoutbox == []
    with at(days_before_cutoff(2)):
        run()
    assert len(mailoutbox) == 1


def test_only_the_next_planned_meeting_counts(meeting, lead, mailoutbox, plan_manager):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PAPERS_ISSUED)
    with at(days_before_cutoff(1)):
        output = run(days_before=5)
    assert mailoutbox == []
    assert "No plan has a meeting planned" in output
    with at(days_before_cutoff(1)):
        output = run(days_before=5, plan=meeting.board.plan.slug)
    assert "no meeting is planned" in output


def test_an_unknown_plan_is_an_error(meeting):
    with pytest.raises(CommandError):
        run(plan="no-such-plan")


def test_former_holders_of_a_role_are_not_reminded(meeting, lead, mailoutbox):
    RoleHolder.objects.filter(user=lead).update(until=dt.date(2019, 10, 1))
    with at(days_before_cutoff(1)):
        run(days_before=5)
    assert mailoutbox == []


def test_a_lead_without_an_email_address_is_reported_not_emailed(meeting, seed_plan, mailoutbox):
    nameless = UserFactory(username="noemail", email="", first_name="Nia", last_name="Noemail")
    RoleHolder.objects.create(user=nameless, role=seed_plan.roles.get(title=LEAD_ROLE))
    with at(days_before_cutoff(1)):
        output = run(days_before=5)
    assert mailoutbox == []
    assert "Nia Noemail: no email address" in output


def test_links_in_the_email_use_the_site_url(meeting, lead, mailoutbox):
    with at(days_before_cutoff(1)):
        run(days_before=5, site_url="https://tracker.example.gov.uk/")
    action = action_of(meeting.board.plan, "2.6")
    expected = "https://tracker.example.gov.uk" + reverse(
        "governance:update_submit", args=[action.plan.slug, action.pk]
    )
    assert expected in mailoutbox[0].body


def test_the_service_says_what_it_did(meeting, lead):
    with at(days_before_cutoff(1)):
        (first,) = meetings.reminders_send(days_before=5, today=days_before_cutoff(1))
        (second,) = meetings.reminders_send(days_before=5, today=days_before_cutoff(1))
    assert first.meeting == meeting and first.period == PERIOD
    assert [user for user, _ in first.sent] == [lead]
    assert (second.sent, second.already) == ([], [lead])


# The 'remind' button on an action ----------------------------------------------------------


def remind_url(action):
    return reverse("governance:action_remind", args=[action.plan.slug, action.pk])


def test_a_plan_manager_reminds_an_actions_leads_once_a_day(client, meeting, plan_manager, lead, mailoutbox):
    action = action_of(meeting.board.plan, "3.6")
    client.force_login(plan_manager)
    with at(dt.date(2019, 10, 15)):
        response = client.post(remind_url(action), follow=True)
        assert "Reminder about the October 2019 update sent to Lee Lead" in response.content.decode()
        again = client.post(remind_url(action), follow=True)
        assert "reminded about this action today already" in again.content.decode()
    assert [m.to for m in mailoutbox] == [[lead.email]]
    assert listed(mailoutbox[0]) == ["3.6"]
    assert "Mina Manager asks for" in mailoutbox[0].body
    log = ReminderLog.objects.get()
    assert (log.user, log.action, log.sent_by, log.period) == (lead, action, plan_manager, PERIOD)
    with at(dt.date(2019, 10, 16)):
        client.post(remind_url(action))
    assert len(mailoutbox) == 2


def test_the_button_and_the_daily_run_are_separate_reminders(client, meeting, plan_manager, lead, mailoutbox):
    client.force_login(plan_manager)
    with at(days_before_cutoff(1)):
        client.post(remind_url(action_of(meeting.board.plan, "3.6")))
        run(days_before=5)
    assert len(mailoutbox) == 2


def test_an_action_with_its_update_in_is_not_reminded(client, meeting, plan_manager, lead, mailoutbox):
    action = action_of(meeting.board.plan, "3.6")
    with at(dt.date(2019, 10, 15)):
        submit(action, lead)
        client.force_login(plan_manager)
        response = client.post(remind_url(action), follow=True)
    assert "has its October 2019 update already" in response.content.decode()
    assert mailoutbox == []


def test_without_a_planned_meeting_the_button_asks_for_this_months_update(
    client, seed_plan, plan_manager, lead, mailoutbox
):
    client.force_login(plan_manager)
    with at(dt.date(2019, 12, 3)):
        client.post(remind_url(action_of(seed_plan, "3.6")))
    assert ReminderLog.objects.get().period == dt.date(2019, 12, 1)
    assert "December 2019 update" in mailoutbox[0].subject


def test_an_action_nobody_leads_cannot_be_reminded(client, seed_plan, plan_manager, mailoutbox):
    client.force_login(plan_manager)
    response = client.post(remind_url(action_of(seed_plan, "3.6")), follow=True)
    assert "there is no one to remind" in response.content.decode()
    assert mailoutbox == []


def test_only_a_plan_manager_may_remind(client, meeting, board_member, lead, outsider, mailoutbox):
    url = remind_url(action_of(meeting.board.plan, "3.6"))
    client.force_login(board_member)
    assert client.post(url).status_code == 403
    client.force_login(lead)
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    assert mailoutbox == []
    assert not ReminderLog.objects.exists()


def test_an_email_that_cannot_be_sent_is_not_logged_so_the_next_run_retries_it(meeting, lead, mailoutbox, monkeypatch):
    from smtplib import SMTPException

    def broken(**kwargs):
        raise SMTPException("mail server down")

    monkeypatch.setattr("governance.meetings.send_mail", broken)
    with at(days_before_cutoff(1)), pytest.raises(CommandError):
        run(days_before=5)
    assert not ReminderLog.objects.exists()
    monkeypatch.undo()
    with at(days_before_cutoff(1), hour=10):
        run(days_before=5)
    assert [m.to for m in mailoutbox] == [[lead.email]]
