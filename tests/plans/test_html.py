"""plans.html gives Django's own output for every kind of value the pages pass it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from plans import html


class Markup:
    def __html__(self):
        return "<b>already markup</b>"

    def __str__(self):
        return "<b>as text</b>"


VALUES = [
    "plain",
    "",
    "<script>alert('x')</script> & \"quoted\"",
    "Director of Children’s Services – “quoted”",
    mark_safe("<em>safe</em>"),
    SafeString("<i>safe string</i>"),
    gettext_lazy("Overdue <now>"),
    lazy(lambda: "<lazy> & 'str'", str)(),
    Markup(),
    0,
    42,
    -7,
    3.5,
    Decimal("12.50"),
    None,
    True,
    dt.date(2019, 12, 1),
]


@pytest.mark.parametrize("value", VALUES, ids=[f"{type(v).__name__}-{i}" for i, v in enumerate(VALUES)])
def test_escape_is_conditional_escape(value):
    ours, django = html.escape(value), django_html.conditional_escape(value)
    assert ours == django
    assert str(ours) == str(django)


@pytest.mark.parametrize("value", VALUES, ids=[f"{type(v).__name__}-{i}" for i, v in enumerate(VALUES)])
def test_format_html_matches_django(value):
    template = '<a href="/x/{}" title="{}">{}</a>'
    ours = html.format_html(template, value, value, value)
    assert ours == django_html.format_html(template, value, value, value)
    assert isinstance(ours, SafeString)
    named = html.format_html("<p>{first} {second}</p>", first=value, second="<&>")
    assert named == django_html.format_html("<p>{first} {second}</p>", first=value, second="<&>")


def test_format_html_escapes_the_arguments_not_the_template():
    assert html.format_html("<b>{}</b>", "<i>") == "<b>&lt;i&gt;</b>"


def test_format_html_without_arguments_is_refused():
    with pytest.raises(TypeError):
        html.format_html("<p>nothing to put in</p>")


@pytest.mark.parametrize("sep", ["", "\n", ", ", "<br>", mark_safe("<br>")], ids=repr)
def test_format_html_join_matches_django(sep):
    rows = [(value, "<x>") for value in VALUES]
    ours = html.format_html_join(sep, "<li>{} {}</li>", iter(rows))
    assert ours == django_html.format_html_join(sep, "<li>{} {}</li>", iter(rows))
    assert isinstance(ours, SafeString)
    mappings = [{"a": value, "b": 1} for value in VALUES]
    assert html.format_html_join(sep, "<li>{a}={b}</li>", mappings) == django_html.format_html_join(
        sep, "<li>{a}={b}</li>", mappings
    )


def test_format_html_join_of_nothing_is_empty_and_safe():
    found = html.format_html_join("\n", "<li>{}</li>", [])
    assert found == "" and isinstance(found, SafeString)
