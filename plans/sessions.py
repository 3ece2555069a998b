"""The session engine: Django's `cached_db`, with the database read by a compiled query.

Where the cache does not hold a session (a cold cache, or none), every signed-in request reads its
session from the database; compiling that `get()` cost more than running it (plans/compiled.py).
Everything else (the cache, writes, expiry, the signed encoding) is Django's.
"""

import datetime as dt

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from .compiled import CompiledQuery

_SESSION = CompiledQuery(
    lambda session_key, now: Session.objects.filter(session_key=session_key, expire_date__gt=now),
    session_key=("sample-session-key-one", "sample-session-key-two"),
    now=(dt.datetime(1901, 1, 1, tzinfo=dt.UTC), dt.datetime(1902, 2, 2, tzinfo=dt.UTC)),
)


class SessionStore(CachedDbSessionStore):
    def _get_session_from_db(self):
        """As Django's: the unexpired session with this key, else None (and the key forgotten)."""
        found = _SESSION(session_key=self.session_key, now=timezone.now()) if self.session_key else []
        if found:
            return found[0]
        self._session_key = None
        return None
