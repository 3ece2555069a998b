"""No lost edits: a save that succeeds only if nobody else saved the row since it was read.

A lock cannot span a form's GET and POST, so each tracked row carries a `version`. Saving runs
`UPDATE … SET version = version + 1 WHERE id = … AND version = <the version the form was read at>`;
if no row matches, someone else saved first and the save is refused with what they changed.
The full save (and its history row, written by django-simple-history) follows in the same
transaction, so either both land or neither does.
"""

from django.db import transaction


class EditConflict(Exception):
    """Someone saved the object after this edit began. `current` is the object as it is now."""

    def __init__(self, current, changes: dict[str, tuple[object, object]]):
        self.current = current
        self.changes = changes  # field label -> (theirs, yours)
        super().__init__(f"{current} was changed by someone else.")

    def describe(self) -> list[str]:
        return [f"{label}: now “{theirs}”; yours “{yours}”" for label, (theirs, yours) in self.changes.items()]


def changes_from(current, mine, fields) -> dict[str, tuple[object, object]]:
    result = {}
    for name in fields:
        theirs, yours = getattr(current, name), getattr(mine, name)
        if theirs != yours:
            label = str(type(mine)._meta.get_field(name).verbose_name).capitalize()
            result[label] = (theirs, yours)
    return result


def guarded_save(obj, *, expected_version: int, fields: list[str]) -> None:
    """Save `fields` of `obj` only if its row is still at `expected_version`; raise EditConflict if not."""
    model = type(obj)
    with transaction.atomic():
        claimed = model.objects.filter(pk=obj.pk, version=expected_version).update(version=expected_version + 1)
        if not claimed:
            current = model.objects.get(pk=obj.pk)
            raise EditConflict(current, changes_from(current, obj, fields))
        obj.version = expected_version + 1
        obj.save(update_fields=[*fields, "version"])
