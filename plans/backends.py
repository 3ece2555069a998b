"""The authentication backend: Django's `ModelBackend`, with the user read by a compiled query.

Every signed-in request loads its user by primary key; compiling that `get()` cost more than running
it (plans/compiled.py). Signing in, permissions and the active check are Django's.
"""

from django.contrib.auth import backends, get_user_model

from .compiled import CompiledQuery

_USER = CompiledQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk), pk=(-701, -702))


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        """As Django's: the active user with this primary key, else None."""
        found = _USER(pk=user_id) if isinstance(user_id, int) else []
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None
