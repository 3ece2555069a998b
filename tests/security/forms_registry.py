"""Every form of the app, the view that takes it, who may post it, and data it accepts.

Used by the fuzzing and mass-assignment probes. `test_every_form_is_fuzzed` fails when a new form
class appears without a row here.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile


@dataclass(frozen=True)
class FormCase:
    view: str
    person: str
    data: Callable[[dict], dict]
    method: str = "POST"


def _upload(name: str, content: bytes):
    return lambda o: {"file": SimpleUploadedFile(name, content)}


FORMS: dict[str, FormCase] = {
    "UpdateForm": FormCase(
        "governance:update_submit",
        "lead",
        lambda o: {
            "status": "green",
            "narrative": "On track.",
            "reason": "",
            "next_steps": "More",
            "risks": "",
            "evidence_title": "Terms",
            "evidence_url": "https://example.org/terms",
            "evidence_date": "01/06/2019",
            "version": "",
        },
    ),
    "EvidenceForm": FormCase(
        "governance:evidence_add",
        "lead",
        lambda o: {"title": "Terms", "url": "https://example.org/", "evidence_date": "01/06/2019"},
    ),
    "WithdrawEvidenceForm": FormCase(
        "governance:evidence_withdraw", "plan_manager", lambda o: {"reason": "Wrong file", "version": "1"}
    ),
    "EditActionForm": FormCase(
        "governance:action_edit",
        "plan_manager",
        lambda o: {"description": "New words", "start_text": "April 2019", "due_text": "March 2020", "version": "1"},
    ),
    "CloseActionForm": FormCase(
        "governance:action_close", "plan_manager", lambda o: {"closure_authority": "Board", "version": "1"}
    ),
    "WithdrawActionForm": FormCase(
        "governance:action_withdraw",
        "plan_manager",
        lambda o: {"state_reason": "Merged", "superseded_by": "", "version": "1"},
    ),
    "InviteForm": FormCase(
        "plans:invite",
        "plan_manager",
        lambda o: {"email": "new@example.org", "first_name": "New", "last_name": "Person", "kind": "board_member"},
    ),
    "RoleHolderAddForm": FormCase(
        "plans:role_holders",
        "plan_manager",
        lambda o: {"user": str(o["membership"].user_id), "email": ""},
    ),
    "MeetingForm": FormCase(
        "governance:meeting_create",
        "plan_manager",
        lambda o: {"date": "17/10/2019", "period": "01/09/2019", "cutoff": "10/10/2019"},
    ),
    "MeetingUpdateForm": FormCase(
        "governance:meeting_update",
        "plan_manager",
        lambda o: {"status": "held", "attendees": [str(o["membership"].user_id)], "minutes": "Noted."},
    ),
    "DecisionForm": FormCase(
        "governance:decision_add",
        "plan_manager",
        lambda o: {
            "text": "Report caseloads",
            "owner_role": str(o["role"].pk),
            "due": "01/12/2019",
            "actions": [str(o["action"].pk)],
            "recommendations": [str(o["recommendation"].pk)],
        },
    ),
    "DecisionStatusForm": FormCase("governance:decision_set_status", "plan_manager", lambda o: {"status": "done"}),
    "ChallengeForm": FormCase(
        "governance:challenge_raise",
        "board_member",
        lambda o: {"text": "Show the impact", "meeting": str(o["meeting"].pk)},
    ),
    "ChallengeResponseForm": FormCase(
        "governance:challenge_respond", "lead", lambda o: {"response": "Here it is", "version": "1"}
    ),
    "VersionForm": FormCase("governance:challenge_close", "plan_manager", lambda o: {"version": "1"}),
    "FeedTokenForm": FormCase("governance:feed_tokens", "plan_manager", lambda o: {"name": "Power BI"}),
    "IssuePapersForm": FormCase(
        "governance:pack_issue", "plan_manager", lambda o: {"correction_reason": "A late update"}
    ),
    "ValueForm": FormCase(
        "measures:value_create",
        "lead",
        lambda o: {"period": "2019-06", "value": "55.5", "numerator": "", "denominator": "", "note": "June"},
    ),
    "ComparatorValueForm": FormCase(
        "measures:comparator_value_create",
        "lead",
        lambda o: {"name": "England", "period": "2019-06", "value": "60", "source": "LAIT 2019"},
    ),
    "MeasureForm": FormCase(
        "measures:measure_edit",
        "plan_manager",
        lambda o: {
            "name": "Children seen alone",
            "definition": "Share of visits",
            "unit": "percentage",
            "polarity": "higher",
            "frequency": "monthly",
            "target": "80",
            "target_date": "31/03/2020",
            "tolerance": "5",
            "baseline_value": "50",
            "baseline_period": "2019-04",
            "source": "LCS",
            "owner": str(o["role"].pk),
        },
    ),
    "UploadForm": FormCase(
        "measures:value_import",
        "plan_manager",
        lambda o: {"file": SimpleUploadedFile("values.csv", b"measure_code,period,value\nCSC-17,2019-06,5\n")},
    ),
    "PlanUploadForm": FormCase(
        "plans:import_upload",
        "plan_manager",
        lambda o: {"file": SimpleUploadedFile("plan.json", b'{"title": "x"}'), "replace": ""},
    ),
    # Two forms share the name ConfirmImportForm (plans and measures); both take a decision.
    "ConfirmImportForm": FormCase("plans:import_preview", "plan_manager", lambda o: {"decision": "cancel"}),
    "measures.ConfirmImportForm": FormCase(
        "measures:value_import_preview", "plan_manager", lambda o: {"decision": "cancel"}
    ),
}

# Forms whose view needs a state the world cannot give a signed-in client; each is fuzzed elsewhere.
NOT_FUZZED_HERE = {
    "AcceptInvitationForm": "needs a one-time invitation token: tests/plans/test_people.py",
    "CodeForm": "two-factor sign-in, mid-way through a sign-in: the sign-in tests",
    "AuditFilterForm": "a GET filter: tests/security/test_fuzz_forms.py fuzzes the audit page's query",
    "DashboardFilterForm": "a GET filter: tests/security/test_fuzz_forms.py fuzzes the dashboard's query",
}


def form_classes() -> dict[str, type]:
    """Every Form subclass defined in the app's own modules (the URLconf imports them all)."""
    from django import forms
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module

    found, queue = {}, list(forms.Form.__subclasses__()) + list(forms.BaseForm.__subclasses__())
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"plans", "governance", "measures", "audit", "improvement_tracker"}:
            name = cls.__name__
            if cls.__module__.startswith("measures") and name == "ConfirmImportForm":
                name = "measures.ConfirmImportForm"
            found[name] = cls
    return found
