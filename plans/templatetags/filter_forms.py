"""GET filter forms in GOV.UK markup, written in Python: a list page renders one on every request, and
through crispy-forms and Django's widget templates (a template per option) it took a quarter of the page."""

from django import forms, template
from django.utils.safestring import SafeString, mark_safe

from plans.html import format_html, format_html_join

register = template.Library()


def _described_by(field, hint_id: str, error_id: str) -> str:
    ids = [hint_id] if field.help_text else []
    ids += [error_id] if field.errors else []
    return " ".join(ids)


def _control(field, described_by: str) -> SafeString:
    error = " govuk-select--error" if field.errors else ""
    aria = format_html(' aria-describedby="{}"', described_by) if described_by else ""
    if isinstance(field.field.widget, forms.Select):
        current = "" if field.value() is None else str(field.value())
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                ("" if value is None else value, mark_safe(" selected") if str(value) == current else "", label)  # noqa: S308
                for value, label in field.field.widget.choices
            ),
        )
        return format_html(
            '<select class="govuk-select{}" id="{}" name="{}"{}>{}</select>',
            error,
            field.id_for_label,
            field.html_name,
            aria,
            options,
        )
    attrs = format_html_join("", ' {}="{}"', field.field.widget.attrs.items())
    return format_html(
        '<input class="govuk-input{}" id="{}" name="{}" type="text" value="{}"{}{}>',
        error.replace("select", "input"),
        field.id_for_label,
        field.html_name,
        "" if field.value() is None else field.value(),
        attrs,
        aria,
    )


@register.simple_tag
def filter_fields(form, columns: str = "one-third", per_row: int = 3) -> SafeString:
    """The form's fields in GOV.UK form groups, `per_row` to a grid row (selects and text inputs)."""
    groups = []
    for field in form:
        hint_id, error_id = f"{field.id_for_label}-hint", f"{field.id_for_label}-error"
        hint = (
            format_html('<div id="{}" class="govuk-hint">{}</div>', hint_id, field.help_text) if field.help_text else ""
        )
        errors = format_html_join(
            "",
            '<p id="{}" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {}</p>',
            ((error_id, error) for error in field.errors),
        )
        groups.append(
            format_html(
                '<div class="govuk-grid-column-{}"><div class="govuk-form-group{}">'
                '<label class="govuk-label" for="{}">{}</label>{}{}{}</div></div>',
                columns,
                " govuk-form-group--error" if field.errors else "",
                field.id_for_label,
                field.label,
                hint,
                errors,
                _control(field, _described_by(field, hint_id, error_id)),
            )
        )
    rows = [groups[i : i + per_row] for i in range(0, len(groups), per_row)]
    return format_html_join("", '<div class="govuk-grid-row">{}</div>', ((mark_safe("".join(row)),) for row in rows))  # noqa: S308 - made of format_html pieces
