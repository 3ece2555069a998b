"""How we know the plan makes a difference: key measures, their values and comparators.

A measure belongs to a plan and quantifies some of its key measure sentences. Its values come one
per period (a month, quarter or year, kept as the period's first day); a value may be derived from
a numerator and a denominator, and a missing or suppressed period is a gap, never a zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Cast, JSONObject
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from plans.dates import long_date
from plans.models import Action, Plan, Recommendation, Role, Statement

from . import status as st

NUMBER = {"max_digits": 16, "decimal_places": 4}


class Unit(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage"
    COUNT = "count", "Count"
    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"
    RATE_PER_10000 = "rate_per_10000", "Rate per 10,000 children"
    SCORE = "score", "Score"


class Polarity(models.TextChoices):
    HIGHER = st.HIGHER, "Higher is better"
    LOWER = st.LOWER, "Lower is better"


class Frequency(models.TextChoices):
    """How often a measure is counted; its values are periods of this kind."""

    MONTHLY = st.MONTH, "Monthly"
    QUARTERLY = st.QUARTER, "Quarterly"
    ANNUAL = st.YEAR, "Annual"


class PeriodKind(models.TextChoices):
    MONTH = st.MONTH, "Month"
    QUARTER = st.QUARTER, "Quarter"
    YEAR = st.YEAR, "Year"


class Status(models.TextChoices):
    """Status against target, always shown as a word and a colour."""

    GREEN = st.GREEN, "Green"
    AMBER = st.AMBER, "Amber"
    RED = st.RED, "Red"


class MeasureQuerySet(models.QuerySet):
    def for_plan(self, plan):
        return self.filter(plan=plan)

    def with_targets(self):
        return self.filter(target__isnull=False)

    def owned_by(self, role_ids):
        return self.filter(owner_id__in=role_ids)

    def with_latest(self, as_of=None):
        """Annotate the latest figure and the one before it up to the period `as_of` (a date); `read_latest`
        turns them into `latest_value`, `latest_period`, `previous_value` and `previous_period`.

        Gaps and suppressed periods are skipped, so these are the latest figures there are. Each figure is
        one subquery giving its value and period together (as JSON) instead of one per field: every
        subquery costs its compilation on each request."""
        figure = JSONObject(value=Cast("value", models.CharField()), period="period")
        figures = _figures_up_to(as_of).values(figure=figure)
        return self.annotate(latest_figure=Subquery(figures[:1]), previous_figure=Subquery(figures[1:2]))

    def off_target(self, as_of=None):
        """Measures whose latest value is Red: worse than the target by more than the tolerance."""
        return self.annotate(latest_value=Subquery(_figures_up_to(as_of).values("value")[:1])).filter(
            Q(polarity=Polarity.HIGHER, latest_value__lt=F("target") - F("tolerance"))
            | Q(polarity=Polarity.LOWER, latest_value__gt=F("target") + F("tolerance")),
            target__isnull=False,
        )


def _figures_up_to(as_of):
    """A measure's figures (not gaps or suppressed periods), newest first, up to the period `as_of`."""
    values = MeasureValue.objects.filter(measure=OuterRef("pk"), value__isnull=False)
    if as_of is not None:
        values = values.filter(period__lte=as_of)
    return values.order_by("-period")


_PLACES = Decimal(1).scaleb(-NUMBER["decimal_places"])  # values as the database gives them back


def read_latest(measures):
    """Set the figures `with_latest` annotated as attributes on each measure; returns the measures."""
    for measure in measures:
        for name, figure in (("latest", measure.latest_figure), ("previous", measure.previous_figure)):
            setattr(measure, f"{name}_value", Decimal(figure["value"]).quantize(_PLACES) if figure else None)
            setattr(measure, f"{name}_period", dt.date.fromisoformat(figure["period"]) if figure else None)
    return measures


class MeasureManager(models.Manager.from_queryset(MeasureQuerySet)):
    def get_by_natural_key(self, plan_slug, code):
        return self.get(plan__slug=plan_slug, code=code)


class Measure(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    code = models.CharField(max_length=20, help_text='Unique in the plan, e.g. "CSC-01".')
    name = models.CharField(max_length=300)
    definition = models.TextField(blank=True, help_text="How it is counted.")
    unit = models.CharField(max_length=20, choices=Unit.choices)
    polarity = models.CharField(max_length=10, choices=Polarity.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    target = models.DecimalField(**NUMBER, null=True, blank=True, help_text="Empty: context only (a trend, no status).")
    target_date = models.DateField(null=True, blank=True, help_text="When the target is to be met.")
    tolerance = models.DecimalField(
        "amber tolerance",
        **NUMBER,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="How far worse than target is still Amber, in the measure's own unit.",
    )
    baseline_value = models.DecimalField(**NUMBER, null=True, blank=True)
    baseline_period = models.DateField(null=True, blank=True, help_text="The first day of the baseline's period.")
    source = models.CharField(max_length=200, blank=True, help_text='e.g. "LCS weekly extract", "Annex A".')
    owner = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
        help_text="Whoever holds this role enters the values.",
    )
    recommendations = models.ManyToManyField(Recommendation, related_name="measures", blank=True)
    actions = models.ManyToManyField(Action, related_name="measures", blank=True)
    statements = models.ManyToManyField(
        Statement,
        related_name="quantified_by",
        blank=True,
        limit_choices_to={"kind": Statement.Kind.MEASURE},
        help_text="The plan's key measure sentences this measure quantifies.",
    )

    objects = MeasureManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="measure_unique_code"),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="measure_tolerance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def natural_key(self):
        return (*self.plan.natural_key(), self.code)

    natural_key.dependencies = ["plans.plan", "plans.role", "plans.recommendation", "plans.action", "plans.statement"]

    def get_absolute_url(self) -> str:
        return reverse("measures:measure_detail", args=[self.plan.slug, self.pk])

    @property
    def has_target(self) -> bool:
        return self.target is not None

    def status_of(self, value) -> str | None:
        return st.status_for(value, target=self.target, tolerance=self.tolerance, polarity=self.polarity)

    def format(self, value) -> str:
        return st.format_value(value, self.unit)

    @property
    def target_display(self) -> str:
        return self.format(self.target)

    @property
    def tolerance_display(self) -> str:
        return self.format(self.tolerance)

    @property
    def baseline_display(self) -> str:
        return self.format(self.baseline_value)

    @property
    def baseline_period_label(self) -> str:
        return st.period_label(self.baseline_period, self.frequency) if self.baseline_period else ""

    def clean(self):
        errors: dict[str, str] = {}
        self.code = (self.code or "").strip()
        if self.owner_id and self.plan_id and self.owner.plan_id != self.plan_id:
            errors["owner"] = "Choose a role of this plan."
        if self.target_date and self.target is None:
            errors["target_date"] = "Give a target, or leave its date empty."
        if (self.baseline_value is None) != (self.baseline_period is None):
            field = "baseline_period" if self.baseline_period is None else "baseline_value"
            errors[field] = "Give the baseline's value and its period, or neither."
        if self.baseline_period and not st.is_period_start(self.baseline_period, self.frequency):
            errors["baseline_period"] = (
                f"The measure is {st.FREQUENCY_WORDS[self.frequency]}: give the first day of a {self.frequency}."
            )
        if self.unit == Unit.PERCENTAGE:
            for name in ("target", "baseline_value"):
                value = getattr(self, name)
                if value is not None and not 0 <= value <= 100:
                    errors[name] = "A percentage is between 0 and 100."
        if errors:
            raise ValidationError(errors)


class MeasureValue(models.Model):
    """A measure's figure for one period: typed, or derived from a numerator and a denominator."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="values")
    period = models.DateField(help_text="The first day of the month, quarter or year.")
    value = models.DecimalField(**NUMBER, null=True, blank=True)
    numerator = models.DecimalField(**NUMBER, null=True, blank=True)
    denominator = models.DecimalField(**NUMBER, null=True, blank=True)
    suppressed = models.BooleanField(
        default=False, help_text="The figure is withheld (small numbers) or not available: shown as a gap."
    )
    note = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "period"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "period"], name="measurevalue_unique_period"),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True, denominator__isnull=True)
                | Q(numerator__isnull=False, denominator__isnull=False),
                name="measurevalue_numerator_with_denominator",
            ),
            models.CheckConstraint(
                condition=Q(suppressed=False, value__isnull=False)
                | Q(suppressed=True, value__isnull=True, numerator__isnull=True),
                name="measurevalue_value_or_suppressed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.period_label}: {self.display}"

    @property
    def period_label(self) -> str:
        return st.period_label(self.period, self.measure.frequency)

    @property
    def period_code(self) -> str:
        return st.period_code(self.period, self.measure.frequency)

    @property
    def entered_on(self) -> str:
        """The day it was entered, as `date:"j F Y"` writes it in the current time zone (a row per period on the
        measure's page: the filter's per-call set-up cost more than the rest of the row)."""
        return long_date(timezone.template_localtime(self.entered_at)) if self.entered_at else ""

    @property
    def display(self) -> str:
        return "Suppressed" if self.suppressed else self.measure.format(self.value)

    @property
    def numerator_display(self) -> str:
        return st.format_number(self.numerator, places=4)

    @property
    def denominator_display(self) -> str:
        return st.format_number(self.denominator, places=4)

    @property
    def is_derived(self) -> bool:
        return self.numerator is not None

    def clean(self):
        """Check the period fits the measure, and derive the value from its numerator and denominator.

        A value given with a numerator and a denominator must agree with them (at the precision
        it is written to); the stored value is always the derived one.
        """
        errors: dict[str, str] = {}
        measure = self.measure
        if self.period and not st.is_period_start(self.period, measure.frequency):
            errors["period"] = (
                f"{measure.code} is {st.FREQUENCY_WORDS[measure.frequency]}: "
                f"give the first day of a {measure.frequency}."
            )
        if self.suppressed:
            if self.value is not None or self.numerator is not None or self.denominator is not None:
                errors["value"] = "A suppressed period has no value, numerator or denominator."
        elif (self.numerator is None) != (self.denominator is None):
            missing = "denominator" if self.denominator is None else "numerator"
            errors[missing] = f"Give the {missing} too, or neither."
        elif self.numerator is not None:
            try:
                derived = st.derive_value(self.numerator, self.denominator, measure.unit)
            except st.NumberError as error:
                errors["denominator"] = str(error)
            else:
                if self.value is not None and not st.agrees(Decimal(self.value), derived):
                    errors["value"] = (
                        f"{st.format_number(self.value, places=4)} disagrees with the numerator and denominator, "
                        f"which give {st.format_number(derived, places=4)}. Leave the value empty: it is worked out."
                    )
                self.value = derived
        elif self.value is None:
            errors["value"] = "Give a value, or a numerator and a denominator, or mark the period as suppressed."
        if not errors and not self.suppressed:
            errors.update(_range_errors(self, measure.unit))
        if errors:
            raise ValidationError(errors)


def _range_errors(value: MeasureValue, unit: str) -> dict[str, str]:
    errors = {}
    if unit != Unit.SCORE:
        for name in ("value", "numerator", "denominator"):
            number = getattr(value, name)
            if number is not None and number < 0:
                errors[name] = f"The {name} cannot be negative."
    if unit == Unit.PERCENTAGE and value.value is not None and value.value > 100 and "value" not in errors:
        field = "numerator" if value.numerator is not None else "value"
        errors[field] = "A percentage cannot be more than 100: is the numerator larger than the denominator?"
    return errors


class Comparator(models.Model):
    """A named series to compare a measure with: England, London, statistical neighbours …"""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="comparators")
    name = models.CharField(max_length=100, help_text='e.g. "England", "London", "Statistical neighbours".')
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["measure", "name"], name="comparator_unique_name")]

    def __str__(self) -> str:
        return f"{self.measure.code}: {self.name}"


class ComparatorValue(models.Model):
    comparator = models.ForeignKey(Comparator, on_delete=models.CASCADE, related_name="values")
    period = models.DateField(help_text="The first day of the month, quarter or year.")
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices, default=PeriodKind.YEAR)
    value = models.DecimalField(**NUMBER)
    source = models.CharField(max_length=200, blank=True, help_text='e.g. "LAIT 2019", "CIN census 2018-19".')
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["comparator", "period"]
        constraints = [
            models.UniqueConstraint(fields=["comparator", "period", "period_kind"], name="comparatorvalue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.comparator}, {self.period_label}: {self.value}"

    @property
    def period_label(self) -> str:
        return st.period_label(self.period, self.period_kind)

    def clean(self):
        if self.period and not st.is_period_start(self.period, self.period_kind):
            raise ValidationError({"period": f"Give the first day of the {self.period_kind}."})


class ValueImport(models.Model):
    """An upload of measure values waiting for confirmation: its checked rows, warnings and errors."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", "Waiting for confirmation"
        IMPORTED = "imported", "Imported"
        CANCELLED = "cancelled", "Cancelled"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=10)
    rows = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PREVIEWED)
    written = models.PositiveIntegerField(default=0, help_text="Values added or changed by the import.")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"
