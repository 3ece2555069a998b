"""Pure functions about a measure's figures: periods, status against target, direction of travel.

Nothing here touches the database, so the rules can be tested on their own and reused by pages,
board packs and imports alike.

- A period is a calendar month, quarter or year, kept as its first day and its kind. It is read
  from "2019-04", "2019-Q2" or "2019" (and from words such as "April 2019") and shown in words:
  "April 2019", "April to June 2019", "2019".
- Status: Green on or better than target; Amber worse by no more than the tolerance; Red beyond
  it. No target, or no value, gives no status (None), never a colour.
- Direction of travel respects polarity: a fall is better when lower is better.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Periods ----------------------------------------------------------------------------------------

MONTH = "month"
QUARTER = "quarter"
YEAR = "year"
PERIOD_KINDS = (MONTH, QUARTER, YEAR)
MONTHS_IN = {MONTH: 1, QUARTER: 3, YEAR: 12}
# How each kind is written in a file, for messages.
PERIOD_FORMATS = {MONTH: "YYYY-MM", QUARTER: "YYYY-Qn", YEAR: "YYYY"}

_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_abbr) if name
}
_MONTH_NAMES["sept"] = 9
_ISO_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")
_QUARTER = re.compile(
    r"^(?P<year>\d{4})\s*-?\s*Q(?P<quarter>[1-4])$|^Q(?P<quarter2>[1-4])\s*-?\s*(?P<year2>\d{4})$", re.I
)
_YEAR = re.compile(r"^(?P<year>\d{4})$")
_WORDS_MONTH = re.compile(r"^(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>\d{4})$")
_FIRST_YEAR, _LAST_YEAR = 1900, 2100


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year: its first day and its kind."""

    start: dt.date
    kind: str = MONTH

    @property
    def months(self) -> int:
        return MONTHS_IN[self.kind]

    # Worked out once per period (a chart asks each point's several times): kept in the instance's __dict__,
    # outside the dataclass's fields, so equality, ordering and hashing are as before.
    @functools.cached_property
    def end(self) -> dt.date:
        """The first day after the period."""
        return add_months(self.start, self.months)

    @functools.cached_property
    def label(self) -> str:
        return period_label(self.start, self.kind)

    @property
    def code(self) -> str:
        return period_code(self.start, self.kind)

    def next(self) -> Period:
        return Period(self.end, self.kind)


class PeriodError(ValueError):
    """A period that cannot be read, or is of the wrong kind; the message says how to write it."""


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_index(day: dt.date) -> int:
    """Months since year 0: a scale on which periods of every kind can be placed."""
    return day.year * 12 + day.month - 1


def period_start(day: dt.date, kind: str) -> dt.date:
    """The first day of the period of `kind` that holds `day`."""
    if kind == YEAR:
        return dt.date(day.year, 1, 1)
    if kind == QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, day.month, 1)


def is_period_start(day: dt.date, kind: str) -> bool:
    return period_start(day, kind) == day


@functools.lru_cache(maxsize=4096)  # calendar.month_name formats the name again on every look-up
def period_label(start: dt.date, kind: str) -> str:
    """ "April 2019", "April to June 2019" or "2019"."""
    if kind == YEAR:
        return str(start.year)
    if kind == QUARTER:
        last = add_months(start, 2)
        return f"{calendar.month_name[start.month]} to {calendar.month_name[last.month]} {start.year}"
    return f"{calendar.month_name[start.month]} {start.year}"


@functools.lru_cache(maxsize=4096)
def period_short_label(start: dt.date, kind: str) -> str:
    """For chart axes: "Apr 2019", "Q2 2019", "2019"."""
    if kind == YEAR:
        return str(start.year)
    if kind == QUARTER:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"{calendar.month_abbr[start.month]} {start.year}"


def period_code(start: dt.date, kind: str) -> str:
    """How a period is written in a file: "2019-04", "2019-Q2", "2019"."""
    if kind == YEAR:
        return f"{start.year}"
    if kind == QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def _checked_year(year: int, kind: str | None = None) -> int:
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise PeriodError(f"{year} is not a plausible year: write {_how(kind)}.")
    return year


def parse_period(text, *, kind: str | None = None) -> Period:
    """Read a period from "2019-04", "2019-Q2", "2019", "April 2019", "Q2 2019" or a date.

    With `kind`, a period of another kind is refused with a message saying how to write it.
    A date (a spreadsheet may turn "2019-04" into 1 April 2019) is read as its month.
    """
    if isinstance(text, dt.datetime):
        text = text.date()
    if isinstance(text, dt.date):
        if text.day != 1:
            raise PeriodError(f"'{text.isoformat()}' is a date, not a period: write {_how(kind)}.")
        found = Period(text, MONTH)
    elif isinstance(text, int) and not isinstance(text, bool):
        found = Period(dt.date(_checked_year(text, kind), 1, 1), YEAR)
    else:
        words = " ".join(str(text or "").split())
        if not words:
            raise PeriodError(f"The period is empty: write {_how(kind)}.")
        found = _parse_words(words, kind)
    if kind is not None and found.kind != kind:
        raise PeriodError(
            f"'{found.code}' is a {found.kind}, but this measure is {FREQUENCY_WORDS[kind]}: write {_how(kind)}."
        )
    return found


FREQUENCY_WORDS = {MONTH: "monthly", QUARTER: "quarterly", YEAR: "annual"}


def _how(kind: str | None) -> str:
    if kind == MONTH:
        return "the month as YYYY-MM, for example 2019-04"
    if kind == QUARTER:
        return "the quarter as YYYY-Qn, for example 2019-Q2 for April to June 2019"
    if kind == YEAR:
        return "the year as YYYY, for example 2019"
    return "YYYY-MM, YYYY-Qn or YYYY"


def _parse_words(words: str, kind: str | None) -> Period:
    if match := _ISO_MONTH.match(words):
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise PeriodError(f"'{words}' has no month {month}: write {_how(kind)}.")
        return Period(dt.date(_checked_year(int(match["year"]), kind), month, 1), MONTH)
    if match := _QUARTER.match(words):
        year = _checked_year(int(match["year"] or match["year2"]), kind)
        quarter = int(match["quarter"] or match["quarter2"])
        return Period(dt.date(year, (quarter - 1) * 3 + 1, 1), QUARTER)
    if match := _YEAR.match(words):
        return Period(dt.date(_checked_year(int(match["year"]), kind), 1, 1), YEAR)
    if (match := _WORDS_MONTH.match(words)) and match["month"].lower() in _MONTH_NAMES:
        year = _checked_year(int(match["year"]), kind)
        return Period(dt.date(year, _MONTH_NAMES[match["month"].lower()], 1), MONTH)
    raise PeriodError(f"'{words[:40]}' is not a period: write {_how(kind)}.")


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period of first's kind from first to last, inclusive."""
    return list(_periods_between(first, last))


@functools.lru_cache(maxsize=1024)  # a chart's axis and points: the same few spans again and again
def _periods_between(first: Period, last: Period) -> tuple[Period, ...]:
    found, current = [], first
    while current.start <= last.start:
        found.append(current)
        current = current.next()
    return tuple(found)


# Numbers ----------------------------------------------------------------------------------------

# Stored values keep four decimal places; what a person typed is compared at their own precision.
STORED_PLACES = Decimal("0.0001")
UNIT_MULTIPLIER = {"percentage": Decimal(100), "rate_per_10000": Decimal(10000)}


class NumberError(ValueError):
    pass


def parse_number(text, *, allow_percent: bool = False) -> Decimal | None:
    """A cell as a Decimal: "72.5", "1,234", "72.5%" (percentages only); empty gives None."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise NumberError(f"'{text}' is not a number.")
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            raise NumberError(f"'{text}' is not a number.")
        return Decimal(repr(text))
    if isinstance(text, Decimal):
        return text
    words = str(text).strip()
    if not words:
        return None
    cleaned = words.replace(",", "").replace(" ", "")
    if cleaned.endswith("%"):
        if not allow_percent:
            raise NumberError(f"'{words[:40]}' is not a number (a % sign belongs to percentages only).")
        cleaned = cleaned[:-1]
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise NumberError(f"'{words[:40]}' is not a number.")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above lets through only numbers
        raise NumberError(f"'{words[:40]}' is not a number.")


def derive_value(numerator: Decimal, denominator: Decimal, unit: str) -> Decimal:
    """The value a numerator and denominator give: a percentage, a rate per 10,000 or a ratio."""
    if denominator == 0:
        raise NumberError("The denominator cannot be 0.")
    value = numerator / denominator * UNIT_MULTIPLIER.get(unit, Decimal(1))
    return value.quantize(STORED_PLACES, rounding=ROUND_HALF_UP)


def agrees(typed: Decimal, derived: Decimal) -> bool:
    """Whether a typed value is the derived one, rounded as the typed value is written."""
    places = Decimal(1).scaleb(min(int(typed.as_tuple().exponent), 0))
    return derived.quantize(places, rounding=ROUND_HALF_UP) == typed.quantize(places, rounding=ROUND_HALF_UP)


def format_number(value: Decimal | float | None, *, places: int = 1) -> str:
    """ "1,234", "18.5": up to `places` decimals, no trailing zeros."""
    if value is None:
        return ""
    return _format_number(value, places)


# Equal numbers (Decimal("18.50"), Decimal("18.5"), 18.5) read the same, so one entry serves them all. A
# dashboard formats about 200 figures a request, mostly the same ones as last time.
@functools.lru_cache(maxsize=8192)
def _format_number(value: Decimal | float, places: int) -> str:
    value = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


UNIT_SUFFIX = {"percentage": "%", "days": " days", "weeks": " weeks", "rate_per_10000": " per 10,000"}


def format_value(value: Decimal | float | None, unit: str, *, places: int = 1) -> str:
    """A figure with its unit: "72.5%", "1,234", "12 days", "345.2 per 10,000"."""
    if value is None:
        return ""
    text = format_number(value, places=places)
    suffix = UNIT_SUFFIX.get(unit, "")
    if suffix in (" days", " weeks") and text == "1":
        suffix = suffix[:-1]
    return text + suffix


# Status and direction ---------------------------------------------------------------------------

GREEN, AMBER, RED = "green", "amber", "red"
STATUS_LABELS = {GREEN: "Green", AMBER: "Amber", RED: "Red"}
# GOV.UK tag colours: a word and a colour, never colour alone.
STATUS_TAGS = {GREEN: "govuk-tag--green", AMBER: "govuk-tag--orange", RED: "govuk-tag--red"}
HIGHER, LOWER = "higher", "lower"

BETTER, SAME, WORSE = "better", "same", "worse"
DIRECTION_WORDS = {BETTER: ("Better", "↑"), SAME: ("No change", "→"), WORSE: ("Worse", "↓")}


def shortfall(value: Decimal, target: Decimal, polarity: str) -> Decimal:
    """How far the value is worse than the target (0 or less: on or better than target)."""
    return target - value if polarity == HIGHER else value - target


def status_for(value, *, target, tolerance=None, polarity: str) -> str | None:
    """Green on or better than target; Amber worse by no more than the tolerance; Red beyond it.

    No value or no target gives None: a measure without a target is context only.
    """
    if value is None or target is None:
        return None
    gap = shortfall(Decimal(value), Decimal(target), polarity)
    if gap <= 0:
        return GREEN
    if gap <= Decimal(tolerance or 0):
        return AMBER
    return RED


def direction(now, before, *, polarity: str) -> str | None:
    """'better', 'same' or 'worse' from `before` to `now`; None where either is missing."""
    if now is None or before is None:
        return None
    change = Decimal(now) - Decimal(before)
    if change == 0:
        return SAME
    improved = change > 0 if polarity == HIGHER else change < 0
    return BETTER if improved else WORSE


def red_amber_thresholds(*, target, tolerance, polarity: str) -> tuple[Decimal, Decimal] | None:
    """The value at which Amber starts (the target) and beyond which Red starts."""
    if target is None:
        return None
    target, tolerance = Decimal(target), Decimal(tolerance or 0)
    return (target, target - tolerance) if polarity == HIGHER else (target, target + tolerance)


def impact_warning(recommendation_open_action_statuses: list[str], measure_statuses: list[str]) -> bool:
    """Delivery looks fine while impact does not.

    True where at least three quarters of a recommendation's open actions are Blue or Green while at
    least half of its measures with a status (those with a target and a value) are Red. Statuses
    are lowercase words ("blue", "green", "amber", "red"); anything else, such as None for "no
    update" or "no target", counts as neither.
    """
    actions = list(recommendation_open_action_statuses)
    rated = [status for status in measure_statuses if status in (GREEN, AMBER, RED)]
    if not actions or not rated:
        return False
    on_track = sum(1 for status in actions if status in ("blue", GREEN))
    red = sum(1 for status in rated if status == RED)
    return on_track * 4 >= len(actions) * 3 and red * 2 >= len(rated)
