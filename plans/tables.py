import django_tables2 as tables
from django.utils.safestring import SafeString

from .dates import long_date
from .html import format_html, format_html_join
from .links import pk_url_maker
from .models import Action, attach_leads

NO_LEAD = SafeString('<span class="govuk-hint govuk-!-margin-0">No lead named</span>')
DESCRIPTION_MISSING = SafeString('<span class="govuk-hint govuk-!-margin-0">Description missing in the source</span>')


def lead_list(roles) -> SafeString:
    """An action's leads in order, as `plans/includes/leads.html` writes them (for rows made in Python)."""
    if not roles:
        return NO_LEAD
    return format_html(
        '<ul class="govuk-list govuk-!-margin-0">{}</ul>',
        format_html_join("", "<li>{}</li>", ((role.title,) for role in roles)),
    )


class ActionTable(tables.Table):
    reference = tables.Column(verbose_name="Action", order_by=("order",), linkify=True)
    description = tables.Column(verbose_name="Description", orderable=False)
    recommendation = tables.Column(
        verbose_name="Recommendation", accessor="recommendation__reference", order_by=("recommendation__order", "order")
    )
    leads = tables.Column(verbose_name="Leads", empty_values=(), orderable=False)
    due = tables.Column(verbose_name="By when", accessor="due_text", order_by=("due_date", "order"))

    class Meta:
        model = Action
        fields = ["reference", "description", "recommendation", "leads", "due"]
        order_by = ("reference",)
        attrs = {"class": "govuk-table app-table--actions"}
        empty_text = "No actions match these filters."

    def rows_for(self, actions: list[Action], plan) -> list[str]:
        """Each action's row, made once by the render methods below (`plans/includes/action_table.html`).

        The leads come in one query for the page's actions (`attach_leads`)."""
        attach_leads(actions)
        url_of = pk_url_maker("governance:action_detail", plan.slug)
        rows = []
        for action in actions:
            action.plan = plan  # its link needs the plan's slug
            description = action.description
            rows.append(
                format_html(
                    '<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a>'
                    '</td><td class="govuk-table__cell">{}</td><td class="govuk-table__cell">{}</td>'
                    '<td class="govuk-table__cell">{}</td><td class="govuk-table__cell">{}</td></tr>',
                    url_of(action.pk),
                    action.reference,
                    self.render_description(action, description) if description or action.description_missing else "—",
                    action.recommendation.reference,
                    self.render_leads(action),
                    self.render_due(action) if action.due_text or action.due_date else "—",
                )
            )
        return rows

    def render_description(self, record, value):
        if record.description_missing:
            return DESCRIPTION_MISSING
        return value if len(value) <= 160 else value[:157].rsplit(" ", 1)[0] + "…"

    def render_leads(self, record):
        return lead_list(record.lead_roles())

    def render_due(self, record):
        if record.due_date is None:
            return record.due_text or "—"
        derived = long_date(record.due_date)
        if record.due_recurrence:
            derived += f", then {record.get_due_recurrence_display().lower()}"
        return format_html('{}<br><span class="govuk-hint govuk-!-margin-0">{}</span>', record.due_text, derived)
