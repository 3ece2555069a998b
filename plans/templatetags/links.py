"""`{% cached_url "name" arg … %}`: Django's `{% url %}`, remembered per process (`plans.links.cached_reverse`),
for the links every page draws (sign-out, the footer's account links): a `reverse` costs tens of
microseconds, and the address of a name with the same arguments does not change while the process runs."""

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static

from plans.links import cached_reverse

register = template.Library()


@register.simple_tag
def cached_url(viewname: str, *args) -> str:
    return cached_reverse(viewname, *args)


@register.simple_tag
@functools.lru_cache(maxsize=256)
def cached_static(path: str) -> str:
    """`{% static %}`, remembered per process: a hashed name's look-up in the manifest cost each page about
    30 µs a file, and the manifest does not change while the process runs."""
    return static(path)


@receiver(setting_changed)
def _forget_static(*, setting, **kwargs) -> None:
    # As Django forgets its staticfiles storage when a test changes these settings.
    if setting in ("STORAGES", "STATIC_URL", "STATIC_ROOT"):
        cached_static.cache_clear()
