import django_filters
from django import forms

from .models import Action, Recommendation, Role
from .versioning import plan_memo

DATE_HINT = "For example, 31/12/2019"


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Words in the action", method="filter_text")
    recommendation = django_filters.ModelChoiceFilter(
        queryset=Recommendation.objects.none(), empty_label="Any recommendation"
    )
    lead = django_filters.ModelChoiceFilter(
        label="Lead", queryset=Role.objects.none(), field_name="leads", empty_label="Any lead"
    )
    organisation = django_filters.ChoiceFilter(
        label="Lead's organisation", field_name="leads__organisation", empty_label="Any organisation"
    )
    due_after = django_filters.DateFilter(
        label="Due on or after", field_name="due_date", lookup_expr="gte", help_text=DATE_HINT,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )  # fmt: skip
    due_before = django_filters.DateFilter(
        label="Due on or before", field_name="due_date", lookup_expr="lte", help_text=DATE_HINT,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )  # fmt: skip

    state = django_filters.ChoiceFilter(
        label="Show",
        method="filter_state",
        empty_label="Actions being delivered",
        choices=[("all", "All actions"), *[(s.value, s.label) for s in Action.State]],
    )

    class Meta:
        model = Action
        fields = ["q", "recommendation", "lead", "organisation", "due_after", "due_before", "state"]

    def filter_state(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(state=value)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        recommendations = plan.recommendations.order_by("order")
        roles = plan.roles.order_by("title", "organisation")
        self.filters["recommendation"].queryset = recommendations
        self.filters["lead"].queryset = roles
        # The choices are read once per version of the plan (validating a choice still asks the database).
        choices = plan_memo(
            plan,
            "action-filter-choices",
            lambda: {
                "recommendation": [("", "Any recommendation"), *((r.pk, str(r)) for r in recommendations)],
                "lead": [("", "Any lead"), *((r.pk, str(r)) for r in roles)],
                "organisation": [
                    (o, o)
                    for o in roles.exclude(organisation="")
                    .order_by("organisation")
                    .values_list("organisation", flat=True)
                    .distinct()
                ],
            },
        )
        self.filters["organisation"].extra["choices"] = choices["organisation"]
        for name in ("recommendation", "lead"):
            self.form.fields[name].widget.choices = choices[name]  # shown; the queryset still validates

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.search(word)
        return queryset

    @property
    def qs(self):
        # Joining leads can repeat an action; keep each once. Closed, withdrawn and superseded
        # actions leave the working list unless asked for.
        queryset = super().qs
        if not (self.form.is_valid() and self.form.cleaned_data.get("state")):
            queryset = queryset.working()
        if self.form.is_valid() and (self.form.cleaned_data.get("lead") or self.form.cleaned_data.get("organisation")):
            queryset = queryset.distinct()
        return queryset
