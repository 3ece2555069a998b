"""Addresses of many objects of one kind on a page, from one `reverse` instead of one per object."""

from collections.abc import Callable

from django.urls import reverse


def pk_url_maker(viewname: str, *args) -> Callable[[int], str]:
    """The address of `viewname` for any object id (its last argument), for pages that link many objects.

    `reverse` costs tens of microseconds; a dashboard links fifty actions and thirty measures."""
    sample = reverse(viewname, args=[*args, 0])
    head, found, tail = sample.rpartition("/0/")
    if not found:
        raise ValueError(f"{viewname} does not end in the object's id: {sample}")
    return lambda pk: f"{head}/{int(pk)}/{tail}"
