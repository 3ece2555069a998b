"""Writes to measures: values (one at a time or imported from CSV/XLSX), comparators, targets.

Each write is atomic and ends in full_clean() and save(). An import is checked whole before
anything is written: every problem is named by row and column, and one bad row means nothing is
written. The web import keeps the checked rows for a preview and checks them again on confirming.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from plans.formats import XLSX_ENTITIES_REFUSED, refuses_xml_entities, unescape_formula, xlsx_archive_problem
from plans.models import Plan
from plans.rules import plan_access

from . import status as st
from .models import Comparator, ComparatorValue, Measure, MeasureValue, Unit, ValueImport

IMPORT_COLUMNS = ["measure_code", "period", "value", "numerator", "denominator", "note"]
REQUIRED_COLUMNS = ["measure_code", "period"]
IMPORT_FORMATS = ("csv", "xlsx")
# What a spreadsheet may write for a withheld figure (the ONS writes [c] and [x]).
SUPPRESSED_MARKERS = {"suppressed", "[c]", "[x]", "x"}
VALUE_FIELDS = ["value", "numerator", "denominator", "suppressed", "note"]


def _stamp_history(obj, by, reason: str = "") -> None:
    obj._history_user = by
    if reason:
        obj._change_reason = reason


# Entering one value ---------------------------------------------------------------------------


@transaction.atomic
def measure_value_record(
    *,
    measure: Measure,
    period: dt.date,
    by,
    value: Decimal | None = None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    suppressed: bool = False,
    note: str = "",
) -> MeasureValue:
    """Record a measure's figure for a period, or correct it (the earlier figure stays in the history).

    A value given with a numerator and a denominator must agree with them; the stored value is
    the one they give.
    """
    existing = MeasureValue.objects.select_for_update().filter(measure=measure, period=period).first()
    item = existing or MeasureValue(measure=measure, period=period)
    item.measure = measure
    item.value, item.numerator, item.denominator = value, numerator, denominator
    item.suppressed, item.note = suppressed, note.strip()
    item.entered_by, item.entered_at = by, timezone.now()
    item.full_clean()
    _stamp_history(item, by, "Corrected" if existing else "Entered")
    item.save()
    return item


@transaction.atomic
def comparator_value_record(
    *, measure: Measure, name: str, period: st.Period, value: Decimal, by, source: str = ""
) -> ComparatorValue:
    """Add or correct a figure of a comparator series (made on first use, matched by name)."""
    name = " ".join(name.split())
    comparator = Comparator.objects.filter(measure=measure, name__iexact=name).first()
    if comparator is None:
        comparator = Comparator(measure=measure, name=name, order=measure.comparators.count() + 1)
        comparator.full_clean()
        _stamp_history(comparator, by, "Added")
        comparator.save()
    item = (
        ComparatorValue.objects.select_for_update()
        .filter(comparator=comparator, period=period.start, period_kind=period.kind)
        .first()
    ) or ComparatorValue(comparator=comparator, period=period.start, period_kind=period.kind)
    corrected = item.pk is not None
    item.value, item.source = value, source.strip()
    item.entered_by, item.entered_at = by, timezone.now()
    item.full_clean()
    _stamp_history(item, by, "Corrected" if corrected else "Entered")
    item.save()
    return item


MEASURE_EDITABLE = [
    "name",
    "definition",
    "unit",
    "polarity",
    "frequency",
    "target",
    "target_date",
    "tolerance",
    "baseline_value",
    "baseline_period",
    "source",
    "owner",
]


@transaction.atomic
def measure_update(*, measure: Measure, by, **changes) -> Measure:
    """Change a measure's definition, target, tolerance, baseline or owner (kept in its history)."""
    unknown = set(changes) - set(MEASURE_EDITABLE)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if "frequency" in changes and changes["frequency"] != measure.frequency and measure.values.exists():
        raise ValidationError({"frequency": "The measure has values: its frequency cannot change."})
    for name, value in changes.items():
        setattr(measure, name, value)
    measure.full_clean()
    _stamp_history(measure, by, "Edited")
    measure.save()
    return measure


# Reading a file of values ---------------------------------------------------------------------


class ValueFileError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def guess_format(filename: str) -> str | None:
    suffix = Path(filename).suffix.lower().lstrip(".")
    return suffix if suffix in IMPORT_FORMATS else None


def read_table(content: bytes, fmt: str) -> tuple[list[str], list[tuple[int, list]]]:
    """A file's header and its rows, each with its row number as a spreadsheet shows it."""
    if fmt == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueFileError(["The file is not a CSV file in UTF-8: save it as “CSV UTF-8” and try again."])
        if "\x00" in text:
            raise ValueFileError(["The file is not a CSV file: it holds the NUL character."])
        table = list(csv.reader(io.StringIO(text, newline="")))
    elif fmt == "xlsx":
        table = _xlsx_table(content)
    else:
        raise ValueFileError([f"Unknown format '{fmt}': use csv or xlsx."])
    if not table or not any(_text(cell) for cell in table[0]):
        raise ValueFileError(["The file is empty: its first row must name the columns."])
    header = [unescape_formula(_text(cell)).strip().lower() for cell in table[0]]
    return header, [(number, list(cells)) for number, cells in enumerate(table[1:], start=2)]


def _xlsx_table(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    problem = xlsx_archive_problem(content)  # a zip bomb is refused before it is unpacked
    if problem:
        raise ValueFileError([problem])
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        if refuses_xml_entities(error):
            raise ValueFileError([XLSX_ENTITIES_REFUSED])
        raise ValueFileError(["The file is not an XLSX workbook."])
    try:
        sheet = workbook["Values"] if "Values" in workbook.sheetnames else workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except ValueError as error:  # a sheet's XML is read only now
        if refuses_xml_entities(error):
            raise ValueFileError([XLSX_ENTITIES_REFUSED])
        raise
    finally:
        workbook.close()


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return unescape_formula(str(cell)) if isinstance(cell, str) else str(cell)


@dataclass
class CheckResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row["action"] == action)


# Field errors from MeasureValue.clean(), named by the file's columns.
_FIELD_COLUMNS = {"value": "value", "numerator": "numerator", "denominator": "denominator", "period": "period"}


def check_rows(*, plan: Plan, header: list[str], rows: list[tuple[int, list]], by=None) -> CheckResult:
    """Check every row against the plan's measures and values; nothing is written.

    `by` (a user) may enter values only for the measures they own unless they manage the plan;
    None (the command line) may enter any.
    """
    result = CheckResult()
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            continue
        if name in positions:
            result.errors.append(f"Column '{name}' appears twice (columns {positions[name] + 1} and {index + 1}).")
        elif name in IMPORT_COLUMNS:
            positions[name] = index
        else:
            result.warnings.append(f"Column '{name}' is not one of {', '.join(IMPORT_COLUMNS)}; it is ignored.")
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        result.errors.append(f"The header row lacks the column(s) {', '.join(repr(m) for m in missing)}.")
    if "value" not in positions and "numerator" not in positions:
        result.errors.append("The header row needs a 'value' column, or 'numerator' and 'denominator' columns.")
    if result.errors:
        return result

    measures = {m.code.upper(): m for m in Measure.objects.filter(plan=plan).select_related("owner")}
    by_id = {m.pk: m for m in measures.values()}
    existing = {}
    for item in MeasureValue.objects.filter(measure__plan=plan).order_by():
        item.measure = by_id[item.measure_id]
        existing[(item.measure_id, item.period)] = item
    if by is None or by.has_perm("plans.manage_plan", plan):
        may_enter = {m.pk for m in measures.values()}
    else:
        held = plan_access(by, plan.pk).role_ids
        may_enter = {m.pk for m in measures.values() if m.owner_id in held}
    seen: dict[tuple[int, dt.date], int] = {}

    for number, cells in rows:
        cell = {name: cells[index] if index < len(cells) else None for name, index in positions.items()}
        if not any(_text(value).strip() for value in cell.values()):
            continue  # blank lines are harmless
        errors_before = len(result.errors)

        def error(column: str, message: str, number=number) -> None:
            result.errors.append(f"Row {number}, column '{column}': {message}")

        code = _text(cell.get("measure_code")).strip()
        measure = measures.get(code.upper())
        if not code:
            error("measure_code", "is empty; every row names a measure.")
        elif measure is None:
            error("measure_code", f"'{code[:40]}' is not a measure of this plan.")
        elif measure.pk not in may_enter:
            owner = f" (its owner is {measure.owner})" if measure.owner else ""
            error("measure_code", f"you cannot enter values for {measure.code}{owner}.")

        period = None
        try:
            period = st.parse_period(cell.get("period"), kind=measure.frequency if measure else None)
        except st.PeriodError as problem:
            error("period", str(problem))

        numbers: dict[str, Decimal | None] = {}
        suppressed = _text(cell.get("value")).strip().lower() in SUPPRESSED_MARKERS
        for name in ("value", "numerator", "denominator"):
            raw = None if (name == "value" and suppressed) else cell.get(name)
            try:
                numbers[name] = st.parse_number(
                    raw, allow_percent=name == "value" and measure is not None and measure.unit == Unit.PERCENTAGE
                )
            except st.NumberError as problem:
                error(name, str(problem))
        note = _text(cell.get("note")).strip()
        if len(result.errors) > errors_before or measure is None or period is None:
            continue

        key = (measure.pk, period.start)
        if key in seen:
            error("period", f"{measure.code} for {period.label} is given already in row {seen[key]}.")
            continue
        seen[key] = number

        item = MeasureValue(
            measure=measure,
            period=period.start,
            value=numbers["value"],
            numerator=numbers["numerator"],
            denominator=numbers["denominator"],
            suppressed=suppressed,
            note=note,
        )
        try:
            # The measure comes from the database already: no need to look it up again per row.
            item.full_clean(exclude=["measure", "entered_by"], validate_unique=False, validate_constraints=False)
        except ValidationError as problem:
            for name, messages in problem.message_dict.items():
                for message in messages:
                    error(_FIELD_COLUMNS.get(name, "value"), message)
            continue

        old = existing.get(key)
        if old is None:
            action = "add"
        elif all(getattr(old, name) == getattr(item, name) for name in VALUE_FIELDS):
            action = "same"
        else:
            action = "change"
        result.rows.append(
            {
                "row": number,
                "measure_id": measure.pk,
                "code": measure.code,
                "name": measure.name,
                "period": period.code,
                "period_label": period.label,
                "cells": {
                    "measure_code": measure.code,
                    "period": period.code,
                    "value": "suppressed" if suppressed else _decimal_text(numbers["value"]),
                    "numerator": _decimal_text(numbers["numerator"]),
                    "denominator": _decimal_text(numbers["denominator"]),
                    "note": note,
                },
                "action": action,
                "old": old.display if old is not None else "",
                "new": item.display,
            }
        )
    if not result.rows and not result.errors:
        result.errors.append("The file has no rows of values under its header row.")
    return result


def _decimal_text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def check_file(*, plan: Plan, content: bytes, fmt: str, by=None) -> CheckResult:
    try:
        header, rows = read_table(content, fmt)
    except ValueFileError as problem:
        return CheckResult(errors=problem.errors)
    return check_rows(plan=plan, header=header, rows=rows, by=by)


@transaction.atomic
def measure_values_write(*, rows: list[dict], by, reason: str = "Imported") -> int:
    """Write checked rows (from `check_rows`); returns how many values were added or changed."""
    wanted = {(row["measure_id"], st.parse_period(row["period"]).start): row for row in rows if row["action"] != "same"}
    if not wanted:
        return 0
    measures = Measure.objects.in_bulk({measure_id for measure_id, _ in wanted})
    existing = {
        (item.measure_id, item.period): item
        for item in MeasureValue.objects.select_for_update().filter(
            measure_id__in=measures, period__in={period for _, period in wanted}
        )
    }
    now = timezone.now()
    new, changed = [], []
    for (measure_id, period), row in wanted.items():
        cells = row["cells"]
        suppressed = cells["value"] == "suppressed"
        item = existing.get((measure_id, period)) or MeasureValue(measure=measures[measure_id], period=period)
        item.value = None if suppressed else st.parse_number(cells["value"])
        item.numerator = st.parse_number(cells["numerator"])
        item.denominator = st.parse_number(cells["denominator"])
        item.suppressed, item.note = suppressed, cells["note"]
        item.entered_by, item.entered_at = by, now
        item.full_clean(exclude=["measure", "entered_by"], validate_unique=False, validate_constraints=False)
        (changed if item.pk else new).append(item)
    if new:
        bulk_create_with_history(new, MeasureValue, default_user=by, default_change_reason=reason)
    if changed:
        bulk_update_with_history(
            changed,
            MeasureValue,
            [*VALUE_FIELDS, "entered_by", "entered_at"],
            default_user=by,
            default_change_reason=reason,
        )
    return len(new) + len(changed)


def measure_values_import_file(
    *, plan: Plan, content: bytes, fmt: str, by=None, check_permissions: bool = True
) -> tuple[CheckResult, int]:
    """Check a whole file and, only if every row is good, write it. Returns (the check, values written).

    `by` is recorded as having entered the values; unless `check_permissions` is off (the command
    line), they must be values `by` may enter.
    """
    result = check_file(plan=plan, content=content, fmt=fmt, by=by if check_permissions else None)
    if not result.ok:
        return result, 0
    return result, measure_values_write(rows=result.rows, by=by)


# The web import: preview, then confirm ----------------------------------------------------------


def measure_value_import_preview(*, plan: Plan, content: bytes, filename: str, fmt: str, by) -> ValueImport:
    """Check an upload and keep its rows, with their warnings and errors, until someone confirms it."""
    result = check_file(plan=plan, content=content, fmt=fmt, by=by)
    preview = ValueImport(
        plan=plan,
        uploaded_by=by,
        filename=Path(filename).name[:255],
        format=fmt,
        rows=result.rows if result.ok else [],
        warnings=result.warnings,
        errors=result.errors,
    )
    preview.full_clean()
    preview.save()
    return preview


@transaction.atomic
def measure_value_import_confirm(*, preview: ValueImport, by) -> int:
    """Write a previewed upload after checking its rows again against what is stored now."""
    preview = ValueImport.objects.select_for_update().select_related("plan").get(pk=preview.pk)
    if preview.state != ValueImport.State.PREVIEWED or preview.errors:
        raise ValidationError("This upload cannot be imported: it has errors or was dealt with already.")
    stored = [(row["row"], [row["cells"][name] for name in IMPORT_COLUMNS]) for row in preview.rows]
    result = check_rows(plan=preview.plan, header=IMPORT_COLUMNS, rows=stored, by=by)
    if not result.ok:
        raise ValidationError(result.errors)
    written = measure_values_write(rows=result.rows, by=by)
    preview.state, preview.written = ValueImport.State.IMPORTED, written
    preview.full_clean()
    preview.save()
    return written


@transaction.atomic
def measure_value_import_cancel(*, preview: ValueImport) -> None:
    preview = ValueImport.objects.select_for_update().get(pk=preview.pk)
    if preview.state == ValueImport.State.PREVIEWED:
        preview.state, preview.rows = ValueImport.State.CANCELLED, []
        preview.full_clean()
        preview.save()
