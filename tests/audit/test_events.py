"""Each kind of audit event is written, with the right fields, when the thing happens through the real
view or service; and each is one JSON line on the "tracker.audit" logger that no input can split."""

import json
import logging

import pytest
from django.urls import reverse

import audit
from audit.models import AuditEvent
from governance import services as governance_services
from governance.models import Evidence, Rag
from plans import services as plan_services
from plans.models import Invitation, Membership, Role, RoleHolder
from tests.conftest import LEAD_ROLE
from tests.factories import UserFactory
from tests.governance import PDF, action_of, add_file, add_link, submit, upload

FORGED = 'mallory\n{"kind": "sign_in", "username": "admin"}\r\u2028\u2029\x1b[2J\x00end'


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("pk"))


def only(kind: str) -> AuditEvent:
    found = events(kind)
    assert len(found) == 1, found
    return found[0]


def audit_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tracker.audit"]


# Sign-in -------------------------------------------------------------------------------------


def test_signing_in_is_recorded_with_the_user_and_address(client, db):
    user = UserFactory(username="sam")
    user.set_password("a-long-password-1")
    user.save()
    response = client.post(reverse("login"), {"username": "sam", "password": "a-long-password-1"})
    assert response.status_code == 302
    event = only("sign_in")
    assert (event.user, event.username, event.ip, event.plan_id) == (user, "sam", "127.0.0.1", None)
    assert event.at is not None


def test_a_failed_sign_in_keeps_the_username_given_and_never_the_password(client, db):
    response = client.post(reverse("login"), {"username": "nobody-here", "password": "secret-guess-42"})
    assert response.status_code == 200
    event = only("sign_in_failed")
    assert (event.user, event.username, event.ip) == (None, "nobody-here", "127.0.0.1")
    stored = json.dumps([event.username, event.object_repr, event.old, event.new, event.detail])
    assert "secret-guess-42" not in stored


def test_a_lockout_is_recorded(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(reverse("login"), {"username": "target", "password": "wrong"})
    event = only("lockout")
    assert (event.username, event.ip, event.user) == ("target", "127.0.0.1", None)


def test_no_input_can_split_or_forge_a_log_line(client, db, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    forged = FORGED.replace("\x00", "")  # the sign-in form itself refuses NUL
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("login"), {"username": forged, "password": "x"})
    lines = audit_lines(caplog)
    assert len(lines) == 1
    line = lines[0]
    assert line.isascii() and line.isprintable(), repr(line)  # no LF, CR, U+2028/9 or ESC
    entry = json.loads(line)
    assert entry["kind"] == "sign_in_failed"
    assert entry["username"] == forged
    assert entry["ip"] == "127.0.0.1"
    assert entry["at"].endswith("+00:00")  # UTC


def test_a_narrative_or_title_cannot_forge_a_line_either(seed_plan, lead, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    action = action_of(seed_plan, "3.6")
    forged = FORGED.replace("\x00", "")  # forms refuse NUL, and PostgreSQL cannot store it in the evidence
    with django_capture_on_commit_callbacks(execute=True):
        evidence = add_link(action, lead, title=forged)
        governance_services.evidence_withdraw(evidence=evidence, by=lead, reason=forged, expected_version=1)
    lines = audit_lines(caplog)
    assert len(lines) == 2
    for line in lines:
        assert line.isascii() and line.isprintable()
    assert json.loads(lines[0])["object"] == forged
    assert json.loads(lines[1])["detail"]["reason"] == forged


def test_a_nul_character_never_stops_an_event_being_saved(db):
    event = audit.record(kind=audit.Kind.SIGN_IN_FAILED, username="eve\x00", note={"why": "a\x00b"}, ip="not an ip")
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.username, event.detail, event.ip) == ("eve\ufffd", {"note": {"why": "a\ufffdb"}}, None)


def test_no_log_line_is_written_for_a_change_that_is_rolled_back(
    seed_plan, lead, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    action = action_of(seed_plan, "3.6")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(governance_services.ValidationError):
        # Blue without evidence is refused after nothing was saved.
        submit(action, lead, status=Rag.BLUE)
    assert audit_lines(caplog) == []
    assert not AuditEvent.objects.filter(kind="status_change").exists()


def test_recording_never_raises_into_the_callers_flow_but_logs_why(db, caplog):
    with caplog.at_level(logging.ERROR, logger="audit.services"):
        assert audit.record(kind="no_such_kind") is None
    assert "Could not build the audit event 'no_such_kind'" in caplog.text
    assert "Unknown audit event kind" in caplog.text


# Refusals ------------------------------------------------------------------------------------


def test_an_outsider_asking_for_a_plan_page_is_recorded_as_not_found(client, seed_plan, outsider):
    client.force_login(outsider)
    action = action_of(seed_plan, "3.6")
    assert client.get(action.get_absolute_url()).status_code == 404
    event = only("not_found")
    assert (event.user, event.ip, event.plan_id, event.plan_slug) == (
        outsider,
        "127.0.0.1",
        seed_plan.pk,
        seed_plan.slug,
    )
    # Refused at the plan, before the action is looked up: nothing about the action is revealed.
    assert (event.object_type, event.object_id) == ("plan", str(seed_plan.pk))
    assert event.detail == {"permission": "plans.access_plan", "path": action.get_absolute_url()}


def test_a_board_member_refused_a_managers_page_is_recorded_as_forbidden(client, seed_plan, board_member):
    client.force_login(board_member)
    url = reverse("plans:invite", args=[seed_plan.slug])
    assert client.get(url).status_code == 403
    event = only("forbidden")
    assert (event.user, event.plan_id, event.object_type, event.object_id) == (
        board_member,
        seed_plan.pk,
        "plan",
        str(seed_plan.pk),
    )
    assert event.detail["permission"] == "plans.manage_plan"


def test_a_missing_object_inside_a_plan_and_a_missing_plan_are_recorded(board_client, seed_plan, board_member):
    assert board_client.get(reverse("governance:action_detail", args=[seed_plan.slug, 999999])).status_code == 404
    assert board_client.get(reverse("governance:evidence_download", args=[seed_plan.slug, 424242])).status_code == 404
    assert board_client.get(reverse("plans:plan_detail", args=["no-such-plan"])).status_code == 404
    missing = [(e.object_type, e.object_id, e.plan_id) for e in events("not_found")]
    assert missing == [
        ("action", "999999", seed_plan.pk),
        ("evidence", "424242", seed_plan.pk),
        ("plan", "no-such-plan", None),
    ]


# Status changes ------------------------------------------------------------------------------


def test_a_changed_status_is_recorded_old_to_new_and_an_unchanged_one_is_not(seed_plan, lead):
    action = action_of(seed_plan, "3.6")
    submit(action, lead, status=Rag.GREEN)
    submit(action, lead, status=Rag.GREEN, narrative="Still fine.")
    submit(action, lead, status=Rag.RED, reason="Staff left.")
    changes = [(e.object_repr, e.old, e.new, e.user) for e in events("status_change")]
    assert changes == [
        ("Action 3.6, October 2019", "", "Green", lead),
        ("Action 3.6, October 2019", "Green", "Red", lead),
    ]
    assert {e.plan_id for e in events("status_change")} == {seed_plan.pk}


def test_the_action_lifecycle_is_recorded(seed_plan, lead, plan_manager):
    action = action_of(seed_plan, "3.6")
    add_link(action, lead)
    submit(action, lead, status=Rag.BLUE)
    action.refresh_from_db()
    governance_services.action_close(
        action=action, by=plan_manager, authority="Board, 3 March", expected_version=action.version
    )
    other = action_of(seed_plan, "4.2")
    governance_services.action_withdraw(
        action=other, by=plan_manager, reason="Merged.", expected_version=other.version, superseded_by=action
    )
    lifecycle = [
        (e.object_type, e.object_repr, e.old, e.new, e.user)
        for e in events("status_change")
        if e.object_type == "action"
    ]
    assert lifecycle == [
        ("action", "Action 3.6", "Open", "Proposed complete", lead),
        ("action", "Action 3.6", "Proposed complete", "Closed", plan_manager),
        ("action", "Action 4.2", "Open", "Superseded", plan_manager),
    ]


# Evidence ------------------------------------------------------------------------------------


def test_evidence_upload_download_and_withdrawal_are_recorded(lead_client, seed_plan, lead):
    action = action_of(seed_plan, "3.6")
    response = lead_client.post(
        reverse("governance:evidence_add", args=[seed_plan.slug, action.pk]),
        {"title": "CP audit", "evidence_date": "01/10/2019", "file": upload("audit.pdf", PDF)},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    added = only("evidence_upload")
    assert (added.user, added.ip, added.plan_id, added.object_id, added.object_repr, added.new) == (
        lead, "127.0.0.1", seed_plan.pk, str(evidence.pk), "CP audit", "audit.pdf"
    )  # fmt: skip
    assert added.detail["action"] == "3.6" and added.detail["size"] == len(PDF)

    download = lead_client.get(reverse("governance:evidence_download", args=[seed_plan.slug, evidence.pk]))
    assert download.status_code == 200
    fetched = only("evidence_download")
    assert (fetched.user, fetched.ip, fetched.object_id) == (lead, "127.0.0.1", str(evidence.pk))

    withdraw_url = reverse("governance:evidence_withdraw", args=[seed_plan.slug, evidence.pk])
    assert lead_client.post(withdraw_url, {"reason": "Wrong file.", "version": 1}).status_code == 302
    withdrawn = only("evidence_withdraw")
    assert (withdrawn.user, withdrawn.ip, withdrawn.old, withdrawn.new) == (lead, "127.0.0.1", "Current", "Withdrawn")
    assert withdrawn.detail["reason"] == "Wrong file."


def test_evidence_added_with_an_update_is_recorded(seed_plan, lead):
    action = action_of(seed_plan, "3.6")
    add_file(action, lead, upload("minutes.pdf", PDF), title="Minutes")
    assert only("evidence_upload").object_repr == "Minutes"


# People --------------------------------------------------------------------------------------


def test_membership_and_role_changes_are_recorded(manager_client, seed_plan, plan_manager, board_member, lead):
    role = Role.objects.get(plan=seed_plan, title=LEAD_ROLE)
    add_url = reverse("plans:role_holders", args=[seed_plan.slug, role.pk])
    assert manager_client.post(add_url, {"user": board_member.pk}).status_code == 302
    holder = RoleHolder.objects.get(role=role, user=board_member, until__isnull=True)
    end_url = reverse("plans:role_holder_end", args=[seed_plan.slug, holder.pk])
    assert manager_client.post(end_url).status_code == 302
    changes = [
        (e.user, e.plan_id, e.object_repr, e.old, e.new, e.ip, e.detail["person"]) for e in events("role_change")
    ]
    assert changes == [
        (plan_manager, seed_plan.pk, str(role), "", "Bola Board", "127.0.0.1", "bola"),
        (plan_manager, seed_plan.pk, str(role), "Bola Board", "", "127.0.0.1", "bola"),
    ]

    membership = Membership.objects.get(user=board_member, plan=seed_plan)
    remove_url = reverse("plans:membership_remove", args=[seed_plan.slug, membership.pk])
    assert manager_client.post(remove_url).status_code == 302
    removed = only("membership_change")
    assert (removed.user, removed.ip, removed.plan_id, removed.object_id) == (
        plan_manager, "127.0.0.1", seed_plan.pk, str(membership.pk)
    )  # fmt: skip
    assert (removed.object_repr, removed.old, removed.new) == ("Bola Board", "Board member", "")


def test_an_invitation_and_its_acceptance_are_recorded(seed_plan, plan_manager, mailoutbox):
    role = Role.objects.get(plan=seed_plan, title=LEAD_ROLE)
    other_role = Role.objects.get(plan=seed_plan, title="Director of Public Health")
    plan_services.invitation_create(
        plan=seed_plan,
        email="new.person@example.org",
        first_name="New",
        last_name="Person",
        kind=Membership.Kind.BOARD_MEMBER,
        roles=[role, other_role],
        by=plan_manager,
        site_url="http://testserver/",
    )
    invitation = Invitation.objects.get()
    user, created = plan_services.invitation_accept(invitation=invitation, password="a-long-password-2")
    assert created
    invited, joined = events("membership_change")
    assert (invited.user, invited.object_repr, invited.new) == (
        plan_manager,
        "new.person@example.org",
        "Invited as board member",
    )
    assert (joined.user, joined.object_repr, joined.old, joined.new) == (user, "New Person", "", "Board member")
    assert joined.detail["invited_by"] == "mina"
    holdings = {(e.user, e.object_repr, e.new, e.plan_id) for e in events("role_change")}
    assert holdings == {(user, str(r), "New Person", seed_plan.pk) for r in (role, other_role)}


def test_the_importer_becoming_plan_manager_is_recorded(outsider):
    data = {
        "slug": "imported-by-olu",
        "title": "Small plan",
        "organisation": "Anyshire County Council",
        "recommendations": [
            {"reference": "1", "text": "Know the children", "actions": [{"reference": "1.1", "description": "Audit"}]}
        ],
    }
    preview = plan_services.plan_import_preview(
        content=json.dumps(data).encode(), filename="p.json", fmt="json", replace=False, by=outsider
    )
    plan = plan_services.plan_import_confirm(preview=preview, by=outsider)
    event = only("membership_change")
    assert (event.user, event.plan_id, event.new, event.detail["reason"]) == (
        outsider, plan.pk, "Plan manager", "Imported the plan"
    )  # fmt: skip
