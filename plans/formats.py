"""Reading and writing plans as JSON, CSV and XLSX.

Every format is read into one shape, the JSON plan format (docs/plan-format.md), which is then
validated against docs/plan-format.schema.json. Readers never touch the database: they return
the plan's data with warnings and errors that name the row and field, so nothing is written
unless the whole file is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jsonschema
from defusedxml import DefusedXmlException
from django.conf import settings

FORMAT_NAME = "improvement-plan/1"
FORMATS = ("json", "csv", "xlsx")
SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "plan-format.schema.json"

CSV_COLUMNS = [
    "recommendation_reference",
    "recommendation_text",
    "action_reference",
    "description",
    "leads",
    "start",
    "due",
    "outcomes",
    "measures",
]
MULTI_VALUE_COLUMNS = {"leads", "outcomes", "measures"}

PLAN_KEYS = [
    "format", "slug", "title", "organisation", "published", "summary", "governance", "source",
    "inspection", "roles", "findings", "recommendations", "extra",
]  # fmt: skip
RECOMMENDATION_KEYS = ["reference", "text", "letter_text", "outcomes", "measures", "actions", "extra"]
ACTION_KEYS = [
    "reference", "description", "description_missing", "leads", "start", "due", "outcomes",
    "measures", "extra",
]  # fmt: skip
INSPECTION_KEYS = ["type", "start", "end", "judgement", "report_published"]
# The XLSX "Plan" sheet's rows (key, value); inspection fields are flattened.
PLAN_SHEET_KEYS = [
    "slug", "title", "organisation", "published", "summary", "governance", "source",
    "inspection_type", "inspection_start", "inspection_end", "inspection_judgement",
    "inspection_report_published",
]  # fmt: skip

# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_START = re.compile(r"^'*[=+\-@]")


class PlanFormatError(Exception):
    """The file cannot be read as a plan. `errors` name the row or field at fault."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ReadResult:
    data: dict | None
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors


def escape_formula(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with `'` (reversible)."""
    return "'" + value if _FORMULA_START.match(value) else value


def unescape_formula(value: str) -> str:
    if value.startswith("'") and _FORMULA_START.match(value):
        return value[1:]
    return value


def guess_format(filename: str) -> str | None:
    suffix = Path(filename).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


# Reading ----------------------------------------------------------------------------------


NESTED_TOO_DEEPLY = "The file is not a plan: its data is nested far more deeply than a plan's."


def read_plan(content: bytes, fmt: str, *, overrides: dict | None = None) -> ReadResult:
    """Read a file's bytes in the given format into validated plan data."""
    overrides = {key: value for key, value in (overrides or {}).items() if value}
    try:
        if fmt == "json":
            data = _read_json(content)
        elif fmt == "csv":
            data = _read_csv(content)
        elif fmt == "xlsx":
            data = _read_xlsx(content)
        else:
            raise PlanFormatError([f"Unknown format '{fmt}': use json, csv or xlsx."])
    except PlanFormatError as error:
        return ReadResult(None, errors=error.errors)
    except RecursionError:
        return ReadResult(None, errors=[NESTED_TOO_DEEPLY])
    if isinstance(data, dict):
        data.update(overrides)
    try:
        return validate_plan_data(data)
    except RecursionError:
        return ReadResult(None, errors=[NESTED_TOO_DEEPLY])


def _read_json(content: bytes) -> dict:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlanFormatError(["The file is not JSON: it is not UTF-8 text."]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanFormatError(
            [f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."]
        ) from None
    if not isinstance(data, dict):
        raise PlanFormatError(["The file is not a plan: its JSON must be an object ({…})."])
    return data


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_to_plan(header: list[str], rows: list[tuple[int, list[str]]], *, what: str) -> dict:
    """Turn action rows (row number, cells) into the plan's recommendations."""
    errors: list[str] = []
    header = [unescape_formula(name) for name in header]
    names = [name.strip().lower() for name in header]
    missing = [column for column in ("recommendation_reference", "action_reference") if column not in names]
    if missing:
        raise PlanFormatError(
            [f"{what}: the header row lacks the required column(s) {', '.join(repr(m) for m in missing)}."]
        )
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen and name:
            errors.append(f"{what}: column '{name}' appears twice (columns {seen[name] + 1} and {index + 1}).")
        seen.setdefault(name, index)
    extra_columns = [
        (index, header[index].strip()) for index, name in enumerate(names) if name not in CSV_COLUMNS and name
    ]

    recommendations: dict[str, dict] = {}
    for row_number, cells in rows:
        cells = [unescape_formula(cell) for cell in cells]
        cells += [""] * (len(names) - len(cells))
        if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names) :]):
            errors.append(f"Row {row_number}: has more cells than the header row has columns.")
        row = {name: cells[index] for index, name in enumerate(names) if name in CSV_COLUMNS}
        if not any(cell.strip() for cell in cells):
            continue  # blank lines between rows are harmless
        rec_ref = row.get("recommendation_reference", "").strip()
        action_ref = row.get("action_reference", "").strip()
        if not rec_ref:
            errors.append(f"Row {row_number}: 'recommendation_reference' is empty; every row needs one.")
            continue
        rec = recommendations.get(rec_ref)
        rec_text = row.get("recommendation_text", "")
        if rec is None:
            rec = recommendations[rec_ref] = {"reference": rec_ref, "text": rec_text, "actions": []}
        elif rec_text and not rec["text"]:
            rec["text"] = rec_text
        elif rec_text and rec_text != rec["text"]:
            errors.append(
                f"Row {row_number}: 'recommendation_text' differs from the text given earlier "
                f"for recommendation '{rec_ref}'."
            )
        multi = {name: _split_lines(row.get(name, "")) for name in MULTI_VALUE_COLUMNS}
        extra = {name: cells[index] for index, name in extra_columns if cells[index] != ""}
        if not action_ref:
            has_other = row.get("description", "").strip() or multi["leads"] or row.get("due", "").strip()
            if has_other:
                errors.append(f"Row {row_number}: 'action_reference' is empty but the row describes an action.")
                continue
            if not rec_text.strip() and not multi["outcomes"] and not multi["measures"]:
                errors.append(
                    f"Row {row_number}: recommendation '{rec_ref}' has a reference and nothing else "
                    "(no 'recommendation_text', no action)."
                )
                continue
            rec.setdefault("outcomes", []).extend(multi["outcomes"])
            rec.setdefault("measures", []).extend(multi["measures"])
            if extra:
                rec.setdefault("extra", {}).update(extra)
            continue
        description = row.get("description", "")
        action = {
            "reference": action_ref,
            "description": description,
            "leads": multi["leads"],
            "start": row.get("start", "").strip() or None,
            "due": row.get("due", "").strip() or None,
            "outcomes": multi["outcomes"],
            "measures": multi["measures"],
        }
        if not description.strip():
            action["description_missing"] = True
        if extra:
            action["extra"] = extra
        if _action_is_bare(action):
            errors.append(
                f"Row {row_number}: action '{action_ref}' has a reference and nothing else "
                "(no 'description', 'leads', 'start', 'due', 'outcomes' or 'measures')."
            )
            continue
        rec["actions"].append(action)
    if errors:
        raise PlanFormatError(errors)
    for rec in recommendations.values():
        for key in ("outcomes", "measures"):
            if key in rec and not rec[key]:
                del rec[key]
    return {"recommendations": list(recommendations.values())}


def _split_lines(cell: str) -> list[str]:
    return [line.strip() for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


def _action_is_bare(action: dict) -> bool:
    return not (
        action.get("description", "").strip()
        or action.get("leads")
        or action.get("start")
        or action.get("due")
        or action.get("outcomes")
        or action.get("measures")
    )


def _read_csv(content: bytes) -> dict:
    if b"\x00" in content[:8192]:
        raise PlanFormatError(["The file is not CSV: it holds binary data."])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PlanFormatError([f"The file is not UTF-8 CSV: byte {error.start} cannot be read."]) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise PlanFormatError([f"The file is not valid CSV: {error}."]) from None
    if not rows:
        raise PlanFormatError(["The file is empty: a CSV plan needs a header row and one row per action."])
    # Row numbers as a spreadsheet shows them: the header is row 1.
    return _rows_to_plan(rows[0], list(enumerate(rows[1:], start=2)), what="Header row")


# An XLSX file is a zip of XML. One that unpacks to far more than any plan needs is a zip bomb, and
# XML that declares entities (billion laughs, external entities) is refused by defusedxml, which
# openpyxl uses whenever it is installed.
XLSX_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
XLSX_ENTITIES_REFUSED = (
    "The workbook's XML declares entities (a DTD), which are not accepted: save it again from your "
    "spreadsheet program as an Excel workbook (.xlsx) and upload that."
)


def xlsx_archive_problem(content: bytes) -> str | None:
    """Why an XLSX file's archive cannot be read safely, or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "The file is not an XLSX workbook."
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        return (
            f"The workbook unpacks to {unpacked // (1024 * 1024)} MB, far more than its size: "
            f"it cannot be read (the limit is {XLSX_MAX_UNPACKED_BYTES // (1024 * 1024)} MB)."
        )
    return None


def refuses_xml_entities(error: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps its errors in a ValueError of its own)."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


def _read_xlsx(content: bytes) -> dict:
    try:
        return _read_xlsx_workbook(content)
    except Exception as error:
        if refuses_xml_entities(error):
            raise PlanFormatError([XLSX_ENTITIES_REFUSED]) from None
        raise


def _read_xlsx_workbook(content: bytes) -> dict:
    from openpyxl import load_workbook

    problem = xlsx_archive_problem(content)
    if problem:
        raise PlanFormatError([problem])
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        if refuses_xml_entities(error):
            raise
        raise PlanFormatError([f"The file is not a readable XLSX workbook ({type(error).__name__})."]) from None
    try:
        sheets = {name.strip().lower(): workbook[name] for name in workbook.sheetnames}
        actions_sheet = sheets.get("actions") or workbook.worksheets[0]
        table = [[_cell_text(value) for value in row] for row in actions_sheet.iter_rows(values_only=True)]
        if not table:
            raise PlanFormatError(["Sheet 'Actions' is empty: it needs a header row and one row per action."])
        title = actions_sheet.title
        data = _rows_to_plan(table[0], list(enumerate(table[1:], start=2)), what=f"Sheet '{title}', header row")
        errors: list[str] = []
        if "plan" in sheets:
            data.update(_read_plan_sheet(sheets["plan"], errors))
        if "findings" in sheets:
            data["findings"] = _read_pairs(sheets["findings"], ("kind", "text"), "Findings", errors)
        if "roles" in sheets:
            data["roles"] = _read_pairs(sheets["roles"], ("title", "organisation"), "Roles", errors)
        if errors:
            raise PlanFormatError(errors)
        return data
    finally:
        workbook.close()


def _sheet_rows(sheet) -> list[tuple[int, list[str]]]:
    return [
        (number, [unescape_formula(_cell_text(value)) for value in row])
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
    ]


def _read_plan_sheet(sheet, errors: list[str]) -> dict:
    plan: dict = {}
    inspection: dict = {}
    extra: dict = {}
    for number, cells in _sheet_rows(sheet):
        cells += ["", ""]
        key, value = cells[0].strip(), cells[1]
        if not key or (number == 1 and key.lower() == "key"):
            continue
        lowered = key.lower()
        if lowered.startswith("inspection_") and lowered[len("inspection_") :] in INSPECTION_KEYS:
            inspection[lowered[len("inspection_") :]] = value or None
        elif lowered in PLAN_SHEET_KEYS:
            plan[lowered] = value if value != "" or lowered in ("summary", "governance", "source") else None
        else:
            extra[key] = value
    if inspection:
        for name in ("type", "judgement"):
            if inspection.get(name) is None and name in inspection:
                inspection[name] = ""
        plan["inspection"] = inspection
    for name in ("title", "organisation"):
        if plan.get(name) is None:
            plan.pop(name, None)
    if extra:
        plan["extra"] = extra
    return plan


def _read_pairs(sheet, names: tuple[str, str], title: str, errors: list[str]) -> list[dict]:
    items = []
    for number, cells in _sheet_rows(sheet):
        cells += ["", ""]
        first, second = cells[0].strip(), cells[1]
        if number == 1 and first.lower() == names[0]:
            continue
        if not first and not second.strip():
            continue
        if not first:
            errors.append(f"Sheet '{title}', row {number}: '{names[0]}' is empty.")
            continue
        items.append({names[0]: first, names[1]: second})
    return items


# Validating -------------------------------------------------------------------------------


@cache
def _validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _describe_path(data: dict, path) -> str:
    """'recommendations/1/actions/3/due' → "Recommendation '2', action '2.4' (4th), field 'due'"."""
    parts: list[str] = []
    node = data
    steps = list(path)
    field_name = None
    index = 0
    while index < len(steps):
        step = steps[index]
        if step in ("recommendations", "actions") and index + 1 < len(steps) and isinstance(steps[index + 1], int):
            position = steps[index + 1]
            item = node[step][position] if isinstance(node, dict) else None
            ref = item.get("reference") if isinstance(item, dict) else None
            noun = "Recommendation" if step == "recommendations" else "action"
            label = f"{noun} {position + 1}"
            if isinstance(ref, str) and ref.strip():
                label += f" ('{ref}')"
            parts.append(label)
            node = item
            index += 2
            continue
        if step in ("roles", "findings") and index + 1 < len(steps) and isinstance(steps[index + 1], int):
            parts.append(f"{step[:-1].capitalize()} {steps[index + 1] + 1}")
            node = node[step][steps[index + 1]] if isinstance(node, dict) else None
            index += 2
            continue
        field_name = (
            step if field_name is None else f"{field_name}[{step}]" if isinstance(step, int) else f"{field_name}.{step}"
        )
        node = node.get(step) if isinstance(node, dict) else (node[step] if isinstance(node, list) else None)
        index += 1
    where = ", ".join(parts) if parts else "Plan"
    return f"{where}, field '{field_name}'" if field_name else where


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        return f"is missing required field '{missing[0]}'" if missing else error.message
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        words = {"string": "text", "array": "a list", "object": "an object", "boolean": "true or false", "null": "null"}
        wanted = " or ".join(words.get(w, w) for w in wanted.split(" or "))
        return f"must be {wanted}, not {json.dumps(error.instance)[:60]}"
    if error.validator == "minLength":
        return "must not be empty"
    if error.validator == "pattern" and error.validator_value == "\\S":
        return "must not be blank"
    if error.validator == "enum":
        return f"must be one of {', '.join(error.validator_value)}, not {json.dumps(error.instance)[:60]}"
    if error.validator == "format" and error.validator_value == "date":
        return f"must be a date written YYYY-MM-DD, not {json.dumps(error.instance)[:60]}"
    if error.validator == "maxLength":
        return f"is longer than {error.validator_value} characters"
    return error.message


def validate_plan_data(data) -> ReadResult:
    """Check plan data against the schema and the rules it cannot say; move unknown keys to `extra`."""
    if not isinstance(data, dict):
        return ReadResult(None, errors=["The plan must be an object."])
    warnings: list[str] = []
    errors: list[str] = []
    data = dict(data)
    _lift_unknown(data, PLAN_KEYS, "Plan", warnings)
    for r_index, rec in enumerate(data.get("recommendations") or []):
        if isinstance(rec, dict):
            rec_label = f"Recommendation {r_index + 1} ('{rec.get('reference', '')}')"
            _lift_unknown(rec, RECOMMENDATION_KEYS, rec_label, warnings)
            for a_index, action in enumerate(rec.get("actions") or []):
                if isinstance(action, dict):
                    label = f"{rec_label}, action {a_index + 1} ('{action.get('reference', '')}')"
                    _lift_unknown(action, ACTION_KEYS, label, warnings)
    for error in sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        errors.append(f"{_describe_path(data, error.absolute_path)} {_schema_message(error)}.")
    _find_nul(data, data, [], errors)
    if errors:
        return ReadResult(None, warnings, errors)

    references: dict[str, int] = {}
    for r_index, rec in enumerate(data["recommendations"]):
        ref = rec["reference"].strip()
        if ref in references:
            errors.append(
                f"Recommendation {r_index + 1}, field 'reference': '{ref}' is used already by "
                f"recommendation {references[ref] + 1}."
            )
        references.setdefault(ref, r_index)
        for a_index, action in enumerate(rec.get("actions", [])):
            if _action_is_bare(action) and not action.get("description_missing"):
                errors.append(
                    f"Recommendation {r_index + 1} ('{ref}'), action {a_index + 1} ('{action['reference']}') "
                    "has a reference and nothing else."
                )
            if action.get("description", "").strip() and action.get("description_missing"):
                errors.append(
                    f"Recommendation {r_index + 1} ('{ref}'), action {a_index + 1} ('{action['reference']}'), "
                    "field 'description_missing': is true but a description is given."
                )
    titles: dict[str, int] = {}
    for index, role in enumerate(data.get("roles", [])):
        if role["title"] in titles:
            errors.append(
                f"Role {index + 1}, field 'title': '{role['title']}' is listed already "
                f"as role {titles[role['title']] + 1}."
            )
        titles.setdefault(role["title"], index)
    if errors:
        return ReadResult(None, warnings, errors)
    return ReadResult(data, warnings, errors)


def _find_nul(data: dict, node, path: list, errors: list[str]) -> None:
    """Name every text holding a NUL character: PostgreSQL cannot store one (SQLite can)."""
    if isinstance(node, str) and "\x00" in node:
        errors.append(f"{_describe_path(data, path)} must not contain the NUL character (\\u0000).")
    elif isinstance(node, dict):
        for key, value in node.items():
            if "\x00" in key:
                errors.append(f"{_describe_path(data, path)} has a field name with the NUL character (\\u0000).")
            _find_nul(data, value, [*path, key], errors)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _find_nul(data, value, [*path, index], errors)


def _lift_unknown(obj: dict, known: list[str], label: str, warnings: list[str]) -> None:
    unknown = [key for key in obj if key not in known]
    extra = obj.get("extra", {})
    if not unknown or not isinstance(extra, dict):
        return  # a non-object 'extra' is an error the schema names; replacing it would lose it
    for key in unknown:
        extra[key] = obj.pop(key)
        warnings.append(f"{label}: field '{key}' is not part of the plan format; it is kept in 'extra'.")
    obj["extra"] = extra


# Writing ----------------------------------------------------------------------------------


def to_json(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _extra_columns(data: dict) -> list[str]:
    columns: list[str] = []
    for rec in data["recommendations"]:
        for item in [rec, *rec.get("actions", [])]:
            for key in item.get("extra", {}):
                if key not in columns and key.lower() not in CSV_COLUMNS:
                    columns.append(key)
    return columns


def _extra_cell(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def action_rows(data: dict) -> tuple[list[str], list[list[str]]]:
    """The plan as one row per action (and a row for a recommendation with no actions)."""
    extra_columns = _extra_columns(data)
    header = CSV_COLUMNS + [escape_formula(column) for column in extra_columns]
    rows = []
    for rec in data["recommendations"]:
        rec_level = rec.get("outcomes") or rec.get("measures") or rec.get("extra") or not rec.get("actions")
        if rec_level:
            rows.append(
                [rec["reference"], rec["text"], "", "", "", "", "", "\n".join(rec.get("outcomes", [])),
                 "\n".join(rec.get("measures", []))]
                + [_extra_cell(rec.get("extra", {}).get(c, "")) for c in extra_columns]
            )  # fmt: skip
        for action in rec.get("actions", []):
            rows.append(
                [
                    rec["reference"],
                    rec["text"],
                    action["reference"],
                    action.get("description", ""),
                    "\n".join(action.get("leads", [])),
                    action.get("start") or "",
                    action.get("due") or "",
                    "\n".join(action.get("outcomes", [])),
                    "\n".join(action.get("measures", [])),
                ]
                + [_extra_cell(action.get("extra", {}).get(c, "")) for c in extra_columns]
            )
    return header, [[escape_formula(cell) for cell in row] for row in rows]


def to_csv(data: dict) -> bytes:
    header, rows = action_rows(data)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    # A byte-order mark so that spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    actions = workbook.active
    actions.title = "Actions"
    header, rows = action_rows(data)
    _write_sheet(actions, header, rows, widths={"description": 60, "outcomes": 60, "measures": 60, "leads": 40})

    inspection = data.get("inspection") or {}
    plan_rows = []
    for key in PLAN_SHEET_KEYS:
        if key.startswith("inspection_"):
            value = inspection.get(key[len("inspection_") :])
        else:
            value = data.get(key)
        plan_rows.append([key, escape_formula(value or "")])
    for key, value in (data.get("extra") or {}).items():
        plan_rows.append([escape_formula(key), escape_formula(_extra_cell(value))])
    _write_sheet(workbook.create_sheet("Plan"), ["key", "value"], plan_rows, widths={"value": 100})
    _write_sheet(
        workbook.create_sheet("Findings"),
        ["kind", "text"],
        [[f["kind"], escape_formula(f["text"])] for f in data.get("findings", [])],
        widths={"kind": 24, "text": 100},
    )
    _write_sheet(
        workbook.create_sheet("Roles"),
        ["title", "organisation"],
        [[escape_formula(r["title"]), escape_formula(r.get("organisation", ""))] for r in data.get("roles", [])],
        widths={"title": 60, "organisation": 50},
    )
    for sheet in workbook.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet, header: list[str], rows: list[list[str]], *, widths: dict[str, int]) -> None:
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.utils import get_column_letter

    sheet.append(header)
    for row in rows:
        sheet.append(row)
        # Written as text, never as a formula, whatever the cell starts with.
        for cell in sheet[sheet.max_row]:
            if cell.value is not None:
                cell.data_type = TYPE_STRING
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(name, 18)
