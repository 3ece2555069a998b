"""The update form, evidence download and withdrawal, and the lifecycle pages. Today is 15 October 2019."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance import services
from governance.models import ActionUpdate, Evidence, Rag
from plans.models import Action
from plans.versioning import forget_process_memos
from tests.governance import (
    NOW,
    PDF,
    PERIOD,
    WINDOWS_EXE,
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
    """3.6: led by `lead`, due April 2019, so overdue in October 2019."""
    return action_of(seed_plan, "3.6")


def url(name: str, obj) -> str:
    plan = obj.action.plan if isinstance(obj, Evidence) else obj.plan
    return reverse(f"governance:{name}", args=[plan.slug, obj.pk])


def text(response) -> str:
    return response.content.decode()


def error_summary(response) -> list[tuple[str, str]]:
    """(link target, message) for each entry of the GOV.UK error summary."""
    content = text(response)
    assert 'class="govuk-error-summary"' in content
    assert "There is a problem" in content
    summary = content.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary)


def update_form(**overrides) -> dict:
    return {"status": "green", "narrative": "Audits on track.", "next_steps": "", "risks": "", "reason": ""} | overrides


def raw_multipart(url_path: str, client, fields: dict, filename: str, content: bytes):
    """POST a file with exactly this filename (the test client would strip any path from it)."""
    boundary = "----governance-test-boundary"
    parts = []
    for name, value in fields.items():
        parts += [f"--{boundary}", f'Content-Disposition: form-data; name="{name}"', "", value]
    head = "\r\n".join(
        [*parts, f"--{boundary}", f'Content-Disposition: form-data; name="file"; filename="{filename}"',
         "Content-Type: application/pdf", "", ""]
    )  # fmt: skip
    body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return client.generic("POST", url_path, body, content_type=f"multipart/form-data; boundary={boundary}")


# The update form ---------------------------------------------------------------------------------


def test_the_update_form_is_a_plain_post_form_with_each_status_as_a_word_and_its_definition(lead_client, action):
    response = lead_client.get(url("update_submit", action))
    content = text(response)
    assert response.status_code == 200
    assert '<form method="post" enctype="multipart/form-data" novalidate>' in content
    for words in [
        "Blue – Complete and evidenced.",
        "Green – On track.",
        "Amber – At risk, with recovery in hand.",
        "Red – Off track and needs the board&#x27;s help.",
    ]:
        assert words in content
    assert '<h1 class="govuk-heading-l">October 2019 update</h1>' in content
    assert '<strong class="govuk-tag govuk-tag--grey">No update</strong>' in content  # last status


def test_a_lead_submits_an_update_and_is_sent_back_to_the_action(lead_client, lead, action):
    response = lead_client.post(
        url("update_submit", action),
        update_form(status="amber", narrative="Audits late.", next_steps="Recruit.", risks="Staffing."),
    )
    assert response.status_code == 302
    assert response.url == action.get_absolute_url()
    update = ActionUpdate.objects.get(action=action)
    assert (update.period, update.status, update.narrative, update.next_steps, update.risks, update.submitted_by) == (
        PERIOD,
        "amber",
        "Audits late.",
        "Recruit.",
        "Staffing.",
        lead,
    )
    page = text(lead_client.get(response.url))
    assert "Your October 2019 update for action 3.6 is saved (Amber)." in page
    assert '<strong class="govuk-tag app-tag--amber govuk-tag--orange">Amber</strong>' in page
    assert "October 2019 update submitted" in page


def test_an_empty_update_shows_the_error_summary_linking_to_each_field(lead_client, action):
    response = lead_client.post(url("update_submit", action), {"status": "", "narrative": ""})
    assert response.status_code == 200
    assert error_summary(response) == [
        ("id_status_1", "Choose a status."),
        ("id_narrative", "Describe the progress made."),
    ]
    assert not ActionUpdate.objects.exists()


def test_a_change_of_status_without_a_reason_is_an_error_on_the_reason(lead_client, lead, action):
    submit(action, lead, period=dt.date(2019, 9, 1), status=Rag.GREEN)
    response = lead_client.post(url("update_submit", action), update_form(status="red"))
    assert error_summary(response) == [
        ("id_reason", "Say why the status changed from Green to Red since the last update.")
    ]
    assert re.search(
        r'Last status:\s*<strong class="govuk-tag app-tag--green govuk-tag--green">Green</strong>', text(response)
    )
    assert not ActionUpdate.objects.filter(period=PERIOD).exists()


def test_blue_without_evidence_is_an_error_on_the_status(lead_client, action):
    response = lead_client.post(url("update_submit", action), update_form(status="blue"))
    assert error_summary(response) == [
        ("id_status_1", "Blue means complete and evidenced: add at least one piece of evidence.")
    ]
    assert Action.objects.get(pk=action.pk).state == Action.State.OPEN


def test_blue_with_a_file_saves_the_update_and_its_evidence(lead_client, lead, action, media_root):
    response = lead_client.post(
        url("update_submit", action),
        update_form(
            status="blue",
            narrative="All plans audited.",
            evidence_title="Audit of CP plans",
            evidence_file=upload("CP audit (final).pdf", PDF),
            evidence_date="30/09/2019",
        ),
    )
    assert response.status_code == 302
    update = ActionUpdate.objects.get(action=action)
    evidence = Evidence.objects.get(action=action)
    assert (evidence.update, evidence.title, evidence.evidence_date) == (
        update,
        "Audit of CP plans",
        dt.date(2019, 9, 30),
    )
    assert (evidence.original_name, evidence.added_by, evidence.content_type) == (
        "CP audit (final).pdf",
        lead,
        "application/pdf",
    )
    assert (media_root / evidence.file.name).read_bytes() == PDF
    assert Action.objects.get(pk=action.pk).state == Action.State.PROPOSED_COMPLETE
    page = text(lead_client.get(action.get_absolute_url()))
    assert "Audit of CP plans" in page
    assert "CP audit (final).pdf" in page
    assert ">Proposed complete</strong>" in page


def test_a_file_of_the_wrong_type_is_an_error_on_the_file_and_nothing_is_saved(lead_client, action, media_root):
    response = lead_client.post(
        url("update_submit", action),
        update_form(evidence_title="Report", evidence_file=upload("report.pdf", WINDOWS_EXE)),
    )
    assert error_summary(response) == [
        (
            "id_evidence_file",
            "The file must be a PDF, Word (DOCX), Excel (XLSX), CSV, PNG or JPEG. Its content is not one of these.",
        )
    ]
    assert not ActionUpdate.objects.exists()
    assert not Evidence.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_a_file_over_the_size_limit_is_an_error_on_the_file(lead_client, action, settings):
    settings.EVIDENCE_MAX_BYTES = 50
    response = lead_client.post(
        url("update_submit", action), update_form(evidence_title="Report", evidence_file=upload("report.pdf", PDF))
    )
    assert error_summary(response) == [("id_evidence_file", "The file must be 50\xa0bytes or smaller.")]
    assert not ActionUpdate.objects.exists()


def test_evidence_without_a_title_is_an_error(lead_client, action):
    response = lead_client.post(url("update_submit", action), update_form(evidence_url="https://example.org/r"))
    assert error_summary(response) == [("id_evidence_title", "Give the evidence a title.")]


def test_the_form_for_a_revision_shows_the_current_update_and_its_version(lead_client, lead, action):
    submit(action, lead, status=Rag.AMBER, narrative="Half the audits done.")
    content = text(lead_client.get(url("update_submit", action)))
    assert "Revise the October 2019 update" in content
    assert "Half the audits done." in content
    assert '<input type="hidden" name="version" value="1" id="id_version">' in content
    assert re.search(r'<input[^>]*value="amber"[^>]*checked', content)


def test_a_revision_based_on_an_old_version_is_refused_with_what_changed(lead_client, lead, plan_manager, action):
    submit(action, lead, narrative="First words.")
    submit(action, plan_manager, narrative="The manager's words.", expected_version=1)
    response = lead_client.post(url("update_submit", action), update_form(narrative="My later words.", version="1"))

    content = text(response)
    assert response.status_code == 200
    assert "Someone else saved this while you were editing, so your change was not saved." in content
    assert "Progress: now “The manager&#x27;s words.”; yours “My later words.”" in content
    assert '<input type="hidden" name="version" value="2" id="id_version">' in content
    assert "My later words." in content  # their entries are kept in the form
    update = ActionUpdate.objects.get(action=action)
    assert (update.narrative, update.version) == ("The manager's words.", 2)

    # Having seen what changed, they save again on top of it.
    response = lead_client.post(url("update_submit", action), update_form(narrative="My later words.", version="2"))
    assert response.status_code == 302
    assert ActionUpdate.objects.get(action=action).narrative == "My later words."
    assert ActionUpdate.objects.get(action=action).history.count() == 3


def test_two_people_starting_the_same_new_update_cannot_overwrite_each_other(lead_client, lead, plan_manager, action):
    # Both opened the empty form; the plan manager saved first.
    submit(action, plan_manager, narrative="The manager's words.")
    response = lead_client.post(url("update_submit", action), update_form(narrative="The lead's words.", version=""))
    assert response.status_code == 200
    assert "Someone else saved this while you were editing" in text(response)
    update = ActionUpdate.objects.get(action=action)
    assert (update.narrative, update.submitted_by, update.version) == ("The manager's words.", plan_manager, 1)


def test_a_locked_period_refuses_the_update_with_an_error(lead_client, lead, plan_manager, seed_plan, action):
    submit(action, lead, narrative="As issued.")
    services.period_lock(plan=seed_plan, period=PERIOD, by=plan_manager)
    response = lead_client.post(url("update_submit", action), update_form(narrative="Changed.", version="1"))
    assert error_summary(response) == [
        ("id_status_1", "Updates for October 2019 are locked: the board&#x27;s papers are issued.")
    ]
    assert ActionUpdate.objects.get(action=action).narrative == "As issued."


def test_a_plan_manager_may_submit_an_update_for_any_action(manager_client, plan_manager, seed_plan):
    action = action_of(seed_plan, "1.1")
    assert manager_client.post(url("update_submit", action), update_form()).status_code == 302
    assert ActionUpdate.objects.get(action=action).submitted_by == plan_manager


@pytest.mark.parametrize("method", ["get", "post"])
def test_who_may_open_and_post_the_update_form(
    client, method, action, seed_plan, lead, other_lead, board_member, outsider
):
    expected = {lead: (200, 302), other_lead: (403, 403), board_member: (403, 403), outsider: (404, 404)}
    for user, (on_get, on_post) in expected.items():
        client.force_login(user)
        response = getattr(client, method)(url("update_submit", action), update_form())
        assert response.status_code == (on_get if method == "get" else on_post), user.username
    assert list(ActionUpdate.objects.values_list("submitted_by", flat=True)) == ([lead.pk] if method == "post" else [])


def test_the_update_form_refuses_other_methods(lead_client, action):
    assert lead_client.put(url("update_submit", action)).status_code == 405


def test_a_lead_cannot_update_a_closed_action(lead_client, lead, plan_manager, action):
    add_link(action, lead)
    submit(action, lead, status=Rag.BLUE)
    action.refresh_from_db()
    services.action_close(action=action, by=plan_manager, authority="Board", expected_version=action.version)
    assert lead_client.get(url("update_submit", action)).status_code == 403
    assert lead_client.post(url("update_submit", action), update_form()).status_code == 403


# Evidence: adding and downloading ---------------------------------------------------------------


def test_a_lead_adds_a_file_on_its_own(lead_client, lead, action):
    response = lead_client.post(
        url("evidence_add", action),
        {"title": "Training log", "evidence_date": "01/10/2019", "file": upload("log.csv", b"date,count\n1,2\n")},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.title, evidence.content_type, evidence.period, evidence.added_by) == (
        "Training log",
        "text/csv",
        PERIOD,
        lead,
    )


def test_adding_evidence_refuses_a_javascript_link(lead_client, action):
    response = lead_client.post(
        url("evidence_add", action), {"title": "Trick", "evidence_date": "01/10/2019", "url": "javascript:alert(1)"}
    )
    assert response.status_code == 200
    assert ("id_url", "Enter a valid URL.") in error_summary(response)
    assert not Evidence.objects.exists()


def test_a_board_member_cannot_add_evidence(board_client, action):
    response = board_client.post(
        url("evidence_add", action), {"title": "Mine", "evidence_date": "01/10/2019", "url": "https://example.org"}
    )
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_a_download_is_an_attachment_with_a_safe_filename_and_no_sniffing(board_client, lead, action):
    evidence = add_file(action, lead, upload("CP audit (final) 2019.pdf", PDF))
    response = board_client.get(url("evidence_download", evidence))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="CP_audit_final_2019.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_the_download_suffix_follows_the_content_not_the_name(board_client, lead, action):
    evidence = add_file(action, lead, upload("invoice.exe", PDF))
    response = board_client.get(url("evidence_download", evidence))
    assert response["Content-Disposition"] == 'attachment; filename="invoice.pdf"'


@pytest.mark.parametrize("name", ["<>.pdf", "...pdf", ".pdf", "\u202egnp.pdf"])
def test_a_name_with_nothing_safe_in_it_downloads_as_evidence(board_client, lead, action, name):
    evidence = add_file(action, lead, upload(name, PDF))
    response = board_client.get(url("evidence_download", evidence))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    filename = re.search(r'filename="([^"]+)"', disposition)[1]
    assert re.fullmatch(r"[\w.-]+\.pdf", filename), filename
    assert not filename.startswith(".")


def test_a_path_in_the_uploaded_name_never_reaches_storage_or_the_download(lead_client, lead, action, media_root):
    response = raw_multipart(
        url("evidence_add", action),
        lead_client,
        {"title": "Sneaky", "evidence_date": "01/10/2019"},
        "../../../etc/passwd.pdf",
        PDF,
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert re.fullmatch(rf"evidence/{action.plan_id}/[0-9a-f]{{32}}\.pdf", evidence.file.name)
    [stored] = [p for p in media_root.rglob("*") if p.is_file()]
    assert stored.parent.parent == media_root / "evidence"
    assert evidence.original_name == "passwd.pdf"
    download = lead_client.get(url("evidence_download", evidence))
    assert download["Content-Disposition"] == 'attachment; filename="passwd.pdf"'


def test_a_link_download_redirects_to_the_link(board_client, lead, action):
    evidence = add_link(action, lead, url="https://example.org/audit")
    response = board_client.get(url("evidence_download", evidence))
    assert (response.status_code, response.url) == (302, "https://example.org/audit")


def test_downloads_are_for_people_in_the_plan_only(client, lead, action, outsider):
    evidence = add_file(action, lead, upload("report.pdf", PDF))
    response = client.get(url("evidence_download", evidence))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(url("evidence_download", evidence)).status_code == 404


def test_a_download_must_be_a_get(lead_client, lead, action):
    evidence = add_file(action, lead, upload("report.pdf", PDF))
    assert lead_client.post(url("evidence_download", evidence)).status_code == 405


def test_evidence_is_not_served_from_static_or_media_urls(client, lead, action):
    evidence = add_file(action, lead, upload("report.pdf", PDF))
    client.force_login(lead)
    for prefix in ["/static/", "/media/"]:
        assert client.get(prefix + evidence.file.name).status_code == 404


# Evidence: withdrawing --------------------------------------------------------------------------


def test_the_uploader_withdraws_evidence_and_it_leaves_the_list_but_stays_in_the_history(
    lead_client, lead, action, media_root
):
    evidence = add_file(action, lead, upload("report.pdf", PDF), title="Draft audit")
    page = text(lead_client.get(action.get_absolute_url()))
    assert url("evidence_withdraw", evidence) in page

    form = lead_client.get(url("evidence_withdraw", evidence))
    assert form.status_code == 200
    assert '<input type="hidden" name="version" value="1" id="id_version">' in text(form)
    response = lead_client.post(url("evidence_withdraw", evidence), {"reason": "Replaced by the final.", "version": 1})
    assert response.status_code == 302
    assert response.url == action.get_absolute_url()

    page = text(lead_client.get(action.get_absolute_url()))
    assert "Evidence “Draft audit” was withdrawn. It stays in the history." in page
    evidence_section = page.split('id="evidence"', 1)[1].split('id="timeline"', 1)[0]
    assert "No evidence yet." in evidence_section
    history = page.split('id="timeline"', 1)[1]
    assert "Evidence withdrawn" in history
    assert "Replaced by the final." in history
    assert (media_root / Evidence.objects.get().file.name).read_bytes() == PDF


def test_withdrawing_without_a_reason_shows_the_error_summary(lead_client, lead, action):
    evidence = add_link(action, lead)
    response = lead_client.post(url("evidence_withdraw", evidence), {"reason": "", "version": 1})
    assert error_summary(response) == [("id_reason", "Say why the evidence is withdrawn.")]
    assert Evidence.objects.current().count() == 1


def test_a_plan_manager_may_withdraw_anyones_evidence(manager_client, lead, plan_manager, action):
    evidence = add_link(action, lead)
    response = manager_client.post(url("evidence_withdraw", evidence), {"reason": "Duplicate.", "version": 1})
    assert response.status_code == 302
    assert Evidence.objects.get().withdrawn_by == plan_manager


def test_who_may_not_withdraw_evidence(client, lead, other_lead, board_member, outsider, action):
    evidence = add_link(action, lead)
    for user, status in [(other_lead, 403), (board_member, 403), (outsider, 404)]:
        client.force_login(user)
        assert client.get(url("evidence_withdraw", evidence)).status_code == status, user.username
        response = client.post(url("evidence_withdraw", evidence), {"reason": "Mine now.", "version": 1})
        assert response.status_code == status, user.username
    assert Evidence.objects.current().count() == 1


def test_evidence_of_a_locked_period_cannot_be_withdrawn(lead_client, lead, plan_manager, seed_plan, action):
    evidence = add_link(action, lead)
    services.period_lock(plan=seed_plan, period=PERIOD, by=plan_manager)
    response = lead_client.post(url("evidence_withdraw", evidence), {"reason": "Wrong.", "version": 1})
    assert response.status_code == 200
    assert "October 2019 is locked: its evidence can no longer be withdrawn." in text(response)
    assert Evidence.objects.current().count() == 1


def test_a_withdrawal_from_a_stale_page_is_refused(lead_client, lead, plan_manager, action):
    evidence = add_link(action, lead)
    services.evidence_withdraw(evidence=evidence, by=plan_manager, reason="Duplicate.", expected_version=1)
    evidence.refresh_from_db()
    response = lead_client.post(url("evidence_withdraw", evidence), {"reason": "Mine.", "version": 1})
    assert response.status_code == 200
    assert Evidence.objects.get().withdrawn_reason == "Duplicate."


# The action lifecycle pages --------------------------------------------------------------------


def proposed_complete(action, lead) -> Action:
    add_link(action, lead)
    submit(action, lead, status=Rag.BLUE)
    action.refresh_from_db()
    return action


def test_a_plan_manager_signs_off_a_proposed_completion(manager_client, plan_manager, lead, action):
    action = proposed_complete(action, lead)
    page = text(manager_client.get(action.get_absolute_url()))
    assert url("action_close", action) in page
    form = manager_client.get(url("action_close", action))
    assert form.status_code == 200
    response = manager_client.post(
        url("action_close", action), {"closure_authority": "Agreed at the board of 14 November 2019", "version": 2}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.state, action.closed_by, action.closure_authority) == (
        "closed",
        plan_manager,
        "Agreed at the board of 14 November 2019",
    )
    page = text(manager_client.get(action.get_absolute_url()))
    assert "Action 3.6 is closed." in page
    assert "15 October 2019 by Mina Manager: Agreed at the board of 14 November 2019" in page
    assert "“Proposed complete” → “Closed”" in page


def test_closing_an_open_action_is_refused_with_an_error(manager_client, action):
    response = manager_client.post(url("action_close", action), {"closure_authority": "Board", "version": 1})
    assert response.status_code == 200
    assert "Only an action proposed complete (by a Blue update) can be signed off." in text(response)
    assert Action.objects.get(pk=action.pk).state == Action.State.OPEN


def test_closing_without_an_authority_shows_the_error_summary(manager_client, lead, action):
    action = proposed_complete(action, lead)
    response = manager_client.post(url("action_close", action), {"closure_authority": "", "version": 2})
    assert error_summary(response) == [("id_closure_authority", "Say on whose authority it is closed.")]


def test_a_plan_manager_supersedes_an_action_by_another(manager_client, seed_plan, action):
    successor = action_of(seed_plan, "3.7")
    response = manager_client.post(
        url("action_withdraw", action),
        {"state_reason": "Folded into 3.7.", "superseded_by": successor.pk, "version": 1},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.state, action.superseded_by, action.state_reason) == ("superseded", successor, "Folded into 3.7.")
    page = text(manager_client.get(action.get_absolute_url()))
    assert "Action 3.6 is superseded." in page
    assert "Folded into 3.7. Superseded by" in page


def test_a_plan_manager_withdraws_an_action_and_it_leaves_my_actions(manager_client, client, lead, seed_plan, action):
    response = manager_client.post(url("action_withdraw", action), {"state_reason": "No longer needed.", "version": 1})
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).state == Action.State.WITHDRAWN

    client.force_login(lead)
    my_actions = text(client.get(reverse("governance:my_actions")))
    assert action.get_absolute_url() not in my_actions
    assert action_of(seed_plan, "4.2").get_absolute_url() in my_actions
    assert client.get(action.get_absolute_url()).status_code == 200  # still in the plan


def test_a_plan_manager_moves_a_due_date_and_the_action_shows_it_slipped(manager_client, action):
    form = text(manager_client.get(url("action_edit", action)))
    assert 'value="April 2019"' in form
    response = manager_client.post(
        url("action_edit", action),
        {"description": action.description, "start_text": "", "due_text": "December 2019", "version": 1},
    )
    assert response.status_code == 302
    page = text(manager_client.get(action.get_absolute_url()))
    assert "The plan first said “April 2019” (30 April 2019)." in page
    assert "due 31 December 2019" in page
    assert '<strong class="govuk-tag govuk-tag--purple" title="The due date was moved later">Slipped</strong>' in page


def test_an_action_edit_from_a_stale_page_is_refused_with_what_changed(manager_client, plan_manager, action):
    services.action_edit(action=action, by=plan_manager, expected_version=1, due_text="June 2019")
    response = manager_client.post(
        url("action_edit", action),
        {"description": action.description, "start_text": "", "due_text": "May 2019", "version": 1},
    )
    assert response.status_code == 200
    assert "By when (as written): now “June 2019”; yours “May 2019”" in text(response)
    assert Action.objects.get(pk=action.pk).due_text == "June 2019"


@pytest.mark.parametrize("name", ["action_close", "action_withdraw", "action_edit"])
def test_only_plan_managers_reach_the_lifecycle_pages(client, name, action, lead, board_member, outsider):
    data = {"closure_authority": "x", "state_reason": "x", "due_text": "May 2030", "version": 1}
    for user, status in [(board_member, 403), (lead, 403), (outsider, 404)]:
        client.force_login(user)
        assert client.get(url(name, action)).status_code == status, user.username
        assert client.post(url(name, action), data).status_code == status, user.username
    action = Action.objects.get(pk=action.pk)
    assert (action.state, action.due_text, action.version) == ("open", "April 2019", 1)


# The action page ------------------------------------------------------------------------------


def test_the_action_page_shows_the_rating_as_a_word_and_colour_with_its_flags(board_client, lead, action):
    submit(action, lead, status=Rag.RED, narrative="Stalled: no auditors.")
    page = text(board_client.get(action.get_absolute_url()))
    assert '<strong class="govuk-tag app-tag--red govuk-tag--red">Red</strong>' in page
    assert (
        '<strong class="govuk-tag govuk-tag--red" title="Past its due month and not complete">Overdue</strong>' in page
    )
    assert "No update yet" not in page
    assert "Stalled: no auditors." in page
    assert url("update_submit", action) not in page  # a board member sees no button they cannot use


def test_the_action_page_queries_do_not_grow_with_its_history(board_client, lead, plan_manager, action):
    def count() -> int:
        forget_process_memos()  # each count with the access query: writes give the plan a new version
        with CaptureQueriesContext(connection) as queries:
            assert board_client.get(action.get_absolute_url()).status_code == 200
        return len(queries)

    submit(action, lead, narrative="One.")
    add_link(action, lead)
    count()  # the first request of a session reads a little more
    small = count()
    for number in range(8):
        submit(action, lead if number % 2 else plan_manager, narrative=f"Revision {number}.")
        item = add_file(action, lead, upload(f"r{number}.pdf", PDF))
        if number % 3 == 0:
            services.evidence_withdraw(evidence=item, by=lead, reason="Replaced.", expected_version=1)
    submit(action, lead, period=dt.date(2019, 9, 1), narrative="September.")
    assert count() == small
