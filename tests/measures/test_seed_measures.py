"""The seed's key measures (fixtures/seed_measures.json): loadable, idempotent, linked to what exists."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import call_command

from measures.models import Comparator, Measure, MeasureValue, Polarity, Unit
from plans.models import Statement

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed_measures.json"
SLUG = "barking-dagenham-ilacs-2019"

# What the seed's key measure sentences name, and the words of the sentence each measure quantifies.
NAMED = {
    "CSC-03": ("Re-referrals within 12 months", "Repeat referrals"),
    "CSC-07": ("Average caseload per social worker", "Average Caseloads"),
    "CSC-13": ("Assessments completed within 45 working days", "Assessment timeliness"),
    "CSC-21": ("Repeat child protection plans", "Child Protection (CP) plan"),
    "CSC-17": ("Child protection plans lasting two years or more", "Length of time"),
    "CSC-23": ("Pre-proceedings cases open over 16 weeks", "going over 16 weeks"),
    "CSC-24": ("Care proceedings over 26 weeks", "going over 26 weeks"),
    "CSC-35": ("Initial health assessments within 20 working days", "Initial Health"),
    "CSC-36": ("Review health assessments in time", "Review Health"),
    "CSC-39": ("Average SDQ score of looked after children", "SDQ scores"),
    "CSC-40": ("CAMHS waiting time", "waiting times"),
    "CSC-41": ("Care leavers with a health passport", "health passport"),
    "CSC-01": ("Early help assessments completed", "Early Help assessments"),
    "CSC-14": ("Children seen alone", "seen alone"),
    "CSC-16": ("Open cases with supervision in the month", "supervision in the month"),
    "CSC-20": ("Child protection core groups in timescale", "CP core groups in timescale"),
    "CSC-27": ("Children entering care via police protection", "police protection"),
    "CSC-30": ("Looked after children with three or more placements in the year", "Placement stability"),
    "CSC-38": ("Missed health assessment appointments", "missed health assessment appointments"),
    "CSC-32": ("Looked after children placed with parents", "children placed with parents"),
    "CSC-10": ("Section 47 enquiries resulting in no further action", "s.47 resulting in NFA"),
    "CSC-11": ("Initial child protection conferences resulting in a plan", "ICPC resulting in plans"),
    "CSC-08": ("Social workers who are permanent", "permanent workers"),
    "CSC-09": ("Social worker turnover", "reduction in turnover"),
    "CSC-06": ("Early help audits graded good or better", "Early Help audits graded as good"),
    "CSC-19": ("Child protection plan audits graded good or better", "CP plan quality good or better"),
    "CSC-43": ("Perpetrators completing a domestic abuse programme", "Perpetrators"),
}


@pytest.fixture
def loaded(db):
    call_command("loaddata", "seed_plan", "seed_board", "seed_measures", verbosity=0)
    return Measure.objects.filter(plan__slug=SLUG)


def snapshot() -> str:
    return serializers.serialize(
        "json",
        Measure.objects.order_by("code"),
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )


def test_the_fixture_uses_natural_keys_only():
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert all(item["model"] == "measures.measure" and "pk" not in item for item in data)
    for item in data:
        fields = item["fields"]
        assert fields["plan"] == [SLUG]
        assert all(key[0] == SLUG for key in fields["statements"] + fields["actions"] + fields["recommendations"])
        assert fields["owner"][0] == SLUG and len(fields["owner"]) == 3


def test_the_seed_measures_load_and_loading_twice_changes_nothing(loaded):
    first = snapshot()
    count, history = loaded.count(), Measure.history.count()
    links = [Measure.statements.through.objects.count(), Measure.actions.through.objects.count()]
    call_command("loaddata", "seed_measures", verbosity=0)
    assert snapshot() == first
    assert (loaded.count(), Measure.history.count()) == (count, history)
    assert [Measure.statements.through.objects.count(), Measure.actions.through.objects.count()] == links
    assert count == len(json.loads(FIXTURE.read_text(encoding="utf-8")))


def test_the_seed_measures_quantify_key_measure_sentences_of_their_actions(loaded):
    for measure in loaded.prefetch_related("statements__actions", "actions", "recommendations"):
        statements = list(measure.statements.all())
        assert statements, measure.code
        assert all(s.kind == Statement.Kind.MEASURE for s in statements), measure.code
        actions = set(measure.actions.all())
        assert actions, measure.code
        # Each sentence stands on the row of at least one of the measure's actions.
        for statement in statements:
            assert set(statement.actions.all()) & actions, (measure.code, statement.order)
        recommendations = {s.recommendation_id for s in statements} | {a.recommendation_id for a in actions}
        assert {r.pk for r in measure.recommendations.all()} == recommendations, measure.code
        assert measure.owner is not None and measure.owner.plan_id == measure.plan_id


def test_the_measures_the_sentences_name_are_there(loaded):
    by_code = {m.code: m for m in loaded.prefetch_related("statements")}
    for code, (name, words) in NAMED.items():
        measure = by_code[code]
        assert measure.name == name
        assert any(words.lower() in s.text.lower() for s in measure.statements.all()), (code, words)


def test_the_seed_measures_are_well_formed_and_invent_no_figures(loaded):
    codes = list(loaded.values_list("code", flat=True))
    assert all(re.fullmatch(r"CSC-\d\d", code) for code in codes)
    for measure in loaded:
        assert measure.unit in Unit.values and measure.polarity in Polarity.values
        assert measure.definition and measure.source
        assert measure.target is None and measure.target_date is None
        assert measure.baseline_value is None and measure.baseline_period is None
        measure.full_clean()
    assert not MeasureValue.objects.exists() and not Comparator.objects.exists()


def test_units_and_polarities_follow_the_sentences(loaded):
    by_code = {m.code: m for m in loaded}
    assert (by_code["CSC-03"].unit, by_code["CSC-03"].polarity) == ("percentage", "lower")
    assert (by_code["CSC-13"].unit, by_code["CSC-13"].polarity) == ("percentage", "higher")
    assert (by_code["CSC-39"].unit, by_code["CSC-39"].frequency) == ("score", "year")
    assert (by_code["CSC-40"].unit, by_code["CSC-40"].polarity) == ("weeks", "lower")
    assert (by_code["CSC-43"].polarity, by_code["CSC-43"].frequency) == ("higher", "quarter")


def test_the_seed_measures_load_on_the_imported_seed_plan_too(seed_plan):
    """Tests build the seed plan with the importer: its statement and action orders are the fixture's."""
    call_command("loaddata", "seed_measures", verbosity=0)
    assert Measure.objects.filter(plan=seed_plan).count() == len(json.loads(FIXTURE.read_text(encoding="utf-8")))
