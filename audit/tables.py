import datetime as dt

import django_tables2 as tables
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .models import AuditEvent


class AuditEventTable(tables.Table):
    at = tables.Column(verbose_name="When (UK time)", orderable=False)
    kind = tables.Column(verbose_name="Event", orderable=False)
    username = tables.Column(verbose_name="User", orderable=False, empty_values=())
    ip = tables.Column(verbose_name="IP address", orderable=False, default="Not known")
    object_repr = tables.Column(verbose_name="Object", orderable=False, empty_values=())
    change = tables.Column(verbose_name="Old → new", orderable=False, empty_values=(), accessor="new")
    detail = tables.Column(verbose_name="Details", orderable=False, empty_values=())

    class Meta:
        model = AuditEvent
        fields = ["at", "kind", "username", "ip", "object_repr", "change", "detail"]
        attrs = {"class": "govuk-table app-table--audit"}
        empty_text = "No events match these filters."

    def render_at(self, value):
        utc = value.astimezone(dt.UTC).isoformat()
        return format_html('<time datetime="{}">{}</time>', utc, date_filter(timezone.localtime(value), "j M Y, H:i:s"))

    def render_username(self, value):
        return value or format_html('<span class="govuk-hint govuk-!-margin-0">Not signed in</span>')

    def render_object_repr(self, record):
        if not (record.object_type or record.object_repr):
            return "—"
        label = record.object_type.capitalize()
        if record.object_id:
            label = f"{label} {record.object_id}"
        if record.object_repr:
            return format_html("{}<br><span class='govuk-hint govuk-!-margin-0'>{}</span>", record.object_repr, label)
        return label

    def render_change(self, record):
        if not (record.old or record.new):
            return "—"
        return format_html("{} → {}", record.old or "nothing", record.new or "nothing")

    def render_detail(self, value):
        if not value:
            return "—"
        return format_html(
            '<ul class="govuk-list govuk-body-s govuk-!-margin-0">{}</ul>',
            format_html_join("", "<li>{}: {}</li>", ((k, _short(v)) for k, v in value.items())),
        )


def _short(value) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 120 else text[:119] + "…"
