from django import forms

from plans.models import Action

from .flags import ALL_FLAGS
from .models import Rag


class DashboardFilterForm(forms.Form):
    """The dashboard's filters: the choices of lead and organisation are the plan's, set per dashboard."""

    lead = forms.ChoiceField(label="Lead", required=False)
    organisation = forms.ChoiceField(label="Lead's organisation", required=False)
    status = forms.ChoiceField(
        label="Status this period",
        required=False,
        choices=[("", "Any status"), *[(rag.value, rag.label) for rag in Rag], ("none", "No update")],
    )
    flag = forms.ChoiceField(
        label="Flag", required=False, choices=[("", "Any flag"), *[(f.key, f.label) for f in ALL_FLAGS]]
    )


class DashboardFilter:
    """Narrows the dashboard's action table; the counts above it stay for the whole plan.

    The dashboard's actions are already built (statuses and flags are computed), so the choices
    come from them and `matches` filters them in memory: no query per filter. A plain form, not a
    django-filter FilterSet (which filters querysets): an uncached dashboard makes one on every request,
    and the FilterSet's copies of its filters, its form class and fields cost 2 % of the page (callgrind).
    """

    base_filters = tuple(DashboardFilterForm.base_fields)

    def __init__(self, data=None, *, actions: list[Action]):
        roles = {link.role.pk: link.role for action in actions for link in action.lead_links()}
        ordered = sorted(roles.values(), key=lambda r: (r.title, r.organisation))
        self.form = DashboardFilterForm(data)
        # Set after the form is made: the form copies its fields, and these lists are long.
        self.form.fields["lead"].choices = [("", "Any lead"), *[(str(r.pk), str(r)) for r in ordered]]
        organisations = sorted({r.organisation for r in ordered if r.organisation})
        self.form.fields["organisation"].choices = [("", "Any organisation"), *[(o, o) for o in organisations]]

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
