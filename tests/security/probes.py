"""Helpers the security probes share: the URLconf walked through the permission matrix's URL list."""

from django.urls import reverse

from tests.security.test_permission_matrix import MATRIX, PK_OBJECT, url_for, url_patterns

INT_KEYS = ("pk", "board_pk", "meeting_pk")
# URL kwargs other than the plan's slug and an object's id.
FIXED = {"fmt": "csv"}


def patterns() -> dict:
    return dict(url_patterns())


def converters(name: str) -> dict:
    return patterns()[name].pattern.converters


def object_kind(name: str, key: str) -> str:
    """Which world object a URL's integer argument names."""
    if key == "board_pk":
        return "board"
    if key == "meeting_pk":
        return "meeting"
    return PK_OBJECT.get(name, "action")


def object_url_names() -> list[str]:
    """Matrix URL names with an integer id in the path."""
    return sorted(name for name in MATRIX if any(key in INT_KEYS for key in converters(name)))


def url_with(name: str, objects: dict, **override) -> str:
    """The URL for the world's own objects, with some arguments replaced."""
    if not override:
        return url_for(name, objects)
    keys = converters(name)
    values = {
        "slug": objects["plan"].slug,
        "fmt": "csv",
        "board_pk": objects["board"].pk,
        "meeting_pk": objects["meeting"].pk,
        "pk": objects[PK_OBJECT.get(name, "action")].pk,
    } | override
    return reverse(name, kwargs={key: values[key] for key in keys})


def accepts_post(name: str) -> bool:
    """Whether a plan manager's POST reaches the view (rather than a 405)."""
    return MATRIX[name]["POST"][-1] != 405


def allowed_for(name: str, person: str, method: str = "GET") -> int:
    """The matrix's status for a person (anonymous … plan_manager) on the world's own object."""
    from tests.security.test_permission_matrix import PEOPLE

    if person == "superuser":
        person = "plan_manager"
    return MATRIX[name][method][PEOPLE.index(person)]


# Tables that record the visit itself, not the plan's state.
UNWATCHED_APPS = {"sessions", "axes", "audit", "admin", "otp_static", "otp_totp", "django_otp"}


def state_snapshot() -> dict:
    """Row counts of every model, with the sum of their `version`s and the latest of their dates
    (what an edit would move); tables of visits (sessions, sign-in attempts, the audit log) aside."""
    from django.apps import apps
    from django.db import models

    snapshot = {}
    for model in apps.get_models():
        if model._meta.app_label in UNWATCHED_APPS or model._meta.proxy:
            continue
        aggregates = {"rows": models.Count("pk")}
        for field in model._meta.concrete_fields:
            if field.name == "version" and isinstance(field, models.IntegerField):
                aggregates["version"] = models.Sum(field.name)
            elif isinstance(field, models.DateTimeField) and field.name != "last_login":
                aggregates[field.name] = models.Max(field.name)
        snapshot[model._meta.label] = model._base_manager.aggregate(**aggregates)
    return snapshot


def snapshot_changes(before: dict, after: dict) -> dict:
    return {label: (before[label], after[label]) for label in before if before[label] != after[label]}
