"""`{% cached_url "name" arg … %}`: Django's `{% url %}`, remembered per process (`plans.links.cached_reverse`),
for the links every page draws (sign-out, the footer's account links): a `reverse` costs tens of
microseconds, and the address of a name with the same arguments does not change while the process runs."""

from django import template

from plans.links import cached_reverse

register = template.Library()


@register.simple_tag
def cached_url(viewname: str, *args) -> str:
    return cached_reverse(viewname, *args)
