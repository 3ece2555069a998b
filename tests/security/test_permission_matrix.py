"""The permission matrix: every URL of the app × every kind of person × GET and POST.

Generated from the URLconf, so a new page fails `test_every_url_has_a_row_in_the_matrix` until
someone says who may use it. Anyone outside a plan gets 404 for its pages (its existence is not
revealed); someone in the plan whose part forbids the page gets 403.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from governance.models import ActionUpdate

PEOPLE = ["anonymous", "outsider", "board_member", "lead", "other_lead", "plan_manager"]
METHODS = ["GET", "POST"]

# What each kind of page allows. Values: status for (anonymous, outsider, board member, lead of the
# action, lead of another action, plan manager).
# A POST to a read-only page is refused before the plan is looked up (405 reveals nothing).
READ = {"GET": (302, 404, 200, 200, 200, 200), "POST": (302, 405, 405, 405, 405, 405)}
LEAD_WRITE = {"GET": (302, 404, 403, 200, 403, 200), "POST": (302, 404, 403, 200, 403, 200)}
MANAGE = {"GET": (302, 404, 403, 403, 403, 200), "POST": (302, 404, 403, 403, 403, 200)}
EVERYONE_SIGNED_IN = {"GET": (302, 200, 200, 200, 200, 200), "POST": (302, 405, 405, 405, 405, 405)}
# Two-factor sign-in (plans/twofactor.py): the two plan managers have an authenticator app (as every test
# manager does), the others none. Giving a code needs an app (else: set one up); setting up needs none
# (else: the status page); new recovery codes are shown by a redirect, or refused without a verified app.
TWO_FACTOR_VERIFY = {"GET": (302, 200, 302, 302, 302, 200), "POST": (302, 200, 302, 302, 302, 200)}
TWO_FACTOR_SETUP = {"GET": (302, 302, 200, 200, 200, 302), "POST": (302, 302, 200, 200, 200, 302)}
TWO_FACTOR_CODES = {"GET": (302,) * 6, "POST": (302,) * 6}
# The outsider manages a plan of their own, so may import plans; a preview belongs to its uploader.
IMPORT = {"GET": (302, 200, 403, 403, 403, 200), "POST": (302, 200, 403, 403, 403, 200)}
IMPORT_PREVIEW = {"GET": (302, 404, 403, 403, 403, 200), "POST": (302, 404, 403, 403, 403, 200)}
PUBLIC = {"GET": (200,) * 6, "POST": (405,) * 6}
# Removing a member or ending a role holding really happens (302) for a plan manager.
MANAGE_AND_REDIRECT = {"GET": MANAGE["GET"], "POST": (302, 404, 403, 403, 403, 302)}
POST_ONLY_MANAGE = {"GET": (302, 405, 405, 405, 405, 405), "POST": (302, 404, 403, 403, 403, 302)}
# Challenges: board members and plan managers raise and close them; the action's lead responds.
RAISE_CHALLENGE = {"GET": (302, 404, 200, 403, 403, 200), "POST": (302, 404, 200, 403, 403, 200)}
RESPOND_CHALLENGE = {"GET": (302, 404, 403, 200, 403, 200), "POST": (302, 404, 403, 200, 403, 200)}
CLOSE_CHALLENGE = {"GET": (302, 405, 405, 405, 405, 405), "POST": (302, 404, 302, 403, 403, 302)}
# The data feed: a token or a member's session; an anonymous caller is asked for a token (401).
FEED = {"GET": (401, 404, 200, 200, 200, 200), "POST": (405,) * 6}
# Measures: their owner (here the lead, who holds the owner role) and plan managers enter values.
MEASURE_WRITE = {"GET": (302, 404, 403, 200, 403, 200), "POST": (302, 404, 403, 200, 403, 200)}
# A values import preview belongs to its uploader (the plan manager): the lead is told it does not exist.
MEASURE_PREVIEW = {"GET": (302, 404, 403, 404, 403, 200), "POST": (302, 404, 403, 404, 403, 200)}
# Home sends each person to their own home page: the dashboard, My actions or the plan list.
HOME = {"GET": (302,) * 6, "POST": (302, 405, 405, 405, 405, 405)}
# The audit log and its CSV: read-only, for plan managers (and superusers).
MANAGE_READ = {"GET": MANAGE["GET"], "POST": (302, 405, 405, 405, 405, 405)}

MATRIX = {
    "healthz": PUBLIC,
    "plans:home": HOME,
    "governance:dashboard": READ,
    "governance:my_actions": EVERYONE_SIGNED_IN,
    "plans:plan_detail": READ,
    "governance:recommendation_detail": READ,
    "plans:action_list": READ,
    "plans:plan_export": READ,
    "governance:action_detail": READ,
    "governance:evidence_download": READ,
    "governance:update_submit": LEAD_WRITE,
    "governance:evidence_add": LEAD_WRITE,
    # Withdrawing evidence: its uploader (the lead) or a plan manager.
    "governance:evidence_withdraw": LEAD_WRITE,
    "governance:action_edit": MANAGE,
    "governance:action_close": MANAGE,
    "governance:action_withdraw": MANAGE,
    "plans:people": READ,
    "plans:invite": MANAGE,
    "plans:role_holders": MANAGE,
    "plans:membership_remove": MANAGE_AND_REDIRECT,
    "plans:role_holder_end": POST_ONLY_MANAGE,
    "plans:audit_log": MANAGE_READ,
    "plans:audit_log_csv": MANAGE_READ,
    "governance:board": READ,
    "governance:board_detail": READ,
    "governance:meeting_detail": READ,
    "governance:meeting_create": MANAGE,
    "governance:meeting_update": MANAGE,
    "governance:decision_add": MANAGE,
    "governance:feed_tokens": MANAGE,
    "governance:challenge_raise": RAISE_CHALLENGE,
    "governance:challenge_respond": RESPOND_CHALLENGE,
    "governance:challenge_close": CLOSE_CHALLENGE,
    "governance:decision_set_status": POST_ONLY_MANAGE,
    "governance:action_remind": POST_ONLY_MANAGE,
    "governance:feed_token_revoke": POST_ONLY_MANAGE,
    "governance:board_packs": READ,
    "governance:meeting_packs": READ,
    "governance:pack_detail": READ,
    "governance:pack_download": READ,
    "governance:dashboard_download": READ,
    # The world's meeting has its papers already, so a manager's empty POST re-shows the form.
    "governance:pack_issue": MANAGE,
    "governance:plan_feed_json": FEED,
    "governance:plan_feed_csv": FEED,
    "governance:pack_feed_json": FEED,
    "governance:pack_feed_csv": FEED,
    "measures:measure_list": READ,
    "measures:measure_detail": READ,
    "measures:value_create": MEASURE_WRITE,
    "measures:comparator_value_create": MEASURE_WRITE,
    "measures:value_import": MEASURE_WRITE,
    "measures:measure_edit": MANAGE,
    "measures:value_import_preview": MEASURE_PREVIEW,
    "plans:import_upload": IMPORT,
    "plans:import_preview": IMPORT_PREVIEW,
    "two_factor": EVERYONE_SIGNED_IN,
    "two_factor_verify": TWO_FACTOR_VERIFY,
    "two_factor_setup": TWO_FACTOR_SETUP,
    "two_factor_recovery_codes": TWO_FACTOR_CODES,
}
# Covered elsewhere: Django's own sign-in, sign-out and password pages (tests/security/test_sign_in_required.py,
# tests/plans/test_people.py) and the admin, which is for superusers only.
NOT_IN_MATRIX_PREFIXES = ("admin:",)
NOT_IN_MATRIX = {
    "plans:invitation_accept",  # open by design: the one-time token is the key (tests/plans/test_people.py)
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def url_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def url_names():
    return [name for name, _ in url_patterns()]


def test_every_url_has_a_row_in_the_matrix():
    names = {name for name in url_names() if not name.startswith(NOT_IN_MATRIX_PREFIXES) and name not in NOT_IN_MATRIX}
    assert names - set(MATRIX) == set(), "add these pages to the permission matrix"
    assert set(MATRIX) - names == set(), "these matrix rows name no page"


# The `world` fixture (the committed plan, people and one of each object) is in tests/security/conftest.py.
# Which object a URL's `pk` names; anything not listed takes the action (3.6).
PK_OBJECT = {
    "plans:import_preview": "preview",
    "governance:recommendation_detail": "recommendation",
    "governance:evidence_download": "evidence",
    "governance:evidence_withdraw": "evidence",
    "plans:membership_remove": "membership",
    "plans:role_holders": "role",
    "plans:role_holder_end": "holder",
    "governance:board_detail": "board",
    "governance:meeting_create": "board",
    "governance:meeting_detail": "meeting",
    "governance:meeting_update": "meeting",
    "governance:decision_add": "meeting",
    "governance:decision_set_status": "decision",
    "governance:challenge_respond": "challenge",
    "governance:challenge_close": "challenge",
    "governance:feed_token_revoke": "token",
    "governance:pack_feed_json": "pack",
    "governance:pack_feed_csv": "pack",
    "governance:pack_detail": "pack",
    "measures:measure_detail": "measure",
    "measures:measure_edit": "measure",
    "measures:value_create": "measure",
    "measures:comparator_value_create": "measure",
    "measures:value_import_preview": "value_import",
    "governance:pack_download": "pack",
}


def url_for(name: str, objects: dict) -> str:
    pattern = dict(url_patterns())[name]
    values = {
        "slug": objects["plan"].slug,
        "fmt": "csv",
        "pk": objects[PK_OBJECT.get(name, "action")].pk,
        "board_pk": objects["board"].pk,
        "meeting_pk": objects["meeting"].pk,
    }
    return reverse(name, kwargs={key: values[key] for key in pattern.pattern.converters})


CASES = [(name, person, method) for name in MATRIX for person in PEOPLE for method in METHODS]


@pytest.mark.parametrize(("name", "person", "method"), CASES, ids=["-".join(case) for case in CASES])
def test_permission_matrix(client, db, world, name, person, method):
    people, objects = world
    if person != "anonymous":
        client.force_login(people[person])
    url = url_for(name, objects)
    expected = MATRIX[name][method][PEOPLE.index(person)]
    response = client.get(url) if method == "GET" else client.post(url, {})
    if expected == 302 and person == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    else:
        assert response.status_code == expected, (url, person, method, response.status_code)


def test_the_matrix_size_is_what_the_note_says():
    assert len(CASES) == len(MATRIX) * len(PEOPLE) * len(METHODS)
    print(f"permission matrix: {len(MATRIX)} URLs × {len(PEOPLE)} people × {len(METHODS)} methods = {len(CASES)}")


def test_a_lead_can_submit_an_update_but_not_for_another_leads_action(client, world):
    people, objects = world
    client.force_login(people["other_lead"])
    url = reverse("governance:update_submit", args=[objects["plan"].slug, objects["action"].pk])
    response = client.post(url, {"status": "green", "narrative": "Trying"})
    assert response.status_code == 403


def test_a_board_member_changes_nothing_even_with_a_valid_form(client, world):
    people, objects = world
    client.force_login(people["board_member"])
    action = objects["action"]
    url = reverse("governance:update_submit", args=[objects["plan"].slug, action.pk])
    file = SimpleUploadedFile("x.csv", b"a,b\n1,2\n", content_type="text/csv")
    before = ActionUpdate.objects.filter(action=action).count()
    response = client.post(
        url, {"status": "green", "narrative": "Board tries", "evidence_title": "x", "evidence_file": file}
    )
    assert response.status_code == 403
    assert ActionUpdate.objects.filter(action=action).count() == before
