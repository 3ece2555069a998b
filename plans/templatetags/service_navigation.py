"""The service navigation's links (`base.html`), made in Python: every page draws them, and the template
language's nested `if`s and `url` tags cost the shell about a millisecond a page."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from plans.html import format_html
from plans.links import cached_reverse

register = template.Library()
FALLBACK = '<strong class="govuk-service-navigation__active-fallback">{}</strong>'


def _item(label: str, href: str, *, active: bool, current: str | None) -> SafeString:
    """One link: marked active for its section, with aria-current="page" on its own page or "true" in it."""
    return format_html(
        '<li class="govuk-service-navigation__item{}">'
        '<a class="govuk-service-navigation__link" href="{}"{}>{}</a></li>',
        " govuk-service-navigation__item--active" if active else "",
        href,
        format_html(' aria-current="{}"', current) if current else "",
        format_html(FALLBACK, label) if active else label,
    )


def _current(view_name: str, own_view: str | None, in_section: bool, *, section_is_true: bool = True) -> str | None:
    if own_view and view_name == own_view:
        return "page"
    return "true" if in_section and section_is_true else None


@register.simple_tag(takes_context=True)
def service_navigation(context) -> SafeString:
    """The signed-in person's links: plans, their actions, the plan's own pages when there is a plan, admin."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    nav = context.get("nav") or ""
    plan = context.get("plan")
    user = context.get("user")
    items = [
        _item(
            "Plans",
            cached_reverse("plans:home"),
            active=nav == "plans" or view_name == "plans:home",
            current=_current(view_name, "plans:home", nav == "plans"),
        ),
        _item(
            "My actions",
            cached_reverse("governance:my_actions"),
            active=nav == "my_actions",
            current=_current(view_name, "governance:my_actions", nav == "my_actions"),
        ),
    ]
    if plan:
        sections = [
            # (label, view, nav key, whether a page in the section is marked aria-current="true")
            ("Dashboard", "governance:dashboard", "dashboard", False),
            ("Board", "governance:board", "board", True),
            ("Measures", "measures:measure_list", "measures", True),
            ("Actions", "plans:action_list", "actions", True),
        ]
        for label, view, key, section_is_true in sections:
            active = nav == key or (key == "actions" and view_name == view)
            items.append(
                _item(
                    label,
                    cached_reverse(view, plan.slug),
                    active=active,
                    current=_current(view_name, view, nav == key, section_is_true=section_is_true),
                )
            )
    if user is not None and user.is_superuser:
        items.append(_item("Admin", "/admin/", active=nav == "admin", current="page" if nav == "admin" else None))
    return mark_safe("\n".join(items))  # noqa: S308 - each item is made by format_html
