"""`format_html`, `format_html_join` and `escape`: Django's, the same output, for markup made in Python per row.

Django's `conditional_escape` goes through `keep_lazy` (which checks every argument for a lazy string) and
`escape` through it again: about 2 µs a value. The dashboard made about 1,600 escapes a request in its
rows, exception lines, charts and leads, a tenth of an uncached dashboard (py-spy, `format_html` 13 % of
the worker). These do what Django's do (a lazy string is made a str first, anything with `__html__` is
trusted, everything else is `str()`-ed and escaped with `html.escape`, quotes included) without the
wrappers. `tests/plans/test_html.py` holds them to Django's output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape as _html_escape

from django.utils.functional import Promise
from django.utils.safestring import SafeString

__all__ = ["escape", "format_html", "format_html_join"]


def escape(value) -> str:
    """`django.utils.html.conditional_escape`: markup (`__html__`) as it is, anything else escaped."""
    kind = value.__class__
    if kind is str:  # the usual cases first
        return _html_escape(value)
    if kind is SafeString:
        return value
    if kind is int:
        return str(value)  # digits and a sign: nothing to escape
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _html_escape(str(value))


def format_html(format_string: str, *args, **kwargs) -> SafeString:
    """`django.utils.html.format_html`: `str.format` with every argument escaped, the result safe."""
    if not (args or kwargs):
        raise TypeError("args or kwargs must be provided")  # Django 6 refuses it too
    return SafeString(format_string.format(*[escape(a) for a in args], **{k: escape(v) for k, v in kwargs.items()}))


def format_html_join(sep: str, format_string: str, args_generator: Iterable) -> SafeString:
    """`django.utils.html.format_html_join`: `format_html` of each item (a tuple, or a mapping of names),
    joined with the escaped `sep`."""
    return SafeString(
        escape(sep).join(
            format_html(format_string, **args) if isinstance(args, Mapping) else format_html(format_string, *args)
            for args in args_generator
        )
    )
