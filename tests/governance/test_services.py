"""Monthly updates, evidence, the action lifecycle and period locks, through governance.services."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from governance import services
from governance.models import ActionUpdate, Evidence, PeriodLock, Rag
from governance.timeline import action_evidence, action_timeline
from plans.concurrency import EditConflict
from plans.models import Action, Plan
from tests.factories import ActionFactory
from tests.governance import (
    LAST_PERIOD,
    NOW,
    PDF,
    PERIOD,
    TODAY,
    action_of,
    add_file,
    add_link,
    submit,
    upload,
)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def action(seed_plan) -> Action:
    """3.6, led by the `lead` fixture's role, due April 2019."""
    return action_of(seed_plan, "3.6")


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# Periods ---------------------------------------------------------------------------------


def test_the_current_period_is_the_first_day_of_todays_month():
    assert services.current_period() == dt.date(2019, 10, 1)
    assert services.current_period(dt.date(2020, 2, 29)) == dt.date(2020, 2, 1)


def test_previous_status_is_the_latest_update_before_the_period(action, lead):
    submit(action, lead, period=dt.date(2019, 7, 1), status=Rag.RED)
    submit(action, lead, period=dt.date(2019, 8, 1), status=Rag.AMBER, reason="Recovery plan agreed.")
    submit(action, lead, period=PERIOD, status=Rag.GREEN, reason="Back on track.")
    assert services.previous_status(action=action, period=PERIOD) == Rag.AMBER
    assert services.previous_status(action=action, period=dt.date(2019, 8, 1)) == Rag.RED
    assert services.previous_status(action=action, period=dt.date(2019, 7, 1)) is None


# Submitting and revising updates -------------------------------------------------------------


def test_an_update_records_status_narrative_next_steps_risks_who_and_when(action, lead):
    update = submit(
        action,
        lead,
        status=Rag.AMBER,
        narrative="Audits started.",
        next_steps="Finish the audits.",
        risks="Two auditors are on leave.",
    )
    update = fresh(update)
    assert (update.action, update.period, update.status) == (action, PERIOD, "amber")
    assert (update.narrative, update.next_steps, update.risks) == (
        "Audits started.",
        "Finish the audits.",
        "Two auditors are on leave.",
    )
    assert update.submitted_by == lead
    assert abs(update.submitted_at - NOW) < dt.timedelta(seconds=5)
    assert update.version == 1
    [record] = update.history.all()
    assert (record.history_type, record.history_user, record.status) == ("+", lead, "amber")


def test_any_day_of_the_month_files_the_update_under_the_month(action, lead):
    update = submit(action, lead, period=dt.date(2019, 10, 31))
    assert update.period == PERIOD


def test_resubmitting_in_the_period_revises_the_update_and_keeps_every_revision(action, lead, plan_manager):
    submit(action, lead, narrative="First draft.")
    submit(action, lead, narrative="Second draft.", risks="Staffing.")
    update = submit(action, plan_manager, narrative="Corrected by the plan manager.")

    assert ActionUpdate.objects.filter(action=action).count() == 1
    update = fresh(update)
    assert (update.narrative, update.risks, update.submitted_by, update.version) == (
        "Corrected by the plan manager.",
        "",
        plan_manager,
        3,
    )
    records = list(update.history.order_by("history_date", "history_id"))
    assert [r.narrative for r in records] == ["First draft.", "Second draft.", "Corrected by the plan manager."]
    assert [r.history_type for r in records] == ["+", "~", "~"]
    assert [r.history_user for r in records] == [lead, lead, plan_manager]
    assert records[1].history_change_reason == "Revised"
    assert records[1].risks == "Staffing."


def test_each_period_has_its_own_update(action, lead):
    submit(action, lead, period=LAST_PERIOD)
    submit(action, lead, period=PERIOD)
    assert list(ActionUpdate.objects.filter(action=action).values_list("period", flat=True)) == [PERIOD, LAST_PERIOD]


def test_a_change_of_status_from_last_period_needs_a_reason(action, lead):
    submit(action, lead, period=LAST_PERIOD, status=Rag.GREEN)
    with pytest.raises(ValidationError) as error:
        submit(action, lead, status=Rag.AMBER)
    assert error.value.message_dict == {
        "reason": ["Say why the status changed from Green to Amber since the last update."]
    }
    assert not ActionUpdate.objects.filter(action=action, period=PERIOD).exists()


def test_a_reason_of_only_spaces_is_no_reason(action, lead):
    submit(action, lead, period=LAST_PERIOD, status=Rag.GREEN)
    with pytest.raises(ValidationError) as error:
        submit(action, lead, status=Rag.RED, reason="   \n ")
    assert list(error.value.message_dict) == ["reason"]


def test_a_change_of_status_with_a_reason_is_saved_with_it(action, lead):
    submit(action, lead, period=LAST_PERIOD, status=Rag.GREEN)
    update = submit(action, lead, status=Rag.RED, reason="The provider withdrew.")
    assert (fresh(update).status, fresh(update).reason) == ("red", "The provider withdrew.")


def test_the_same_status_as_last_period_and_a_first_update_need_no_reason(action, lead):
    first = submit(action, lead, period=LAST_PERIOD, status=Rag.AMBER)
    second = submit(action, lead, status=Rag.AMBER)
    assert (first.reason, second.reason) == ("", "")


def test_revising_within_the_period_still_compares_with_last_period(action, lead):
    submit(action, lead, period=LAST_PERIOD, status=Rag.GREEN)
    submit(action, lead, status=Rag.GREEN)
    with pytest.raises(ValidationError) as error:
        submit(action, lead, status=Rag.AMBER)
    assert list(error.value.message_dict) == ["reason"]
    assert fresh(ActionUpdate.objects.get(action=action, period=PERIOD)).status == "green"


def test_blue_without_evidence_is_refused_and_nothing_changes(action, lead):
    with pytest.raises(ValidationError) as error:
        submit(action, lead, status=Rag.BLUE)
    assert error.value.message_dict == {
        "status": ["Blue means complete and evidenced: add at least one piece of evidence."]
    }
    assert not ActionUpdate.objects.filter(action=action).exists()
    assert fresh(action).state == Action.State.OPEN


def test_blue_with_evidence_on_the_action_proposes_completion(action, lead):
    add_link(action, lead)
    update = submit(action, lead, status=Rag.BLUE)
    action = fresh(action)
    assert update.status == "blue"
    assert action.state == Action.State.PROPOSED_COMPLETE
    latest = action.history.latest()
    assert (latest.state, latest.history_user, latest.history_change_reason) == (
        "proposed_complete",
        lead,
        "Blue update: proposed complete",
    )


def test_blue_with_evidence_sent_with_the_update_saves_both(action, lead):
    item = services.evidence_build_file(
        action=action, period=PERIOD, title="Audit report", evidence_date=TODAY, upload=upload("a.pdf", PDF), by=lead
    )
    update = submit(action, lead, status=Rag.BLUE, new_evidence=[item])
    [saved] = Evidence.objects.filter(action=action)
    assert saved.update == update
    assert saved.title == "Audit report"
    assert fresh(action).state == Action.State.PROPOSED_COMPLETE


def test_withdrawn_evidence_does_not_count_for_blue(action, lead):
    item = add_link(action, lead)
    services.evidence_withdraw(evidence=item, by=lead, reason="Wrong report.", expected_version=item.version)
    with pytest.raises(ValidationError) as error:
        submit(action, lead, status=Rag.BLUE)
    assert list(error.value.message_dict) == ["status"]


def test_a_later_non_blue_update_reopens_a_proposed_completion(action, lead):
    add_link(action, lead)
    submit(action, lead, status=Rag.BLUE)
    submit(action, lead, status=Rag.AMBER)  # revising October: September had no update, so no reason needed
    assert fresh(action).state == Action.State.OPEN


def test_a_stale_revision_is_refused_and_nothing_is_lost(action, lead, plan_manager):
    first = submit(action, lead, narrative="Lead's words.")
    submit(action, plan_manager, narrative="Manager's words.", expected_version=first.version)
    with pytest.raises(EditConflict) as conflict:
        submit(action, lead, narrative="Lead's second try.", expected_version=first.version)

    update = ActionUpdate.objects.get(action=action, period=PERIOD)
    assert (update.narrative, update.version, update.submitted_by) == ("Manager's words.", 2, plan_manager)
    assert update.history.count() == 2
    assert conflict.value.current.narrative == "Manager's words."
    assert conflict.value.changes["Progress"] == ("Manager's words.", "Lead's second try.")
    assert "Progress: now “Manager's words.”; yours “Lead's second try.”" in conflict.value.describe()


def test_a_closed_or_withdrawn_action_takes_no_updates(action, lead, plan_manager):
    services.action_withdraw(action=action, by=plan_manager, reason="Merged into 3.7.", expected_version=action.version)
    with pytest.raises(ValidationError) as error:
        submit(action, lead)
    assert error.value.messages == ["Action 3.6 is withdrawn: it takes no updates."]


# Period locks -------------------------------------------------------------------------------


def test_a_locked_period_refuses_new_updates(action, lead, plan_manager, seed_plan):
    services.period_lock(plan=seed_plan, period=PERIOD, by=plan_manager)
    with pytest.raises(ValidationError) as error:
        submit(action, lead)
    assert error.value.messages == ["Updates for October 2019 are locked: the board's papers are issued."]
    assert not ActionUpdate.objects.exists()


def test_a_locked_update_cannot_be_revised(action, lead, plan_manager, seed_plan):
    update = submit(action, lead, narrative="As issued to the board.")
    services.period_lock(plan=seed_plan, period=dt.date(2019, 10, 20), by=plan_manager, reason="Papers issued")
    assert fresh(update).is_locked()
    with pytest.raises(ValidationError):
        submit(action, lead, narrative="Changed afterwards.", expected_version=update.version)
    update = fresh(update)
    assert (update.narrative, update.version, update.history.count()) == ("As issued to the board.", 1, 1)


def test_a_lock_covers_only_its_own_period_and_plan(action, lead, plan_manager, seed_plan):
    services.period_lock(plan=seed_plan, period=LAST_PERIOD, by=plan_manager)
    other = ActionFactory()
    services.period_lock(plan=other.plan, period=PERIOD, by=plan_manager)
    assert submit(action, lead).period == PERIOD
    with pytest.raises(ValidationError):
        submit(action, lead, period=LAST_PERIOD)


def test_locking_a_period_twice_keeps_the_first_lock(seed_plan, plan_manager, lead):
    first = services.period_lock(plan=seed_plan, period=PERIOD, by=plan_manager, reason="Papers issued")
    second = services.period_lock(plan=seed_plan, period=dt.date(2019, 10, 9), by=lead, reason="Again")
    assert first.pk == second.pk
    assert PeriodLock.objects.get().locked_by == plan_manager
    assert PeriodLock.objects.get().period == PERIOD


def test_a_locked_period_refuses_new_evidence_and_withdrawals(action, lead, plan_manager, seed_plan):
    item = add_link(action, lead)
    services.period_lock(plan=seed_plan, period=PERIOD, by=plan_manager)
    with pytest.raises(ValidationError) as error:
        add_link(action, lead, title="Late addition")
    assert error.value.messages == ["October 2019 is locked: evidence can no longer be added to it."]
    with pytest.raises(ValidationError) as error:
        services.evidence_withdraw(evidence=item, by=lead, reason="Wrong file.", expected_version=item.version)
    assert error.value.messages == ["October 2019 is locked: its evidence can no longer be withdrawn."]
    item = fresh(item)
    assert (item.withdrawn_at, item.version) == (None, 1)
    assert Evidence.objects.count() == 1


# Evidence -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/report.pdf", "data:text/html,<script>", "file:///etc/passwd",
     "//example.org/report", "example.org/report", "mailto:someone@example.org"],
)  # fmt: skip
def test_a_link_must_be_http_or_https(action, lead, url):
    with pytest.raises(ValidationError) as error:
        add_link(action, lead, url=url)
    assert error.value.message_dict == {"url": ["Enter a link that starts with http:// or https://"]}
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("url", ["http://intranet.example.org/audit", "HTTPS://example.org/Audit?x=1"])
def test_http_and_https_links_are_kept(action, lead, url):
    item = fresh(add_link(action, lead, url=url))
    assert (item.kind, item.url, item.title) == ("link", url, "Audit report")
    assert (item.evidence_date, item.period, item.added_by) == (TODAY, PERIOD, lead)
    assert item.get_absolute_url() == url


def test_the_uploader_withdraws_evidence_with_a_reason_and_it_stays_in_the_history(action, lead, media_root):
    item = add_file(action, lead, upload("report.pdf", PDF))
    path = media_root / item.file.name
    services.evidence_withdraw(evidence=item, by=lead, reason="Superseded by the May audit.", expected_version=1)

    assert not action.evidence.current().exists()
    item = fresh(item)
    assert (item.withdrawn_by, item.withdrawn_reason, item.version) == (lead, "Superseded by the May audit.", 2)
    assert item.withdrawn_at is not None
    records = list(item.history.order_by("history_date", "history_id"))
    assert [r.withdrawn_reason for r in records] == ["", "Superseded by the May audit."]
    assert records[-1].history_change_reason == "Withdrawn"
    assert path.read_bytes() == PDF  # the file is kept


def test_withdrawing_needs_a_reason_and_happens_once(action, lead):
    item = add_link(action, lead)
    with pytest.raises(ValidationError) as error:
        services.evidence_withdraw(evidence=item, by=lead, reason=" ", expected_version=1)
    assert error.value.message_dict == {"reason": ["Say why the evidence is withdrawn."]}
    services.evidence_withdraw(evidence=item, by=lead, reason="Wrong link.", expected_version=1)
    with pytest.raises(ValidationError) as error:
        services.evidence_withdraw(evidence=fresh(item), by=lead, reason="Again.", expected_version=2)
    assert error.value.messages == ["This evidence was withdrawn already."]


def test_a_withdrawal_based_on_a_stale_version_is_refused(action, lead, plan_manager):
    item = add_link(action, lead)
    stale = fresh(item)
    services.evidence_withdraw(evidence=item, by=plan_manager, reason="Duplicate.", expected_version=1)
    with pytest.raises(EditConflict):
        services.evidence_withdraw(evidence=stale, by=lead, reason="Mine.", expected_version=1)
    item = fresh(item)
    assert (item.withdrawn_by, item.withdrawn_reason) == (plan_manager, "Duplicate.")


def test_who_may_withdraw_evidence(action, lead, other_lead, plan_manager, board_member, seed_plan):
    from tests.conftest import LEAD_ROLE, holding
    from tests.factories import UserFactory

    colleague = holding(UserFactory(username="colleague"), seed_plan, LEAD_ROLE)  # leads 3.6 too
    item = add_link(action, lead)
    allowed = {
        user.username: user.has_perm("plans.withdraw_evidence", item)
        for user in [lead, plan_manager, colleague, other_lead, board_member]
    }
    assert allowed == {"lee": True, "mina": True, "colleague": False, "pat": False, "bola": False}


# The action lifecycle -------------------------------------------------------------------------


def proposed_complete(action, lead) -> Action:
    add_link(action, lead)
    submit(action, lead, status=Rag.BLUE)
    return fresh(action)


def test_a_plan_manager_closes_a_proposed_completion_recording_who_and_on_whose_authority(action, lead, plan_manager):
    action = proposed_complete(action, lead)
    services.action_close(
        action=action,
        by=plan_manager,
        authority="Agreed at the board of 14 November 2019",
        expected_version=action.version,
    )
    action = fresh(action)
    assert action.state == Action.State.CLOSED
    assert (action.closed_by, action.closure_authority) == (plan_manager, "Agreed at the board of 14 November 2019")
    assert abs(action.closed_at - NOW) < dt.timedelta(seconds=5)
    latest = action.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        plan_manager,
        "Closed: Agreed at the board of 14 November 2019",
    )


def test_only_a_proposed_completion_can_be_closed(action, plan_manager):
    with pytest.raises(ValidationError) as error:
        services.action_close(action=action, by=plan_manager, authority="Board", expected_version=action.version)
    assert error.value.messages == ["Only an action proposed complete (by a Blue update) can be signed off."]
    assert fresh(action).state == Action.State.OPEN


def test_closing_needs_an_authority(action, lead, plan_manager):
    action = proposed_complete(action, lead)
    with pytest.raises(ValidationError) as error:
        services.action_close(action=action, by=plan_manager, authority="  ", expected_version=action.version)
    assert error.value.message_dict == {"closure_authority": ["Say on whose authority it is closed."]}
    assert fresh(action).state == Action.State.PROPOSED_COMPLETE


def test_closed_and_withdrawn_actions_leave_the_working_lists_but_stay_in_the_plan_and_counts(
    seed_plan, lead, plan_manager
):
    closed = proposed_complete(action_of(seed_plan, "3.6"), lead)
    services.action_close(action=closed, by=plan_manager, authority="Board", expected_version=closed.version)
    withdrawn = action_of(seed_plan, "4.2")
    services.action_withdraw(action=withdrawn, by=plan_manager, reason="No longer needed.", expected_version=1)

    working = set(Action.objects.held_by(lead).working().values_list("reference", flat=True))
    assert working == {"2.6", "6.1"}
    assert set(Action.objects.held_by(lead).values_list("reference", flat=True)) == {"2.6", "3.6", "4.2", "6.1"}
    assert Plan.objects.with_counts().get(pk=seed_plan.pk).action_count == 35
    assert ActionUpdate.objects.filter(action=closed).count() == 1
    assert [r.state for r in fresh(closed).history.order_by("history_date", "history_id")] == [
        "open",
        "proposed_complete",
        "closed",
    ]


def test_withdrawing_an_action_needs_a_reason(action, plan_manager):
    with pytest.raises(ValidationError) as error:
        services.action_withdraw(action=action, by=plan_manager, reason="", expected_version=1)
    assert error.value.message_dict == {"state_reason": ["Say why."]}


def test_an_action_superseded_by_another_keeps_the_link_and_the_reason(seed_plan, action, plan_manager):
    successor = action_of(seed_plan, "3.7")
    services.action_withdraw(
        action=action, by=plan_manager, reason="Folded into 3.7.", superseded_by=successor, expected_version=1
    )
    action = fresh(action)
    assert (action.state, action.superseded_by, action.state_reason) == ("superseded", successor, "Folded into 3.7.")
    assert action.history.latest().history_change_reason == "Superseded: Folded into 3.7."


def test_an_action_cannot_be_superseded_by_itself_or_by_another_plans_action(action, plan_manager):
    for successor in [action, ActionFactory()]:
        with pytest.raises(ValidationError) as error:
            services.action_withdraw(
                action=fresh(action), by=plan_manager, reason="Moved.", superseded_by=successor, expected_version=1
            )
        assert error.value.message_dict == {"superseded_by": ["Choose another action of this plan."]}
    assert fresh(action).state == Action.State.OPEN


def test_a_closed_action_cannot_be_withdrawn(action, lead, plan_manager):
    action = proposed_complete(action, lead)
    services.action_close(action=action, by=plan_manager, authority="Board", expected_version=action.version)
    with pytest.raises(ValidationError) as error:
        services.action_withdraw(action=fresh(action), by=plan_manager, reason="Oops.", expected_version=3)
    assert error.value.messages == ["Action 3.6 is closed already."]


def test_moving_the_due_date_later_keeps_the_original_and_shows_slipped(action, plan_manager):
    services.action_edit(action=action, by=plan_manager, expected_version=1, due_text="December 2019")
    action = fresh(action)
    assert (action.due_text, action.due_date) == ("December 2019", dt.date(2019, 12, 31))
    assert (action.original_due_text, action.original_due_date) == ("April 2019", dt.date(2019, 4, 30))
    assert action.has_slipped
    assert action.version == 2
    latest = action.history.latest()
    assert (latest.history_user, latest.history_change_reason, latest.due_text) == (
        plan_manager,
        "Edited",
        "December 2019",
    )


def test_moving_the_due_date_earlier_is_not_slipping(action, plan_manager):
    services.action_edit(action=action, by=plan_manager, expected_version=1, due_text="March 2019")
    assert not fresh(action).has_slipped


def test_editing_an_action_refuses_fields_it_does_not_own(action, plan_manager):
    with pytest.raises(ValueError, match="Cannot edit state here."):
        services.action_edit(action=action, by=plan_manager, expected_version=1, state="closed")
    assert fresh(action).state == Action.State.OPEN


def test_a_stale_action_edit_is_refused_with_what_changed(action, plan_manager, board_member):
    stale = fresh(action)
    services.action_edit(action=action, by=plan_manager, expected_version=1, due_text="June 2019")
    with pytest.raises(EditConflict) as conflict:
        services.action_edit(action=stale, by=plan_manager, expected_version=1, due_text="May 2019")
    assert conflict.value.changes["By when (as written)"] == ("June 2019", "May 2019")
    action = fresh(action)
    assert (action.due_text, action.version, action.history.count()) == ("June 2019", 2, 2)


# The timeline ---------------------------------------------------------------------------------


def test_the_timeline_tells_every_revision_evidence_and_change_newest_first(action, lead, plan_manager):
    # The seed plan was imported at NOW; everything here happens in the hours after.
    with time_machine.travel(NOW + dt.timedelta(hours=1)):
        submit(action, lead, period=LAST_PERIOD, status=Rag.GREEN, narrative="September progress.")
    with time_machine.travel(NOW + dt.timedelta(hours=2)):
        item = add_link(action, lead, title="Audit summary")
    with time_machine.travel(NOW + dt.timedelta(hours=3)):
        submit(action, lead, status=Rag.BLUE, narrative="Done.", reason="Audits complete.")
    with time_machine.travel(NOW + dt.timedelta(hours=4)):
        submit(action, lead, status=Rag.BLUE, narrative="Done, with the audit attached.", reason="Audits complete.")
    with time_machine.travel(NOW + dt.timedelta(hours=5)):
        services.evidence_withdraw(evidence=item, by=plan_manager, reason="Draft version.", expected_version=1)

    action = fresh(action)
    events = action_timeline(action, action_evidence(action))
    assert [(e.kind, e.heading) for e in events] == [
        ("evidence_withdrawn", "Evidence withdrawn"),
        ("update", "October 2019 update revised"),
        ("change", "Action changed"),
        ("update", "October 2019 update submitted"),
        ("evidence_added", "Evidence added"),
        ("update", "September 2019 update submitted"),
    ]
    assert events[0].note == "Draft version."
    assert events[1].narrative == "Done, with the audit attached."
    assert events[2].changes == [("State", "Open", "Proposed complete")]
    assert events[3].narrative == "Done."
    assert (events[3].status, events[3].reason, events[3].who) == (Rag.BLUE, "Audits complete.", lead)
    assert events[5].status == Rag.GREEN
