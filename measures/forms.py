from decimal import Decimal

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from . import services
from . import status as st
from .models import Frequency, Measure, Polarity, Unit

PERIOD_HINTS = {
    st.MONTH: "The month, for example 2019-04 or April 2019.",
    st.QUARTER: "The quarter, for example 2019-Q2 (April to June 2019).",
    st.YEAR: "The year, for example 2019.",
}


class _TextField(forms.Field):
    """Text read into something else: its length is checked on the text, before it is read."""

    max_length = 40

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "govuk-input--width-10"}))
        super().__init__(*args, **kwargs)

    def text(self, value) -> str:
        text = "" if value is None else str(value).strip()
        if len(text) > self.max_length:
            raise forms.ValidationError(f"Enter no more than {self.max_length} characters.")
        return text


class NumberField(_TextField):
    """A number as people write it ("1,234", "72.5%"), read into a Decimal; empty gives None."""

    def __init__(self, *args, allow_percent: bool = False, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}))
        super().__init__(*args, **kwargs)
        self.allow_percent = allow_percent

    def to_python(self, value):
        try:
            return st.parse_number(self.text(value), allow_percent=self.allow_percent)
        except st.NumberError as error:
            raise forms.ValidationError(f"Enter a number: {error}")


class PeriodField(_TextField):
    def __init__(self, *args, kind: str | None = None, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}))
        super().__init__(*args, **kwargs)
        self.kind = kind

    def to_python(self, value):
        text = self.text(value)
        if not text:
            return None
        try:
            return st.parse_period(text, kind=self.kind)
        except st.PeriodError as error:
            raise forms.ValidationError(str(error))


class ValueForm(forms.Form):
    period = PeriodField(label="Period", error_messages={"required": "Enter the period the figure is for."})
    value = NumberField(label="Value", help_text="Leave empty if you give a numerator and a denominator.")
    numerator = NumberField(label="Numerator")
    denominator = NumberField(label="Denominator")
    suppressed = forms.BooleanField(
        label="The figure is suppressed or not available",
        required=False,
        help_text="It is shown as a gap, never as zero.",
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, measure: Measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.fields["period"].kind = measure.frequency
        self.fields["period"].help_text = PERIOD_HINTS[measure.frequency]
        self.fields["value"].allow_percent = measure.unit == Unit.PERCENTAGE
        self.fields["value"].label = f"Value ({measure.get_unit_display().lower()})"
        if measure.unit in (Unit.PERCENTAGE, Unit.RATE_PER_10000):
            per = "× 100" if measure.unit == Unit.PERCENTAGE else "× 10,000"
            self.fields["numerator"].help_text = f"The value is worked out as numerator ÷ denominator {per}."


class ComparatorValueForm(forms.Form):
    name = forms.CharField(
        label="Comparator",
        max_length=100,
        help_text='For example "England", "London" or "Statistical neighbours".',
        error_messages={"required": "Enter the comparator's name."},
    )
    period = PeriodField(
        label="Period",
        help_text="A month (2019-04), a quarter (2019-Q2) or a year (2019).",
        error_messages={"required": "Enter the period the figure is for."},
    )
    value = NumberField(label="Value", required=True, error_messages={"required": "Enter the figure."})
    source = forms.CharField(label="Source", max_length=200, required=False, help_text='For example "LAIT 2019".')

    def __init__(self, *args, measure: Measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].allow_percent = measure.unit == Unit.PERCENTAGE
        names = [c.name for c in measure.comparators.all()]
        if names:
            self.fields["name"].help_text = f"This measure's comparators: {', '.join(names)}; or a new one."


class MeasureForm(forms.Form):
    name = forms.CharField(label="Name", max_length=300)
    definition = forms.CharField(
        label="Definition", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="How it is counted."
    )
    unit = forms.ChoiceField(label="Unit", choices=Unit.choices)
    polarity = forms.ChoiceField(label="Which is better?", choices=Polarity.choices, widget=forms.RadioSelect)
    frequency = forms.ChoiceField(label="Frequency", choices=Frequency.choices)
    target = forms.DecimalField(
        label="Target",
        required=False,
        max_digits=16,
        decimal_places=4,
        help_text="Leave empty for a measure shown for context only (a trend, no status).",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )
    target_date = forms.DateField(
        label="Target date", required=False, help_text="For example, 31/03/2020.", widget=forms.TextInput()
    )
    tolerance = forms.DecimalField(
        label="Amber tolerance",
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=4,
        help_text="How far worse than the target is still Amber, in the measure's unit. 0: no Amber.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )
    baseline_value = forms.DecimalField(
        label="Baseline value",
        required=False,
        max_digits=16,
        decimal_places=4,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )
    baseline_period = PeriodField(
        label="Baseline period", required=False, help_text="In the measure's frequency: 2019-04, 2019-Q2 or 2019."
    )
    source = forms.CharField(label="Source", max_length=200, required=False, help_text='e.g. "LCS weekly extract".')
    owner = forms.ModelChoiceField(
        label="Owner", required=False, queryset=None, help_text="Whoever holds this role enters the values."
    )

    def __init__(self, *args, measure: Measure, **kwargs):
        if not kwargs.get("data"):
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(measure, name) for name in services.MEASURE_EDITABLE if name != "baseline_period"},
                    "baseline_period": st.period_code(measure.baseline_period, measure.frequency)
                    if measure.baseline_period
                    else "",
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = measure.plan.roles.order_by("title")

    def clean(self):
        data = super().clean()
        text = self.data.get(self.add_prefix("baseline_period"), "")
        frequency = data.get("frequency")
        if "baseline_period" in data and text and frequency:
            try:
                data["baseline_period"] = st.parse_period(text, kind=frequency)
            except st.PeriodError as error:
                self.add_error("baseline_period", str(error))
        if isinstance(data.get("baseline_period"), st.Period):
            data["baseline_period"] = data["baseline_period"].start
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File of values",
        help_text="A CSV or XLSX file with the columns measure_code, period, value, numerator, denominator, note.",
        error_messages={"required": "Choose a CSV or XLSX file."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if services.guess_format(upload.name) is None:
            raise forms.ValidationError("Choose a file that ends in .csv or .xlsx.")
        if upload.size == 0:
            raise forms.ValidationError("The selected file is empty.")
        if upload.size > settings.PLAN_IMPORT_MAX_BYTES:
            limit = filesizeformat(settings.PLAN_IMPORT_MAX_BYTES)
            raise forms.ValidationError(f"The file must be {limit} or smaller.")
        return upload


class ConfirmImportForm(forms.Form):
    decision = forms.ChoiceField(choices=[("import", "Import"), ("cancel", "Cancel")])
