import datetime as dt

import pytest

from plans.dates import long_date, read_when


@pytest.mark.parametrize(
    ("words", "date", "recurrence"),
    [
        ("December 2019", dt.date(2019, 12, 31), ""),
        ("February 2020", dt.date(2020, 2, 29), ""),
        ("September 2019", dt.date(2019, 9, 30), ""),
        ("Sept 2019", dt.date(2019, 9, 30), ""),
        ("End of March 2020", dt.date(2020, 3, 31), ""),
        ("Ongoing", None, ""),
        ("Quarterly from April 2019", dt.date(2019, 4, 30), "quarterly"),
        ("Monthly from May 2019", dt.date(2019, 5, 31), "monthly"),
        ("March 2-21", None, ""),
        ("Spring 2020", None, ""),
        ("Quarterly from next year", None, ""),
        ("2020-02-29", dt.date(2020, 2, 29), ""),
        ("2019-02-30", None, ""),
        ("31/12/2019", dt.date(2019, 12, 31), ""),
        ("1st April 2020", dt.date(2020, 4, 1), ""),
        ("", None, ""),
        (None, None, ""),
    ],
)
def test_due_words_give_the_date_they_mean_and_never_a_guess(words, date, recurrence):
    when = read_when(words)
    assert (when.date, when.recurrence) == (date, recurrence)


def test_a_start_month_means_its_first_day():
    assert read_when("April 2019", month_end=False).date == dt.date(2019, 4, 1)


def test_long_dates_are_written_as_the_date_filter_writes_them():
    from django.template.defaultfilters import date as date_filter

    days = [dt.date(2019, month, day) for month in range(1, 13) for day in (1, 9, 28)] + [dt.date(2024, 2, 29)]
    assert [long_date(day) for day in days] == [date_filter(day, "j F Y") for day in days]
    assert long_date(dt.date(2019, 12, 1)) == "1 December 2019"
