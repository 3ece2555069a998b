import django_filters

from plans.models import Action, Role

from .flags import ALL_FLAGS
from .models import Rag


class DashboardFilter(django_filters.FilterSet):
    """Narrows the dashboard's action table; the counts above it stay for the whole plan."""

    lead = django_filters.ModelChoiceFilter(
        label="Lead", queryset=Role.objects.none(), field_name="leads", empty_label="Any lead"
    )
    organisation = django_filters.ChoiceFilter(
        label="Lead's organisation", field_name="leads__organisation", empty_label="Any organisation"
    )
    status = django_filters.ChoiceFilter(
        label="Status this period",
        method="filter_status",
        empty_label="Any status",
        choices=[*[(rag.value, rag.label) for rag in Rag], ("none", "No update")],
    )
    flag = django_filters.ChoiceFilter(
        label="Flag", method="filter_nothing", empty_label="Any flag", choices=[(f.key, f.label) for f in ALL_FLAGS]
    )

    class Meta:
        model = Action
        fields = ["lead", "organisation", "status", "flag"]

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["lead"].queryset = plan.roles.order_by("title", "organisation")
        organisations = (
            plan.roles.exclude(organisation="").order_by("organisation").values_list("organisation", flat=True).distinct()
        )
        self.filters["organisation"].extra["choices"] = [(o, o) for o in organisations]

    def filter_status(self, queryset, name, value):
        return queryset.filter(period_status__isnull=True) if value == "none" else queryset.filter(period_status=value)

    def filter_nothing(self, queryset, name, value):
        return queryset  # flags are computed, so the view filters on them after building the dashboard

    def is_active(self) -> bool:
        return self.form.is_valid() and any(self.form.cleaned_data.get(name) for name in self.filters)
