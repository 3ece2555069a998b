"""Mass assignment: the real forms, posted with extra fields naming another plan, another owner,
an id, a version, a status or superuser rights, save only what the form offers."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from governance.models import ActionUpdate, Challenge, Evidence, FeedToken, Meeting
from measures.models import MeasureValue
from plans.models import Action, Invitation
from tests.security.forms_registry import FORMS
from tests.security.probes import url_with

EXTRA = {
    "is_superuser": "on",
    "is_staff": "on",
    "created_by": "1",
    "submitted_by": "1",
    "added_by": "1",
    "raised_by": "1",
    "entered_by": "1",
}


def _extra(objects: dict) -> dict:
    other = objects["other"]
    return EXTRA | {
        "plan": str(other["plan"].pk),
        "plan_id": str(other["plan"].pk),
        "action": str(other["action"].pk),
        "action_id": str(other["action"].pk),
        "board": str(other["board"].pk),
        "measure": str(other["measure"].pk),
        "id": str(other["action"].pk),
        "pk": str(other["action"].pk),
        "state": "closed",
        "closed_at": "2019-01-01",
        "slug": "hijacked",
        "reference": "HIJACKED",
    }


# Which rows each post makes or changes, and what must hold of them.
CHECKS = {
    "UpdateForm": lambda o, u: ActionUpdate.objects.filter(action=o["action"]).latest("pk").submitted_by == u,
    "EvidenceForm": lambda o, u: Evidence.objects.filter(action=o["action"]).latest("pk").added_by == u,
    "EditActionForm": lambda o, u: Action.objects.get(pk=o["action"].pk).reference == o["action"].reference,
    "MeetingForm": lambda o, u: Meeting.objects.latest("pk").board_id == o["board"].pk,
    "ChallengeForm": lambda o, u: (
        Challenge.objects.latest("pk").action_id == o["action"].pk and Challenge.objects.latest("pk").raised_by == u
    ),
    "FeedTokenForm": lambda o, u: (
        FeedToken.objects.latest("pk").plan_id == o["plan"].pk and FeedToken.objects.latest("pk").created_by == u
    ),
    "ValueForm": lambda o, u: MeasureValue.objects.latest("pk").measure_id == o["measure"].pk,
    "InviteForm": lambda o, u: Invitation.objects.latest("pk").plan_id == o["plan"].pk,
}


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_extra_fields_in_a_post_are_ignored(client, db, world, key):
    people, objects = world
    case = FORMS[key]
    user = people[case.person]
    client.force_login(user)
    other = objects["other"]
    before = {
        "other_actions": list(other["plan"].actions.values_list("id", "version", "state", "reference")),
        "other_plan": (other["plan"].slug, other["plan"].title),
    }
    data = case.data(objects)
    if key == "EditActionForm":
        data["version"] = str(Action.objects.get(pk=objects["action"].pk).version)
    response = client.post(url_with(case.view, objects), data | _extra(objects))
    # Saved (a new feed token is shown once, on the page itself, rather than redirected to).
    assert response.status_code == (200 if key == "FeedTokenForm" else 302), response.content.decode()[-3000:]
    assert CHECKS[key](objects, user)
    other["plan"].refresh_from_db()
    assert list(other["plan"].actions.values_list("id", "version", "state", "reference")) == before["other_actions"]
    assert (other["plan"].slug, other["plan"].title) == before["other_plan"]
    user.refresh_from_db()
    assert not user.is_superuser and not user.is_staff
    assert not get_user_model().objects.filter(is_superuser=True).exclude(username="m-admin").exists()


def test_a_choice_from_another_plan_is_refused(client, db, world):
    """Choice fields offer only the plan's own objects: another plan's role, action or meeting is invalid."""
    people, objects = world
    other = objects["other"]
    client.force_login(people["plan_manager"])
    response = client.post(
        url_with("governance:decision_add", objects),
        {"text": "x", "owner_role": other["role"].pk, "actions": [other["action"].pk]},
    )
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    client.force_login(people["board_member"])
    response = client.post(
        url_with("governance:challenge_raise", objects), {"text": "x", "meeting": other["meeting"].pk}
    )
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    client.force_login(people["plan_manager"])
    response = client.post(
        reverse("governance:action_withdraw", args=[objects["plan"].slug, objects["action"].pk]),
        {"state_reason": "x", "superseded_by": other["action"].pk, "version": objects["action"].version},
    )
    assert response.status_code == 200 and b"Select a valid choice" in response.content
