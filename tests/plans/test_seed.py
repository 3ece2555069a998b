"""The seed fixture checked against the seed plan's own text, not against itself."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from plans.models import Action, Finding, Plan, Statement

SOURCE = Path(settings.BASE_DIR) / "fixtures" / "seed" / "barking-dagenham-2019.source.txt"
SHARED_SOURCE = Path(settings.BASE_DIR).parent / "shared" / "seed" / "000_eb274db4138098bd.txt"
MONTH_YEAR = r"(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"
BY_WHEN = re.compile(rf"^({MONTH_YEAR}|Ongoing|Quarterly from {MONTH_YEAR})$")


def collapse(text: str) -> str:
    return " ".join(text.split())


def cell_pieces(cell: str) -> list[str]:
    """A cell's statements: each <p> paragraph on its own, markup dropped."""
    pieces = re.findall(r"<p>(.*?)</p>", cell) if "<p>" in cell else [cell]
    return [collapse(piece) for piece in pieces if collapse(piece)]


def seed_rows() -> list[dict]:
    """Rows of the seed's action tables: reference, description, leads, by when, outcomes, measures."""
    rows: list[dict] = []
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if re.fullmatch(r"\d+\.\d+", fields[0].strip()):
            by_index = next(i for i, f in enumerate(fields) if BY_WHEN.match(f.strip()))
            rows.append(
                {
                    "reference": fields[0].strip(),
                    "description": collapse(fields[1]) if by_index == 3 else None,
                    "leads": collapse(fields[by_index - 1]),
                    "due": fields[by_index].strip(),
                    "outcomes": cell_pieces(fields[by_index + 1]) if len(fields) > by_index + 1 else [],
                    "measures": cell_pieces(fields[by_index + 2]) if len(fields) > by_index + 2 else [],
                }
            )
        elif fields[0] == "" and len(fields) > 2 and rows and fields[1].strip() and not fields[1].startswith("Action"):
            # A continuation line: the previous row's cells carry on (3.6 in the seed).
            previous = rows[-1]
            previous["description"] = collapse(f"{previous['description']} {fields[1]}")
            previous["outcomes"] += cell_pieces(fields[4]) if len(fields) > 4 else []
            previous["measures"] += cell_pieces(fields[5]) if len(fields) > 5 else []
    return rows


@pytest.fixture(scope="module")
def seed_loaded(django_db_setup, django_db_blocker):
    """Loaded once for this module's read-only tests, then removed."""
    with django_db_blocker.unblock():
        call_command("loaddata", "seed_plan", verbosity=0)
        plan = Plan.objects.get(slug="barking-dagenham-ilacs-2019")
        yield plan
        plan.delete()


@pytest.fixture
def seed(db, seed_loaded):
    return seed_loaded


def test_source_copy_matches_the_shared_seed():
    if not SHARED_SOURCE.exists():
        pytest.skip("shared/seed is not beside this checkout")
    assert SOURCE.read_bytes() == SHARED_SOURCE.read_bytes()


def test_seed_text_has_the_35_actions_we_expect():
    references = [row["reference"] for row in seed_rows()]
    assert len(references) == 35
    assert "3.5" not in references and "3.8" not in references


def test_every_action_reference_of_the_seed_is_in_the_fixture_in_order(seed):
    assert list(seed.actions.order_by("order").values_list("reference", flat=True)) == [
        row["reference"] for row in seed_rows()
    ]


def test_every_by_when_appears_on_the_right_action(seed):
    for row in seed_rows():
        action = Action.objects.get(plan=seed, reference=row["reference"])
        assert action.due_text == row["due"], row["reference"]


def test_descriptions_are_as_written_and_missing_ones_are_not_invented(seed):
    for row in seed_rows():
        action = Action.objects.get(plan=seed, reference=row["reference"])
        if row["description"] is None:
            assert action.description == ""
            assert action.description_missing, row["reference"]
        else:
            assert action.description == row["description"], row["reference"]
            assert not action.description_missing
    assert sorted(seed.actions.filter(description_missing=True).values_list("reference", flat=True)) == [
        "2.1",
        "2.2",
        "2.3",
    ]


def test_every_lead_cell_is_split_into_titles_as_written(seed):
    for row in seed_rows():
        action = Action.objects.get(plan=seed, reference=row["reference"])
        titles = [link.role.title for link in action.action_leads.order_by("order")]
        assert titles, row["reference"]
        # The titles, run together as the PDF table did, give the cell back.
        assert " ".join(titles) == row["leads"].rstrip("."), row["reference"]


def test_the_readme_settled_lead_readings(seed):
    def leads(reference):
        action = Action.objects.get(plan=seed, reference=reference)
        return [(link.role.title, link.role.organisation) for link in action.action_leads.order_by("order")]

    council = "London Borough of Barking and Dagenham"
    assert [t for t, _ in leads("1.1")] == [
        "Director of Community Solutions",
        "Director of Commissioning, Children's Care and Support (CC&S)",
    ]
    assert leads("2.3") == [("Director of Operations (CC&S)", council), ("Chris Bush", council)]
    assert leads("5.2") == [
        (
            "Executive Director Integrated Care and Transformation, North East London NHS Foundation Trust",
            "North East London NHS Foundation Trust",
        ),
        ("DCS", council),
        ("Managing Director BHR CCGs", "Barking and Dagenham, Havering and Redbridge CCGs"),
    ]
    assert [t for t, _ in leads("5.3")] == ["Nurse Director, Barking & Dagenham, Havering and Redbridge CCGs"]
    assert leads("6.1")[1] == ("LSCB", "Barking and Dagenham Safeguarding Partnership")


def test_every_outcome_and_measure_sentence_is_kept_on_its_action(seed):
    checked = 0
    for row in seed_rows():
        action = Action.objects.get(plan=seed, reference=row["reference"])
        for kind, pieces in ((Statement.Kind.OUTCOME, row["outcomes"]), (Statement.Kind.MEASURE, row["measures"])):
            texts = list(action.statements.filter(kind=kind).values_list("text", flat=True))
            for piece in pieces:
                assert any(piece in text for text in texts), (row["reference"], kind, piece)
                checked += 1
    assert checked == 64


def test_sentences_split_across_rows_are_one_statement_on_both_actions(seed):
    joined = Statement.objects.get(plan=seed, text__startswith="Multi agency early help services are underpinned")
    assert sorted(joined.actions.values_list("reference", flat=True)) == ["1.4", "1.5"]
    sgo = Statement.objects.get(plan=seed, text__contains="and less breakdowns of SGO placements")
    assert sorted(sgo.actions.values_list("reference", flat=True)) == ["3.4", "3.6"]
    health = Statement.objects.get(plan=seed, text__contains="including mental health service")
    assert sorted(health.actions.values_list("reference", flat=True)) == ["5.3", "5.4"]


def test_no_markup_is_left_in_any_text(seed):
    for text in Statement.objects.filter(plan=seed).values_list("text", flat=True):
        assert "<p>" not in text and "</p>" not in text
    for text in seed.actions.values_list("description", flat=True):
        assert "<" not in text


def test_recommendations_are_the_headings_without_their_prefix(seed):
    headings = re.findall(r"^Ofsted Recommendation (\d)[.:] (.+)$", SOURCE.read_text(encoding="utf-8"), re.M)
    assert len(headings) == 6
    assert [(r.reference, r.text) for r in seed.recommendations.order_by("order")] == [
        (number, text.strip()) for number, text in headings
    ]


def test_findings_are_the_nine_strengths_and_nine_areas(seed):
    text = SOURCE.read_text(encoding="utf-8")
    strengths = [s.strip() for s in re.findall(r"^- ✓ (.+)$", text, re.M)]
    areas = [s.strip() for s in re.findall(r"^- ❖ (.+)$", text, re.M)]
    assert len(strengths) == len(areas) == 9
    assert list(seed.findings.filter(kind=Finding.Kind.STRENGTH).values_list("text", flat=True)) == strengths
    assert list(seed.findings.filter(kind=Finding.Kind.AREA_FOR_IMPROVEMENT).values_list("text", flat=True)) == areas


def test_inspection_facts(seed):
    assert (seed.inspection_start.isoformat(), seed.inspection_end.isoformat()) == ("2019-02-18", "2019-03-01")
    assert seed.report_published.isoformat() == "2019-04-01"
    assert seed.inspection_judgement.lower() == "requires improvement to be good"


def test_derived_dates_of_the_seed(seed):
    def action(reference):
        return Action.objects.get(plan=seed, reference=reference)

    assert action("1.1").due_date.isoformat() == "2019-12-31"
    assert action("1.3").due_date is None  # Ongoing
    assert (action("2.6").due_date.isoformat(), action("2.6").due_recurrence) == ("2019-04-30", "quarterly")


def test_loading_the_fixture_twice_changes_nothing(seed):
    from django.core import serializers

    def snapshot():
        return serializers.serialize(
            "json",
            [*Plan.objects.all(), *seed.actions.all(), *seed.statements.all(), *seed.roles.all()],
            use_natural_foreign_keys=True,
        )

    before = snapshot()
    call_command("loaddata", "seed_plan", verbosity=0)
    assert snapshot() == before
    assert seed.actions.count() == 35
