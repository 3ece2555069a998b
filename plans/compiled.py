"""Querysets of a fixed shape, compiled to SQL once per process and run again with new values.

Django compiles a queryset's SQL on every evaluation: for the queries a page runs on every request
(an action with its latest update, its history, its challenges) the compiling cost more than running
them. Profiled on the action page with py-spy, compilation was 23 % of the page; per query 0.8–1.9 ms
against a fraction of that in the database.

`CompiledQuery(build, **samples)` takes a function that builds the queryset from named values, and two
sample values for each name (distinct from each other and from anything else in the query). On first use
it builds and compiles the queryset with each set of samples: a parameter that differs between the two
compilations must be one of the named values, so a value derived from one (a period's previous month,
say) is refused instead of being frozen into the SQL. Running it then fills in the values and builds the
rows as Django's own iterables do, with the compiler's converters (dates, decimals and JSON read the same
as through the ORM), found once; a JSON field's empty object, what most `extra` fields hold, skips the
parser. Model querysets give model instances (with `select_related` objects and
annotations); `values_list()` querysets give tuples, and may be unions (`union()`) of such querysets.
`prefetch_related` is not supported: load related lists separately (`plans.models.attach_leads`).

It reads the compiler's `select`, `klass_info` and `annotation_col_map`, as `ModelIterable` does: Django
internals, so each use is tested against the plain queryset (`tests/plans/test_compiled.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connections
from django.db.models import JSONField, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.fields.json import KeyTransform
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute

_INT64 = (-(2**63), 2**63 - 1)


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], **samples: tuple) -> None:
        for name, pair in samples.items():
            if len(pair) != 2 or pair[0] == pair[1]:
                raise ValueError(f"{name}: give two different sample values")
        self.build = build
        self.samples = samples
        self._prepared: dict[str, tuple] = {}

    def _prepare(self, alias: str) -> tuple:
        first = self.build(**{name: pair[0] for name, pair in self.samples.items()})
        second = self.build(**{name: pair[1] for name, pair in self.samples.items()})
        if first._prefetch_related_lookups:
            raise ValueError("prefetch_related is not supported")
        if first._iterable_class not in (ModelIterable, ValuesListIterable):
            raise ValueError("only model and values_list() querysets: others are not supported")
        if first.query.combinator and first._iterable_class is not ValuesListIterable:
            raise ValueError("unions of model querysets are not supported: unions of values_list() ones are")
        compiler = first.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        sql_again, params_again = second.query.get_compiler(using=alias).as_sql()
        if sql != sql_again or len(params) != len(params_again):
            raise ValueError("the query's shape depends on the values")
        slots: list[tuple[str, Callable] | None] = []
        for one, two in zip(params, params_again, strict=True):
            if one == two:
                slots.append(None)  # part of the shape: the same whatever the values
                continue
            # A value as given, or as the backend adapts it (SQLite takes dates and datetimes as ISO text).
            found = []
            for adapt in (_as_given, str, _datetime_adapter(alias)):
                found = [(name, adapt) for name, pair in self.samples.items() if _adapted(adapt, pair) == (one, two)]
                if found:
                    break
            if len(found) != 1:
                raise ValueError(f"a parameter derived from the values, or ambiguous: {one!r} / {two!r}")
            slots.append(found[0])
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = [
            (position, [_fast_json_converter(c, expression) for c in functions], expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        ]
        prepared = (sql, list(params), slots, compiler, first._iterable_class, converters)
        self._prepared[alias] = prepared
        return prepared

    def __call__(self, *, using: str = "default", **values) -> list:
        if values.keys() != self.samples.keys():
            raise TypeError(f"give exactly {sorted(self.samples)}")
        for name, value in values.items():
            # The same kind as the samples: a datetime where a date was compiled would be written otherwise.
            if type(value) is not type(self.samples[name][0]):
                raise TypeError(f"{name}: expected {type(self.samples[name][0]).__name__}, got {type(value).__name__}")
        if any(isinstance(value, int) and not _INT64[0] <= value <= _INT64[1] for value in values.values()):
            return []  # no column holds such a number (the ORM finds nothing without asking, as here)
        prepared = self._prepared.get(using) or self._prepare(using)
        sql, constants, slots, compiler, iterable, converters = prepared
        params = [
            constant if slot is None else slot[1](values[slot[0]])
            for constant, slot in zip(constants, slots, strict=True)
        ]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if converters:  # as SQLCompiler.results_iter and apply_converters do, with the converters found once
            connection = compiler.connection
            rows = [list(row) for row in rows]
            for row in rows:
                for position, functions, expression in converters:
                    value = row[position]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
            if iterable is ValuesListIterable:
                rows = [tuple(row) for row in rows]
        if iterable is ValuesListIterable:
            return list(rows)
        return _instances(compiler, rows, using)


def _as_given(value):
    return value


def _fast_json_converter(convert: Callable, expression) -> Callable:
    """`JSONField.from_db_value` for JSON read as text (PostgreSQL's jsonb through psycopg 3), with the empty
    object, what most `extra` fields hold, made without the parser. Any other converter as it is."""
    field = getattr(expression, "output_field", None)
    if (
        getattr(convert, "__func__", None) is not JSONField.from_db_value
        or getattr(convert, "__self__", None) is not field
        or field.decoder is not None
        or isinstance(expression, KeyTransform)
    ):
        return convert

    def from_db_value(value, expression, connection):
        if value == "{}":
            return {}
        return convert(value, expression, connection)

    return from_db_value


def _datetime_adapter(alias: str) -> Callable:
    """A datetime as the backend writes it in a query (SQLite: naive UTC text); anything else unchanged."""
    adapt = connections[alias].ops.adapt_datetimefield_value
    return lambda value: adapt(value) if isinstance(value, dt.datetime) else value


def _adapted(adapt: Callable, pair: tuple) -> tuple:
    return adapt(pair[0]), adapt(pair[1])


def _instances(compiler, rows, alias: str) -> list:
    """Model instances from converted rows, as `django.db.models.query.ModelIterable` makes them."""
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    make = _maker(model, init_list, alias)
    related = [_populator(populator) for populator in get_related_populators(klass_info, select, alias)]
    annotations = list(annotation_col_map.items())
    objects = []
    for row in rows:
        obj = make(row[start:end])
        for populate in related:
            populate(row, obj)
        for name, position in annotations:
            setattr(obj, name, row[position])
        objects.append(obj)
    return objects


def _maker(model, init_list: list[str], alias: str) -> Callable:
    """A function making an instance of `model` from a row's values for `init_list`, as `Model.from_db` does.

    `Model.__init__` sends two signals and sets each field through its descriptor: a third of the time a
    page spent on its rows. Where that does nothing more than store the value (every concrete field read,
    in order; no pre_init or post_init receiver; only plain and foreign-key attributes, which store the
    value in the instance's __dict__ on a new instance), the instance is made directly; else by `from_db`."""
    attnames = [field.attname for field in model._meta.concrete_fields]
    if (
        init_list != attnames
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
        or any(type(getattr(model, name, None)) not in _PLAIN_ATTRIBUTES for name in attnames)
    ):
        return lambda values: model.from_db(alias, init_list, values)
    new = object.__new__

    def make(values):
        obj = new(model)
        state = obj._state = ModelState()
        state.adding, state.db = False, alias
        obj.__dict__.update(zip(attnames, values, strict=True))
        return obj

    return make


_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _populator(populator) -> Callable:
    """`RelatedPopulator.populate`, with the related instances made by `_maker`."""
    make = _maker(populator.model_cls, populator.init_list, populator.db)
    nested = [_populator(inner) for inner in populator.related_populators]
    reorder, start, end, pk_idx = populator.reorder_for_init, populator.cols_start, populator.cols_end, populator.pk_idx
    local_setter, remote_setter = populator.local_setter, populator.remote_setter

    def populate(row, from_obj) -> None:
        values = reorder(row) if reorder else row[start:end]
        if values[pk_idx] is None:
            obj = None
        else:
            obj = make(values)
            for inner in nested:
                inner(row, obj)
        local_setter(from_obj, obj)
        if obj is not None:
            remote_setter(obj, from_obj)

    return populate
