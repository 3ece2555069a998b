"""Importing values from CSV and XLSX: errors by row and column, all or nothing, preview then confirm."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from measures import services
from measures.models import Measure, MeasureValue, ValueImport

HEADER = "measure_code,period,value,numerator,denominator,note\n"


@pytest.fixture
def seed_measures(seed_plan):
    call_command("loaddata", "seed_measures", verbosity=0)
    return {m.code: m for m in Measure.objects.filter(plan=seed_plan)}


def csv_bytes(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["measure_code", "period", "value", "numerator", "denominator", "note"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check(plan, content, fmt="csv", by=None):
    return services.check_file(plan=plan, content=content, fmt=fmt, by=by)


GOOD = [
    "CSC-03,2019-04,25,,,",
    "CSC-03,2019-05,,45,200,From the LCS extract",
    "CSC-19,2019-Q2,62.5,,,",
    "CSC-39,2019,14.2,,,",
    "CSC-08,2019-04,suppressed,,,Not yet available",
]


def test_a_good_file_is_written_whole(seed_plan, seed_measures):
    result, written = services.measure_values_import_file(plan=seed_plan, content=csv_bytes(*GOOD), fmt="csv")
    assert result.ok, result.errors
    assert written == 5
    values = {(v.measure.code, v.period): v for v in MeasureValue.objects.select_related("measure")}
    assert values["CSC-03", dt.date(2019, 5, 1)].value == D("22.5")  # derived
    assert values["CSC-19", dt.date(2019, 4, 1)].display == "62.5%"
    assert values["CSC-39", dt.date(2019, 1, 1)].display == "14.2"
    assert values["CSC-08", dt.date(2019, 4, 1)].suppressed
    assert all(v.history.count() == 1 for v in values.values())


def test_importing_the_same_file_twice_changes_nothing(seed_plan, seed_measures):
    services.measure_values_import_file(plan=seed_plan, content=csv_bytes(*GOOD), fmt="csv")
    result, written = services.measure_values_import_file(plan=seed_plan, content=csv_bytes(*GOOD), fmt="csv")
    assert written == 0 and result.count("same") == 5
    assert MeasureValue.history.count() == 5


def test_a_changed_figure_replaces_the_old_one_and_keeps_it_in_the_history(seed_plan, seed_measures):
    services.measure_values_import_file(plan=seed_plan, content=csv_bytes(*GOOD), fmt="csv")
    result, written = services.measure_values_import_file(
        plan=seed_plan, content=csv_bytes("CSC-03,2019-04,24,,,Corrected"), fmt="csv"
    )
    assert written == 1 and result.rows[0]["action"] == "change" and result.rows[0]["old"] == "25%"
    item = MeasureValue.objects.get(measure=seed_measures["CSC-03"], period=dt.date(2019, 4, 1))
    assert item.value == D(24) and [h.value for h in item.history.order_by("history_date")] == [D(25), D(24)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("CSC-03,2019-13,25,,,", "Row 2, column 'period': '2019-13' has no month 13"),
        ("CSC-03,April-2019,25,,,", "Row 2, column 'period': 'April-2019' is not a period"),
        ("CSC-03,2019-Q2,25,,,", "Row 2, column 'period': '2019-Q2' is a quarter, but this measure is monthly"),
        ("CSC-99,2019-04,25,,,", "Row 2, column 'measure_code': 'CSC-99' is not a measure of this plan."),
        (",2019-04,25,,,", "Row 2, column 'measure_code': is empty"),
        ("CSC-03,2019-04,twenty,,,", "Row 2, column 'value': 'twenty' is not a number."),
        ("CSC-03,2019-04,,45,none,", "Row 2, column 'denominator': 'none' is not a number."),
        ("CSC-03,2019-04,30,45,200,", "Row 2, column 'value': 30 disagrees with the numerator and denominator"),
        ("CSC-03,2019-04,,45,,", "Row 2, column 'denominator': Give the denominator too, or neither."),
        ("CSC-03,2019-04,,,,", "Row 2, column 'value': Give a value, or a numerator and a denominator"),
        ("CSC-03,2019-04,,5,0,", "Row 2, column 'denominator': The denominator cannot be 0."),
        (
            "CSC-07,2019-04,12%,,,",
            "Row 2, column 'value': '12%' is not a number (a % sign belongs to percentages only).",
        ),
    ],
)
def test_errors_name_the_row_and_the_column(seed_plan, seed_measures, line, expected):
    result = check(seed_plan, csv_bytes(line))
    assert not result.ok
    assert any(error.startswith(expected) for error in result.errors), result.errors


def test_duplicate_measure_and_period_rows_are_errors(seed_plan, seed_measures):
    result = check(seed_plan, csv_bytes("CSC-03,2019-04,25,,,", "CSC-19,2019-Q2,50,,,", "csc-03,April 2019,26,,,"))
    assert result.errors == ["Row 4, column 'period': CSC-03 for April 2019 is given already in row 2."]


def test_one_bad_row_and_nothing_is_written(seed_plan, seed_measures):
    lines = [*GOOD, "CSC-03,2019-06,abc,,,", "CSC-99,2019-06,1,,,", "CSC-03,2019-04,26,,,"]
    result, written = services.measure_values_import_file(plan=seed_plan, content=csv_bytes(*lines), fmt="csv")
    assert written == 0 and not MeasureValue.objects.exists()
    assert [e.split(",")[0] for e in result.errors] == ["Row 7", "Row 8", "Row 9"]


def test_a_header_without_the_columns_is_refused(seed_plan, seed_measures):
    result = check(seed_plan, b"code,when,value\nCSC-03,2019-04,25\n")
    assert "The header row lacks the column(s) 'measure_code', 'period'." in result.errors


def test_unknown_columns_are_ignored_with_a_warning(seed_plan, seed_measures):
    result = check(seed_plan, b"measure_code,period,value,team\nCSC-03,2019-04,25,North\n")
    assert result.ok and result.warnings == [
        "Column 'team' is not one of measure_code, period, value, numerator, denominator, note; it is ignored."
    ]


def test_blank_lines_are_harmless_and_an_empty_file_is_an_error(seed_plan, seed_measures):
    assert check(seed_plan, csv_bytes("CSC-03,2019-04,25,,,", ",,,,,", "")).ok
    assert check(seed_plan, HEADER.encode()).errors == ["The file has no rows of values under its header row."]
    assert check(seed_plan, b"").errors == ["The file is empty: its first row must name the columns."]


def test_a_formula_prefix_is_read_back(seed_plan, seed_measures):
    result = check(seed_plan, csv_bytes("CSC-03,2019-04,25,,,'=not a formula"))
    assert result.ok and result.rows[0]["cells"]["note"] == "=not a formula"


def test_xlsx_is_read_with_its_numbers_and_dates(seed_plan, seed_measures):
    content = xlsx_bytes(
        [
            ["CSC-03", dt.datetime(2019, 4, 1), 25.5, None, None, "Typed in Excel"],  # Excel turned 2019-04 into a date
            ["CSC-03", "2019-05", None, 45, 200, None],
            ["CSC-39", 2019, 14.2, None, None, None],
        ]
    )
    result, written = services.measure_values_import_file(plan=seed_plan, content=content, fmt="xlsx")
    assert result.ok, result.errors
    assert written == 3
    assert MeasureValue.objects.get(measure__code="CSC-39").value == D("14.2")


def test_xlsx_errors_by_row_too(seed_plan, seed_measures):
    content = xlsx_bytes([["CSC-03", "2019-04", 25, None, None, None], ["CSC-03", "2019-04", "n/a", None, None, None]])
    result = check(seed_plan, content, fmt="xlsx")
    assert result.errors == ["Row 3, column 'value': 'n/a' is not a number."]


def test_a_file_that_is_not_xlsx_is_refused(seed_plan, seed_measures):
    assert check(seed_plan, b"not a zip", fmt="xlsx").errors == ["The file is not an XLSX workbook."]


def test_an_owner_may_import_only_the_measures_they_own(seed_plan, seed_measures, lead):
    # The lead holds Head of Quality Assurance (CC&S), which owns CSC-20 and not CSC-03.
    result = check(seed_plan, csv_bytes("CSC-20,2019-04,80,,,", "CSC-03,2019-04,25,,,"), by=lead)
    assert result.errors == [
        "Row 3, column 'measure_code': you cannot enter values for CSC-03 "
        "(its owner is Director of Community Solutions (London Borough of Barking and Dagenham))."
    ]


# The command ---------------------------------------------------------------------------------------


def test_the_command_imports_a_good_file(seed_plan, seed_measures, tmp_path, capsys):
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes(*GOOD))
    call_command("import_measure_values", str(path), "--plan", seed_plan.slug)
    assert MeasureValue.objects.count() == 5
    assert "5 new, 0 changed, 0 unchanged" in capsys.readouterr().out


def test_the_command_exits_with_an_error_and_writes_nothing(seed_plan, seed_measures, tmp_path, capsys):
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes(*GOOD, "CSC-03,2019-13,1,,,"))
    with pytest.raises(CommandError, match="Nothing was imported: 1 error"):
        call_command("import_measure_values", str(path), "--plan", seed_plan.slug)
    assert not MeasureValue.objects.exists()
    assert "Row 7, column 'period'" in capsys.readouterr().err


def test_the_command_exits_1_from_the_shell(seed_plan, seed_measures, tmp_path):
    from django.core.management import ManagementUtility

    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes("CSC-99,2019-04,1,,,"))
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "import_measure_values", str(path), "--plan", seed_plan.slug]).execute()
    assert exit_.value.code == 1


def test_the_command_records_who_entered_the_values(seed_plan, seed_measures, tmp_path, lead):
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes("CSC-03,2019-04,25,,,"))  # not the lead's measure: the command line may enter any
    call_command("import_measure_values", str(path), "--plan", seed_plan.slug, "--user", "lee", verbosity=0)
    item = MeasureValue.objects.get()
    assert item.entered_by == lead and item.history.get().history_user == lead


def test_the_command_refuses_an_unknown_plan(tmp_path, db):
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes("CSC-03,2019-04,1,,,"))
    with pytest.raises(CommandError, match="no plan with the slug 'nope'"):
        call_command("import_measure_values", str(path), "--plan", "nope")


# The web import: preview, then confirm ---------------------------------------------------------------


def upload(client, plan, content: bytes, name="values.csv"):
    return client.post(reverse("measures:value_import", args=[plan.slug]), {"file": SimpleUploadedFile(name, content)})


def test_the_web_import_previews_then_writes_on_confirming(manager_client, seed_plan, seed_measures):
    response = upload(manager_client, seed_plan, csv_bytes(*GOOD))
    preview = ValueImport.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "measures:value_import_preview", args=[seed_plan.slug, preview.pk]
    )
    assert not MeasureValue.objects.exists()  # nothing yet
    page = manager_client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Check the values before importing" in html and "April to June 2019" in html and "22.5%" in html
    assert "5 new values, 0 changed, 0 unchanged" in html
    confirmed = manager_client.post(response.url, {"decision": "import"})
    assert confirmed.status_code == 302 and confirmed.url == reverse("measures:measure_list", args=[seed_plan.slug])
    assert MeasureValue.objects.count() == 5
    preview.refresh_from_db()
    assert preview.state == "imported" and preview.written == 5
    # A second confirmation does nothing more.
    manager_client.post(response.url, {"decision": "import"})
    assert MeasureValue.history.count() == 5


def test_the_web_import_shows_errors_and_offers_no_import(manager_client, seed_plan, seed_measures):
    response = upload(manager_client, seed_plan, csv_bytes("CSC-03,2019-13,25,,,", "CSC-99,2019-04,1,,,"))
    page = manager_client.get(response.url)
    html = page.content.decode()
    assert "The file cannot be imported" in html
    assert "Row 2, column &#x27;period&#x27;" in html and "Row 3, column &#x27;measure_code&#x27;" in html
    assert "Import these values" not in html
    manager_client.post(response.url, {"decision": "import"})
    assert not MeasureValue.objects.exists()


def test_the_web_import_can_be_cancelled(manager_client, seed_plan, seed_measures):
    response = upload(manager_client, seed_plan, csv_bytes(*GOOD))
    cancelled = manager_client.post(response.url, {"decision": "cancel"})
    assert cancelled.status_code == 302
    assert ValueImport.objects.get().state == "cancelled" and not MeasureValue.objects.exists()


def test_rows_are_checked_again_on_confirming(manager_client, seed_plan, seed_measures):
    response = upload(manager_client, seed_plan, csv_bytes("CSC-03,2019-04,25,,,"))
    seed_measures["CSC-03"].delete()  # the measure went away meanwhile
    page = manager_client.post(response.url, {"decision": "import"})
    assert page.status_code == 200
    assert "&#x27;CSC-03&#x27; is not a measure of this plan" in page.content.decode()
    assert ValueImport.objects.get().state == "previewed"


def test_an_upload_must_be_csv_or_xlsx(manager_client, seed_plan, seed_measures):
    response = upload(manager_client, seed_plan, b"{}", name="values.json")
    assert response.status_code == 200 and "Choose a file that ends in .csv or .xlsx." in response.content.decode()


def test_a_preview_belongs_to_its_uploader(client, manager_client, seed_plan, seed_measures, lead):
    response = upload(manager_client, seed_plan, csv_bytes("CSC-20,2019-04,80,,,"))
    client.force_login(lead)  # owns CSC-20, may import, but this upload is not theirs
    assert client.get(response.url).status_code == 404


def test_an_owner_imports_their_own_measures_on_the_web(lead_client, seed_plan, seed_measures):
    response = upload(lead_client, seed_plan, csv_bytes("CSC-20,2019-04,80,,,", "CSC-20,2019-05,82,,,"))
    lead_client.post(response.url, {"decision": "import"})
    assert MeasureValue.objects.filter(measure__code="CSC-20").count() == 2
