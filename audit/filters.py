import django_filters
from django import forms

from .kinds import Kind
from .models import AuditEvent

DATE_HINT = "For example, 31/12/2019 (UK time)"


class AuditFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Enter an ‘on or before’ date the same as or after the ‘on or after’ date")
        return data


def _date_widget():
    return forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"})


class AuditEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Words in the user, object, old or new value", method="filter_words", max_length=200
    )
    kind = django_filters.ChoiceFilter(label="Event", choices=Kind.choices, empty_label="Any event")
    username = django_filters.ChoiceFilter(label="User", empty_label="Anyone")
    date_from = django_filters.DateFilter(
        label="On or after", field_name="at", lookup_expr="date__gte", help_text=DATE_HINT, widget=_date_widget()
    )
    date_to = django_filters.DateFilter(
        label="On or before", field_name="at", lookup_expr="date__lte", help_text=DATE_HINT, widget=_date_widget()
    )

    class Meta:
        model = AuditEvent
        fields = ["q", "kind", "username", "date_from", "date_to"]
        form = AuditFilterForm

    def __init__(self, *args, usernames: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["username"].extra["choices"] = [(name, name) for name in usernames]

    def filter_words(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.search(word)
        return queryset
