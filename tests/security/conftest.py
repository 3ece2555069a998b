"""Shared data and settings for the security probes.

Hypothesis runs a fixed, derandomised profile ("ci": 25 examples each) unless HYPOTHESIS_PROFILE names
another (e.g. `HYPOTHESIS_PROFILE=deep` for a longer local run).
"""

import datetime as dt
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, settings

from governance.models import ActionUpdate, Board, BoardPack, Challenge, Decision, Evidence, FeedToken, Meeting
from governance.packs import board_pack_freeze
from measures.models import Measure, ValueImport
from plans.models import Membership, PlanImport, RoleHolder
from tests.conftest import LEAD_ROLE, _seed_data
from tests.factories import PlanFactory, UserFactory

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _other_plan() -> dict:
    """A second plan with one object of each kind, none of which the world's people may reach."""
    import copy

    from plans.services import plan_import

    plan = plan_import(data=copy.deepcopy(_seed_data()) | {"slug": "matrix-other-plan"})
    stranger = UserFactory(username="m-stranger")  # in the other plan only
    action = plan.actions.get(reference="3.6")
    role = plan.roles.get(title=LEAD_ROLE)
    holder = RoleHolder.objects.create(user=stranger, role=role)
    membership = Membership.objects.create(user=stranger, plan=plan, kind="board_member")
    evidence = Evidence.objects.create(
        action=action, period=dt.date(2019, 6, 1), kind="link", title="Elsewhere", url="https://example.org/",
        evidence_date=dt.date(2019, 6, 1), added_by=stranger, added_at=timezone.now(),
    )  # fmt: skip
    board = Board.objects.create(plan=plan, name="Another board")
    meeting = Meeting.objects.create(
        board=board, date=dt.date(2019, 7, 18), period=dt.date(2019, 6, 1), cutoff=dt.date(2019, 7, 11)
    )
    pack = BoardPack.objects.create(
        meeting=meeting, snapshot={}, snapshot_sha256="0" * 64, pdf=b"%PDF-1.7", pdf_sha256="0" * 64,
        frozen_by=stranger, frozen_at=timezone.now(),
    )  # fmt: skip
    return {
        "stranger": stranger,
        "plan": plan,
        "action": action,
        "recommendation": action.recommendation,
        "evidence": evidence,
        "membership": membership,
        "role": role,
        "holder": holder,
        "board": board,
        "meeting": meeting,
        "pack": pack,
        "decision": Decision.objects.create(meeting=meeting, text="Elsewhere"),
        "challenge": Challenge.objects.create(
            action=action, text="Elsewhere", raised_by=stranger, raised_at=timezone.now()
        ),
        "token": FeedToken.objects.create(
            plan=plan, name="Other", token_hash="1" * 64, prefix="11111111", created_by=stranger
        ),
        "measure": Measure.objects.create(
            plan=plan, code="OTHER-1", name="Elsewhere", unit="count", polarity="higher", owner=role
        ),
        "value_import": ValueImport.objects.create(plan=plan, uploaded_by=stranger, filename="v.csv", format="csv"),
        # A plan import preview belongs to its uploader alone.
        "preview": PlanImport.objects.create(
            uploaded_by=stranger, filename="plan.json", format="json", data=None, errors=["x"]
        ),
    }


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seed plan, its people and one of each object, committed once for the security probes.

    `objects["other"]` holds one object of each kind in a second plan, for the IDOR probes. Tests
    change the world only inside their own transaction (the `db` fixture), which is rolled back.
    """
    from django.test import override_settings

    from plans.services import plan_import

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        import copy

        from simple_history.models import registered_models

        # History rows are written for the world and again when it is deleted: all go at the end too.
        history_before = {
            model: model.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0
            for model in registered_models.values()
            if hasattr(model, "history")
        }
        plan = plan_import(data=copy.deepcopy(_seed_data()) | {"slug": "matrix-plan"})
        people = {
            "outsider": UserFactory(username="m-outsider"),
            "board_member": UserFactory(username="m-board"),
            "lead": UserFactory(username="m-lead"),
            "other_lead": UserFactory(username="m-other-lead"),
            "plan_manager": UserFactory(username="m-manager"),
            "superuser": UserFactory(username="m-admin", is_staff=True, is_superuser=True),
        }
        outsiders_plan = PlanFactory()
        Membership.objects.create(user=people["outsider"], plan=outsiders_plan, kind="plan_manager")
        membership = Membership.objects.create(user=people["board_member"], plan=plan, kind="board_member")
        Membership.objects.create(user=people["plan_manager"], plan=plan, kind="plan_manager")
        holder = RoleHolder.objects.create(user=people["lead"], role=plan.roles.get(title=LEAD_ROLE))
        RoleHolder.objects.create(user=people["other_lead"], role=plan.roles.get(title="Director of Public Health"))
        action = plan.actions.get(reference="3.6")
        update = ActionUpdate.objects.create(
            action=action,
            period=dt.date(2019, 6, 1),
            status="green",
            narrative="On track.",
            submitted_by=people["lead"],
            submitted_at=timezone.now(),
        )
        evidence = Evidence(
            action=action,
            update=update,
            period=dt.date(2019, 6, 1),
            kind="file",
            title="Review terms of reference",
            evidence_date=dt.date(2019, 6, 1),
            original_name="terms.csv",
            content_type="text/csv",
            size=8,
            added_by=people["lead"],
            added_at=timezone.now(),
        )
        evidence.file.save("terms.csv", SimpleUploadedFile("terms.csv", b"a,b\n1,2\n"), save=False)
        evidence.save()
        preview = PlanImport.objects.create(
            uploaded_by=people["plan_manager"], filename="plan.json", format="json", data=None, errors=["x"]
        )
        board = Board.objects.create(plan=plan, name="Children's Improvement Board")
        meeting = Meeting.objects.create(
            board=board, date=dt.date(2019, 7, 18), period=dt.date(2019, 6, 1), cutoff=dt.date(2019, 7, 11)
        )
        decision = Decision.objects.create(meeting=meeting, text="Report caseloads by team")
        challenge = Challenge.objects.create(
            action=action,
            text="Evidence does not show impact",
            raised_by=people["board_member"],
            raised_at=timezone.now(),
        )
        token = FeedToken.objects.create(
            plan=plan, name="Power BI", token_hash="0" * 64, prefix="00000000", created_by=people["plan_manager"]
        )
        pack = board_pack_freeze(meeting=meeting, by=people["plan_manager"])
        measure = Measure.objects.create(
            plan=plan, code="CSC-17", name="Children seen alone", unit="percentage", polarity="higher",
            owner=holder.role,
        )  # fmt: skip
        value_import = ValueImport.objects.create(
            plan=plan, uploaded_by=people["plan_manager"], filename="values.csv", format="csv"
        )
        objects = {
            "measure": measure,
            "value_import": value_import,
            "board": board,
            "meeting": meeting,
            "decision": decision,
            "challenge": challenge,
            "token": token,
            "pack": pack,
            "plan": plan,
            "action": action,
            "recommendation": action.recommendation,
            "evidence": evidence,
            "preview": preview,
            "membership": membership,
            "role": holder.role,
            "holder": holder,
        }
        objects["other"] = _other_plan()
        yield people, objects
        BoardPack.objects.filter(meeting__board__plan=objects["other"]["plan"]).delete()
        objects["other"]["plan"].delete()
        objects["other"]["preview"].delete()
        objects["other"]["stranger"].delete()
        value_import.delete()
        preview.delete()
        BoardPack.objects.filter(meeting__board__plan=plan).delete()
        token.delete()
        plan.delete()
        outsiders_plan.delete()  # committed data must not outlive the package: other tests count plans
        for user in people.values():
            user.delete()
        for model, last in history_before.items():
            model.history.filter(history_id__gt=last).delete()
