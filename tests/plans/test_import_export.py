"""Importing and exporting plans as JSON, CSV and XLSX, through the management commands."""

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from plans.models import Action, ActionLead, Plan, Recommendation, Role, Statement
from plans.services import plan_export
from tests.conftest import SEED_SLUG

SEED_FILE = Path(settings.BASE_DIR) / "fixtures" / "seed" / "barking-dagenham-2019.plan.json"
COLUMNS = "recommendation_reference recommendation_text action_reference description leads start due outcomes measures"
COLUMNS = COLUMNS.split()


def import_plan(path, *options) -> str:
    """Run import_plan and return what it wrote to stderr (its warnings)."""
    stderr = io.StringIO()
    call_command("import_plan", str(path), *options, stdout=io.StringIO(), stderr=stderr)
    return stderr.getvalue()


def import_fails(path, *options) -> str:
    """Run import_plan expecting it to exit 1; return its CommandError message and stderr together."""
    stderr = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_plan", str(path), *options, stdout=io.StringIO(), stderr=stderr)
    return f"{raised.value}\n{stderr.getvalue()}"


def export_plan(plan, fmt: str, tmp_path: Path) -> bytes:
    output = tmp_path / f"export.{fmt}"
    call_command("export_plan", str(plan), "--format", fmt, "--output", str(output), stderr=io.StringIO())
    return output.read_bytes()


def reimport(content: bytes, fmt: str, tmp_path: Path, *options) -> str:
    path = tmp_path / f"reimport.{fmt}"
    path.write_bytes(content)
    return import_plan(path, *options)


def database_state() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Plan, Recommendation, Action, ActionLead, Statement, Role)
    }


def sheet_values(content: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_table(path: Path, rows: list[list[str]]) -> Path:
    """Write rows as CSV or, for a .xlsx path, as a workbook whose only sheet is 'Actions'."""
    if path.suffix == ".csv":
        path.write_bytes(csv_bytes(rows))
    else:
        workbook = Workbook()
        workbook.active.title = "Actions"
        for row in rows:
            workbook.active.append(row)
        workbook.save(path)
    return path


def json_file(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def action_facts(plan: Plan) -> list[dict]:
    """Each action of the plan as the file would say it, read back from the database."""
    return [
        {
            "recommendation": action.recommendation.reference,
            "reference": action.reference,
            "description": action.description,
            "leads": [role.title for role in action.lead_roles()],
            "start": (action.start_text, action.start_date),
            "due": (action.due_text, action.due_date, action.due_recurrence),
            "extra": action.extra,
            "outcomes": [s.text for s in action.statements.filter(kind="outcome").order_by("order")],
            "measures": [s.text for s in action.statements.filter(kind="measure").order_by("order")],
        }
        for action in plan.actions.with_leads().select_related("recommendation").order_by("order")
    ]


def statement_facts(plan: Plan) -> list[tuple]:
    """Each statement: its recommendation, kind, text and the descriptions of the actions it stands on."""
    return [
        (s.recommendation.reference, s.kind, s.text, sorted(a.description for a in s.actions.all()))
        for s in plan.statements.select_related("recommendation").prefetch_related("actions").order_by("order")
    ]


def small_plan(**action_changes) -> dict:
    actions = [{"reference": "1.1", "description": "Audit"}, {"reference": "1.2", "description": "Re-audit"}]
    actions[1] |= action_changes
    recommendation = {"reference": "1", "text": "Know the children", "actions": actions}
    return {"title": "Small plan", "organisation": "Anyshire County Council", "recommendations": [recommendation]}


# A plan nothing like the seed: three-part and repeated references, an action with no leads, a start,
# an unreadable due, a recurrence, extra columns, multi-line cells and a recommendation-level row.
GENERAL_ROWS = [
    [*COLUMNS, "Programme code", "RAG 2018"],
    [
        "4.1", "Assessments are timely and lead to help", "4.1.7", "Audit every open assessment over 45 days",
        "Head of Early Help\nPrincipal Social Worker", "April 2020", "March 2-21",
        "Assessments are completed within 45 days\nFamilies say they were listened to", "Audit grades\nTimeliness",
        "PC-017", "Amber",
    ],
    [
        "4.1", "", "4.1.7", "Re-audit a sample of the same cases", "", "", "Quarterly from April 2019",
        "Assessments are completed within 45 days", "", "PC-018", "",
    ],
    ["2.1", "Managers oversee practice", "", "", "", "", "", "Oversight is recorded on every file", "", "", ""],
    [
        "2.1", "Managers oversee practice", "2.1 (A)", "Supervision every four weeks", "Team managers", "",
        "June 2020", "Oversight is recorded on every file", "Supervision records on file", "", "Green",
    ],
]  # fmt: skip
GENERAL_OPTIONS = ["--title", "Anyshire children's improvement plan", "--organisation", "Anyshire County Council"]
GENERAL_SLUG = "anyshire-childrens-improvement-plan"
GENERAL_ACTIONS = [
    {"recommendation": "4.1", "reference": "4.1.7", "description": "Audit every open assessment over 45 days",
     "leads": ["Head of Early Help", "Principal Social Worker"], "start": ("April 2020", dt.date(2020, 4, 1)),
     "due": ("March 2-21", None, ""), "extra": {"Programme code": "PC-017", "RAG 2018": "Amber"},
     "outcomes": ["Assessments are completed within 45 days", "Families say they were listened to"],
     "measures": ["Audit grades", "Timeliness"]},
    {"recommendation": "4.1", "reference": "4.1.7", "description": "Re-audit a sample of the same cases",
     "leads": [], "start": ("", None), "due": ("Quarterly from April 2019", dt.date(2019, 4, 30), "quarterly"),
     "extra": {"Programme code": "PC-018"}, "outcomes": ["Assessments are completed within 45 days"], "measures": []},
    {"recommendation": "2.1", "reference": "2.1 (A)", "description": "Supervision every four weeks",
     "leads": ["Team managers"], "start": ("", None), "due": ("June 2020", dt.date(2020, 6, 30), ""),
     "extra": {"RAG 2018": "Green"}, "outcomes": ["Oversight is recorded on every file"],
     "measures": ["Supervision records on file"]},
]  # fmt: skip
AUDIT, REAUDIT, SUPERVISION = (action["description"] for action in GENERAL_ACTIONS)
GENERAL_STATEMENTS = [
    ("4.1", "outcome", "Assessments are completed within 45 days", [AUDIT, REAUDIT]),
    ("4.1", "outcome", "Families say they were listened to", [AUDIT]),
    ("4.1", "measure", "Audit grades", [AUDIT]),
    ("4.1", "measure", "Timeliness", [AUDIT]),
    ("2.1", "outcome", "Oversight is recorded on every file", []),  # the recommendation's own, on no action
    ("2.1", "outcome", "Oversight is recorded on every file", [SUPERVISION]),
    ("2.1", "measure", "Supervision records on file", [SUPERVISION]),
]
GENERAL_STATE = {"Plan": 1, "Recommendation": 2, "Action": 3, "ActionLead": 3, "Statement": 7, "Role": 3}

# Cells that a spreadsheet program would run as a formula, and one that is quoted already.
FORMULA_TEXTS = ["=SUM(A1)", "+44 20 7946 0000 is the out-of-hours line", "- agree the audit tool",
                 "@Team managers to confirm", "'=already quoted"]  # fmt: skip


def formula_plan() -> dict:
    actions = [{"reference": f"1.{n}", "description": text} for n, text in enumerate(FORMULA_TEXTS, start=1)]
    actions[0] |= {"leads": ["Head of Service", '=HYPERLINK("http://example.com")'], "extra": {"=Score": "-3"}}
    return {
        "extra": {"=Ward": "+North"},
        "slug": "formulas",
        "title": "Formulas",
        "organisation": "Anyshire County Council",
        "recommendations": [{"reference": "1", "text": "=1+1", "actions": actions}],
    }


# Round trips of the seed ---------------------------------------------------------------------


def test_the_seed_exported_as_json_and_reimported_with_replace_exports_the_same_bytes(seed_plan, tmp_path):
    first = export_plan(SEED_SLUG, "json", tmp_path)
    reimport(first, "json", tmp_path, "--replace")
    assert not Plan.objects.filter(pk=seed_plan.pk).exists()
    assert Plan.objects.get(slug=SEED_SLUG).actions.count() == 35
    assert export_plan(SEED_SLUG, "json", tmp_path) == first


def test_the_seed_exported_as_json_and_imported_into_a_new_slug_exports_the_same_bytes(seed_plan, tmp_path):
    first = export_plan(SEED_SLUG, "json", tmp_path)
    reimport(first, "json", tmp_path, "--slug", "seed-copy")
    assert Plan.objects.count() == 2
    expected = first.replace(f'"slug": "{SEED_SLUG}"'.encode(), b'"slug": "seed-copy"')
    assert expected != first
    assert export_plan("seed-copy", "json", tmp_path) == expected


def test_the_seed_exported_as_csv_and_imported_into_a_new_slug_exports_the_same_bytes(seed_plan, tmp_path):
    first = export_plan(SEED_SLUG, "csv", tmp_path)
    options = ["--slug", "seed-copy", "--title", seed_plan.title, "--organisation", seed_plan.organisation]
    reimport(first, "csv", tmp_path, *options)
    copy = Plan.objects.get(slug="seed-copy")
    assert copy.actions.count() == 35
    assert copy.statements.count() == seed_plan.statements.count()
    assert export_plan("seed-copy", "csv", tmp_path) == first


def test_the_seed_exported_as_xlsx_and_reimported_with_replace_has_the_same_cells_in_every_sheet(seed_plan, tmp_path):
    first = export_plan(SEED_SLUG, "xlsx", tmp_path)
    reimport(first, "xlsx", tmp_path, "--replace")
    assert not Plan.objects.filter(pk=seed_plan.pk).exists()
    before, after = sheet_values(first), sheet_values(export_plan(SEED_SLUG, "xlsx", tmp_path))
    assert list(after) == ["Actions", "Plan", "Findings", "Roles"]
    assert len(before["Actions"]) == 36 and len(before["Findings"]) == 19 and len(before["Roles"]) == 20
    assert after == before


def test_importing_the_seed_plan_file_then_exporting_json_gives_the_files_exact_bytes(db, tmp_path):
    import_plan(SEED_FILE)
    assert export_plan(SEED_SLUG, "json", tmp_path) == SEED_FILE.read_bytes()


# Bad input: refused, named, nothing written ------------------------------------------------------

REC_HEADER = ["recommendation_reference", "recommendation_text", "action_reference", "description"]
TWICE = {**small_plan(), "recommendations": small_plan()["recommendations"] * 2}  # recommendation "1" twice
BAD_FILES = [  # id, file name, content, what the message must say
    ("malformed-json", "plan.json", b'{"title": "T",\n  "organisation" "O"}', "not valid JSON: Expecting ':' "
     "delimiter at line 2, column 18."),
    ("due-is-a-number", "plan.json", json.dumps(small_plan(due=5)).encode(),
     "Recommendation 1 ('1'), action 2 ('1.2'), field 'due' must be text or null, not 5."),
    ("csv-missing-action-reference-column", "plan.csv", csv_bytes([[*REC_HEADER[:2], "description"], ["1", "R", "D"]]),
     "the header row lacks the required column(s) 'action_reference'."),
    ("csv-empty-recommendation-reference-on-row-3", "plan.csv",
     csv_bytes([REC_HEADER, ["1", "Know the children", "1.1", "Audit"], ["", "", "1.2", "Re-audit"]]),
     "Row 3: 'recommendation_reference' is empty; every row needs one."),
    ("csv-action-reference-and-nothing-else", "plan.csv", csv_bytes([COLUMNS, ["1", "R", "1.1", *[""] * 6]]),
     "Row 2: action '1.1' has a reference and nothing else"),
    ("text-as-xlsx", "plan.xlsx", csv_bytes([REC_HEADER, ["1", "R", "1.1", "Audit"]]), "not an XLSX workbook."),
    ("binary-as-csv", "plan.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "not CSV: it holds binary data."),
    ("non-utf8-csv", "plan.csv", b",".join(c.encode() for c in REC_HEADER) + b"\n1,Caf\xe9 visits,1.1,Visit\n",
     "not UTF-8 CSV: byte 79 cannot be read."),
    ("json-array", "plan.json", b'[{"title": "T"}]', "not a plan: its JSON must be an object"),
    ("nul-character", "plan.json", json.dumps(small_plan(description="Audit\x00the door")).encode(),
     "Recommendation 1 ('1'), action 2 ('1.2'), field 'description' must not contain the NUL character"),
    ("extra-that-is-not-an-object", "plan.json", json.dumps(small_plan(extra="a note", RAG="Amber")).encode(),
     "Recommendation 1 ('1'), action 2 ('1.2'), field 'extra' must be an object, not \"a note\"."),
    ("duplicate-recommendation-reference", "plan.json", json.dumps(TWICE).encode(),
     "Recommendation 2, field 'reference': '1' is used already by recommendation 1."),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "expected"), [pytest.param(*case[1:], id=case[0]) for case in BAD_FILES])
def test_a_bad_file_is_refused_with_a_message_naming_the_fault_and_writes_nothing(
    seed_plan, tmp_path, name, content, expected
):
    path = tmp_path / name
    path.write_bytes(content)
    before = database_state()
    # Asked to replace the seed: a half-done import would show as a missing or changed seed.
    message = import_fails(path, "--slug", SEED_SLUG, "--replace", *GENERAL_OPTIONS)
    assert "Nothing was imported: 1 error(s)" in message
    assert expected in message
    assert database_state() == before
    assert Plan.objects.get(slug=SEED_SLUG).pk == seed_plan.pk


def test_a_failure_midway_through_a_replace_leaves_the_old_plan_whole(seed_plan, tmp_path, monkeypatch):
    before, first = database_state(), export_plan(SEED_SLUG, "json", tmp_path)

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Statement.objects, "bulk_create", fail)  # after the plan, roles and actions
    path = write_table(tmp_path / "general.csv", GENERAL_ROWS)
    with pytest.raises(RuntimeError):
        import_plan(path, "--slug", SEED_SLUG, "--replace", *GENERAL_OPTIONS)
    assert database_state() == before
    assert Plan.objects.get(slug=SEED_SLUG).pk == seed_plan.pk
    assert export_plan(SEED_SLUG, "json", tmp_path) == first


def test_a_plan_whose_slug_exists_is_refused_without_replace_and_left_untouched(seed_plan, tmp_path):
    before, first = database_state(), export_plan(SEED_SLUG, "json", tmp_path)
    message = import_fails(SEED_FILE)
    assert f"A plan with the slug '{SEED_SLUG}' exists already" in message
    assert database_state() == before
    assert Plan.objects.get(slug=SEED_SLUG).pk == seed_plan.pk
    assert export_plan(SEED_SLUG, "json", tmp_path) == first


def test_replace_swaps_the_existing_plan_for_the_files_plan_whole(seed_plan, tmp_path):
    path = write_table(tmp_path / "general.csv", GENERAL_ROWS)
    import_plan(path, "--slug", SEED_SLUG, "--replace", *GENERAL_OPTIONS)
    plan = Plan.objects.get(slug=SEED_SLUG)
    assert plan.pk != seed_plan.pk
    assert plan.title == "Anyshire children's improvement plan"
    assert action_facts(plan) == GENERAL_ACTIONS
    assert database_state() == GENERAL_STATE


# A general plan, as CSV and as XLSX ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_general_plan_keeps_every_reference_lead_date_extra_and_statement_and_invents_nothing(db, tmp_path, fmt):
    warnings = import_plan(write_table(tmp_path / f"general.{fmt}", GENERAL_ROWS), *GENERAL_OPTIONS)
    assert warnings == ""
    plan = Plan.objects.get(slug=GENERAL_SLUG)
    assert action_facts(plan) == GENERAL_ACTIONS
    assert not plan.actions.filter(description_missing=True).exists()
    assert list(plan.recommendations.values_list("reference", "text", "extra")) == [
        ("4.1", "Assessments are timely and lead to help", {}),
        ("2.1", "Managers oversee practice", {}),
    ]
    assert statement_facts(plan) == GENERAL_STATEMENTS
    assert list(plan.roles.values_list("title", "organisation")) == [
        ("Head of Early Help", ""),
        ("Principal Social Worker", ""),
        ("Team managers", ""),
    ]
    assert database_state() == GENERAL_STATE


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_general_plan_exported_and_reimported_in_its_own_format_exports_the_same(db, tmp_path, fmt):
    import_plan(write_table(tmp_path / f"general.{fmt}", GENERAL_ROWS), *GENERAL_OPTIONS)
    first = export_plan(GENERAL_SLUG, fmt, tmp_path)
    reimport(first, fmt, tmp_path, "--slug", "copy", *GENERAL_OPTIONS)
    copy = Plan.objects.get(slug="copy")
    assert (action_facts(copy), statement_facts(copy)) == (GENERAL_ACTIONS, GENERAL_STATEMENTS)
    second = export_plan("copy", fmt, tmp_path)
    if fmt == "csv":
        assert second == first
    else:
        assert sheet_values(second)["Actions"] == sheet_values(first)["Actions"]
        # PostgreSQL's jsonb keeps keys sorted by length, so the extra columns' order differs by database.
        assert sorted(sheet_values(first)["Actions"][0][-2:]) == ["Programme code", "RAG 2018"]


def test_unknown_json_keys_are_kept_in_extra_and_listed_as_warnings(db, tmp_path):
    data = small_plan(**{"Programme code": "PC-017", "RAG 2018": ["Amber", "Green"]})
    data["Council ward"] = "Northfields"
    data["recommendations"][0]["Theme colour"] = "teal"
    warnings = import_plan(json_file(tmp_path / "plan.json", data))
    plan = Plan.objects.get(slug="small-plan")
    assert plan.extra == {"Council ward": "Northfields"}
    assert plan.recommendations.get().extra == {"Theme colour": "teal"}
    assert [a.extra for a in plan.actions.order_by("order")] == [
        {},
        {"Programme code": "PC-017", "RAG 2018": ["Amber", "Green"]},
    ]
    assert warnings.splitlines() == [
        "Warning: Plan: field 'Council ward' is not part of the plan format; it is kept in 'extra'.",
        "Warning: Recommendation 1 ('1'): field 'Theme colour' is not part of the plan format; it is kept in 'extra'.",
        "Warning: Recommendation 1 ('1'), action 2 ('1.2'): field 'Programme code' is not part of the plan format; "
        "it is kept in 'extra'.",
        "Warning: Recommendation 1 ('1'), action 2 ('1.2'): field 'RAG 2018' is not part of the plan format; "
        "it is kept in 'extra'.",
    ]


# Formula prefixing ------------------------------------------------------------------------------


def test_formula_like_cells_are_exported_to_csv_with_a_leading_quote_and_reimported_without(db, tmp_path):
    import_plan(json_file(tmp_path / "formulas.json", formula_plan()))
    content = export_plan("formulas", "csv", tmp_path)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [row["description"] for row in rows] == ["'" + text for text in FORMULA_TEXTS]
    assert rows[0]["leads"] == 'Head of Service\n=HYPERLINK("http://example.com")'  # not at the cell's start
    assert (rows[0]["recommendation_text"], rows[0]["'=Score"]) == ("'=1+1", "'-3")
    reimport(content, "csv", tmp_path, "--slug", "copy", "--title", "Formulas", "--organisation", "Anyshire")
    copy = Plan.objects.get(slug="copy")
    assert list(copy.actions.order_by("order").values_list("description", flat=True)) == FORMULA_TEXTS
    assert (copy.recommendations.get().text, copy.actions.get(reference="1.1").extra) == ("=1+1", {"=Score": "-3"})
    assert export_plan("copy", "csv", tmp_path) == content


def test_formula_like_cells_are_exported_to_xlsx_as_quoted_text_never_as_formulas(db, tmp_path):
    data = formula_plan()
    data["findings"] = [{"kind": "strength", "text": "=Leaders know their services"}]
    data["roles"] = [{"title": "@Head of Service", "organisation": "+Partners"}]
    import_plan(json_file(tmp_path / "formulas.json", data))
    content = export_plan("formulas", "xlsx", tmp_path)
    workbook = load_workbook(io.BytesIO(content))
    descriptions = [row[3] for row in workbook["Actions"].iter_rows(min_row=2)]
    assert [cell.value for cell in descriptions] == ["'" + text for text in FORMULA_TEXTS]
    assert {cell.data_type for cell in descriptions} == {"s"}
    assert workbook["Findings"]["B2"].value == "'=Leaders know their services"
    assert (workbook["Roles"]["A2"].value, workbook["Roles"]["B2"].value) == ("'@Head of Service", "'+Partners")
    assert workbook["Actions"]["J1"].value == "'=Score"
    assert ["'=Ward", "'+North"] in [[cell.value for cell in row] for row in workbook["Plan"].iter_rows()]
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    reimport(content, "xlsx", tmp_path, "--replace")
    plan = Plan.objects.get(slug="formulas")
    assert list(plan.actions.order_by("order").values_list("description", flat=True)) == FORMULA_TEXTS
    assert list(plan.findings.values_list("text", flat=True)) == ["=Leaders know their services"]
    assert (plan.extra, plan.actions.get(reference="1.1").extra) == ({"=Ward": "+North"}, {"=Score": "-3"})
    assert sheet_values(export_plan("formulas", "xlsx", tmp_path)) == sheet_values(content)


# CSV title and organisation ------------------------------------------------------------------------


def test_a_csv_plan_takes_its_title_and_organisation_from_the_command_options(db, tmp_path):
    import_plan(write_table(tmp_path / "general.csv", GENERAL_ROWS), *GENERAL_OPTIONS)
    assert list(Plan.objects.values_list("slug", "title", "organisation")) == [
        (GENERAL_SLUG, GENERAL_OPTIONS[1], GENERAL_OPTIONS[3])
    ]


def test_a_csv_plan_without_title_and_organisation_options_is_refused_naming_both(db, tmp_path):
    message = import_fails(write_table(tmp_path / "general.csv", GENERAL_ROWS))
    assert "Plan is missing required field 'title'." in message
    assert "Plan is missing required field 'organisation'." in message
    assert set(database_state().values()) == {0}


# Export to standard output ----------------------------------------------------------------------


@pytest.mark.parametrize("by", ["slug", "id"])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_plan_writes_the_plan_to_standard_output_by_slug_or_id(seed_plan, fmt, by):
    stdout = io.StringIO()
    call_command("export_plan", SEED_SLUG if by == "slug" else str(seed_plan.pk), "--format", fmt, stdout=stdout)
    text = stdout.getvalue()
    assert text == plan_export(plan=seed_plan, fmt=fmt).decode("utf-8")
    if fmt == "json":
        assert json.loads(text)["slug"] == SEED_SLUG
    else:
        assert len(list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))) == 36


@pytest.mark.parametrize("plan", ["no-such-plan", "999999"])
def test_exporting_an_unknown_plan_is_refused(seed_plan, plan):
    with pytest.raises(CommandError, match=f"No plan has the slug or id '{plan}'"):
        call_command("export_plan", plan, "--format", "json", stdout=io.StringIO())


def test_xlsx_to_a_text_stream_is_refused_asking_for_output(seed_plan):
    with pytest.raises(CommandError, match="give --output"):
        call_command("export_plan", SEED_SLUG, "--format", "xlsx", stdout=io.StringIO())


# A large plan -----------------------------------------------------------------------------------


def test_a_plan_of_500_actions_imports_whole(db, tmp_path):
    roles = [f"Head of Service {n}" for n in range(7)]
    recommendations = [
        {
            "reference": str(r),
            "text": f"Recommendation {r}",
            "actions": [
                {
                    "reference": f"{r}.{a}",
                    "description": f"Action {a} of recommendation {r}",
                    "leads": [roles[(r + a) % 7], roles[(r + a + 1) % 7]],
                    "due": "December 2020",
                    "outcomes": [f"Outcome {r}.{a % 5}"],
                    "measures": [f"Measure {r}.{a}"],
                }
                for a in range(1, 51)
            ],
        }
        for r in range(1, 11)
    ]
    data = {"slug": "large", "title": "Large", "organisation": "Anyshire", "recommendations": recommendations}
    import_plan(json_file(tmp_path / "large.json", data))
    plan = Plan.objects.get(slug="large")
    references = [f"{r}.{a}" for r in range(1, 11) for a in range(1, 51)]
    assert list(plan.actions.order_by("order").values_list("reference", flat=True)) == references
    assert ActionLead.objects.filter(action__plan=plan).count() == 1000
    assert plan.roles.count() == 7
    assert plan.statements.filter(kind="outcome").count() == 50
    assert plan.statements.filter(kind="measure").count() == 500
    assert Statement.objects.get(plan=plan, text="Outcome 3.2").actions.count() == 10
    assert json.loads(export_plan("large", "json", tmp_path))["recommendations"][9]["actions"][49]["leads"] == [
        roles[(10 + 50) % 7],
        roles[(10 + 50 + 1) % 7],
    ]
