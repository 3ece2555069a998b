"""`{% cached_url "name" arg … %}`: Django's `{% url %}`, remembered per process (`plans.links.cached_reverse`),
for the links every page draws (sign-out, the footer's account links): a `reverse` costs tens of
microseconds, and the address of a name with the same arguments does not change while the process runs."""

import functools

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.utils.functional import empty

from plans.links import cached_reverse

register = template.Library()


@register.simple_tag
def cached_url(viewname: str, *args) -> str:
    return cached_reverse(viewname, *args)


@register.simple_tag
def cached_static(path: str) -> str:
    """`{% static %}`, remembered per process and storage: a hashed name's look-up in the manifest cost each
    page about 30 µs a file, and the manifest does not change while the process runs."""
    storage = staticfiles_storage._wrapped
    if storage is empty:
        staticfiles_storage._setup()
        storage = staticfiles_storage._wrapped
    return _static(storage, path)


@functools.lru_cache(maxsize=256)
def _static(storage, path: str) -> str:
    # The storage is part of the key: a test that changes STORAGES gets a new one.
    return static(path)
