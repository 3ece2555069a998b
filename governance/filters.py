import django_filters

from plans.models import Action

from .flags import ALL_FLAGS
from .models import Rag


class DashboardFilter(django_filters.FilterSet):
    """Narrows the dashboard's action table; the counts above it stay for the whole plan.

    The dashboard's actions are already built (statuses and flags are computed), so the choices
    come from them and `matches` filters them in memory: no query per filter.
    """

    lead = django_filters.ChoiceFilter(label="Lead", method="in_memory", empty_label="Any lead")
    organisation = django_filters.ChoiceFilter(
        label="Lead's organisation", method="in_memory", empty_label="Any organisation"
    )
    status = django_filters.ChoiceFilter(
        label="Status this period",
        method="in_memory",
        empty_label="Any status",
        choices=[*[(rag.value, rag.label) for rag in Rag], ("none", "No update")],
    )
    flag = django_filters.ChoiceFilter(
        label="Flag", method="in_memory", empty_label="Any flag", choices=[(f.key, f.label) for f in ALL_FLAGS]
    )

    class Meta:
        model = Action
        fields = ["lead", "organisation", "status", "flag"]

    def __init__(self, *args, actions: list[Action], **kwargs):
        super().__init__(*args, queryset=Action.objects.none(), **kwargs)
        roles = {link.role.pk: link.role for action in actions for link in action.lead_links()}
        ordered = sorted(roles.values(), key=lambda r: (r.title, r.organisation))
        self.filters["lead"].extra["choices"] = [(str(r.pk), str(r)) for r in ordered]
        organisations = sorted({r.organisation for r in ordered if r.organisation})
        self.filters["organisation"].extra["choices"] = [(o, o) for o in organisations]

    def in_memory(self, queryset, name, value):
        return queryset

    def matches(self, actions: list[Action]) -> list[Action]:
        if not self.form.is_valid():
            return actions
        data = self.form.cleaned_data
        lead, organisation, status, flag = (data.get(k) for k in ("lead", "organisation", "status", "flag"))
        return [
            a
            for a in actions
            if (not lead or any(str(link.role_id) == lead for link in a.lead_links()))
            and (not organisation or any(link.role.organisation == organisation for link in a.lead_links()))
            and (not status or (a.period_status or "none") == status)
            and (not flag or any(f.key == flag for f in a.flags))
        ]
