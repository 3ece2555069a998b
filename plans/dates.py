"""Reading a "by when" written in words into a date, without guessing.

A plan writes "December 2019", "Ongoing", "Quarterly from April 2019" or "March 2-21".
A month means its last day for a due date (its first day for a start); a day month year
or an ISO date means that day; a recurrence ("Quarterly from April 2019") keeps its first
date and its cadence. Anything else gives no date: a typo is never turned into a guess.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

# English month names by number (index 0 empty), as the pages write dates ("1 December 2019").
MONTH_NAMES = [*calendar.month_name]


def long_date(value: dt.date) -> str:
    """A date as the templates' `date:"j F Y"` writes it, without the template filter's per-call set-up."""
    return f"{value.day} {MONTH_NAMES[value.month]} {value.year}"


MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_abbr) if name
}
MONTHS["sept"] = 9

CADENCES = {
    "weekly": "weekly",
    "fortnightly": "fortnightly",
    "monthly": "monthly",
    "bi-monthly": "bimonthly",
    "bimonthly": "bimonthly",
    "quarterly": "quarterly",
    "six-monthly": "six_monthly",
    "six monthly": "six_monthly",
    "half-yearly": "six_monthly",
    "biannually": "six_monthly",
    "annually": "annually",
    "annual": "annually",
    "yearly": "annually",
}

_month = r"(?P<month>[A-Za-z]+)\.?"
_year = r"(?P<year>(?:19|20)\d\d)"
_MONTH_YEAR = re.compile(rf"^(?:(?:by|end of|the end of|by the end of)\s+)?{_month},?\s+{_year}$", re.I)
_DAY_MONTH_YEAR = re.compile(rf"^(?:by\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_month},?\s+{_year}$", re.I)
_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")
_UK_NUMERIC = re.compile(r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})$")
_RECURRENCE = re.compile(
    rf"^(?P<cadence>{'|'.join(re.escape(c) for c in sorted(CADENCES, key=len, reverse=True))})"
    r"\s+(?:from|starting|starting from|beginning|commencing)\s+(?P<rest>.+)$",
    re.I,
)


@dataclass(frozen=True)
class When:
    """What a "by when" says: the date it gives (or None) and a cadence if it recurs."""

    date: dt.date | None
    recurrence: str = ""


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_date(month_word: str, year: str, *, month_end: bool) -> dt.date | None:
    month = MONTHS.get(month_word.lower())
    if month is None:
        return None
    year_number = int(year)
    day = calendar.monthrange(year_number, month)[1] if month_end else 1
    return dt.date(year_number, month, day)


def read_when(text: str | None, *, month_end: bool = True) -> When:
    """Read words such as "December 2019" into a `When`. Unreadable words give no date."""
    if not text:
        return When(None)
    words = " ".join(text.split()).strip().rstrip(".")
    if not words:
        return When(None)

    recurring = _RECURRENCE.match(words)
    if recurring:
        first = read_when(recurring.group("rest"), month_end=month_end)
        if first.date is None:
            return When(None)
        return When(first.date, CADENCES[recurring.group("cadence").lower()])

    if match := _ISO.match(words):
        return When(_safe_date(int(match["year"]), int(match["month"]), int(match["day"])))
    if match := _UK_NUMERIC.match(words):
        return When(_safe_date(int(match["year"]), int(match["month"]), int(match["day"])))
    if match := _DAY_MONTH_YEAR.match(words):
        month = MONTHS.get(match["month"].lower())
        if month is None:
            return When(None)
        return When(_safe_date(int(match["year"]), month, int(match["day"])))
    if match := _MONTH_YEAR.match(words):
        return When(_month_date(match["month"], match["year"], month_end=month_end))
    return When(None)
