"""The session engine (plans/sessions.py) and the authentication backend (plans/backends.py) read what
Django's own read, with queries compiled once per process."""

import datetime as dt

import pytest
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.backends import ModelBackend
from plans.sessions import SessionStore

pytestmark = pytest.mark.django_db


def stored_session(**data) -> str:
    session = SessionStore()
    session.update(data)
    session.create()
    cache.clear()  # read from the database below, not the cache
    return session.session_key


def loaded(store_class, key):
    store = store_class(key)
    data = dict(store.items())
    return data, store.session_key


def test_a_stored_session_reads_as_django_reads_it():
    key = stored_session(colour="green", count=3)
    assert loaded(SessionStore, key) == loaded(DjangoSessionStore, key) == ({"colour": "green", "count": 3}, key)


def test_an_expired_or_unknown_session_is_empty_and_its_key_forgotten():
    key = stored_session(colour="green")
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    cache.clear()
    assert loaded(SessionStore, key) == loaded(DjangoSessionStore, key) == ({}, None)
    assert loaded(SessionStore, "x" * 32) == ({}, None)
    assert loaded(SessionStore, None) == ({}, None)


def test_the_session_read_compiles_nothing_after_its_first_use(monkeypatch):
    key = stored_session(colour="green")
    loaded(SessionStore, key)
    cache.clear()
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with CaptureQueriesContext(connection) as queries:
        assert loaded(SessionStore, key)[0] == {"colour": "green"}
    assert len(queries) == 1 and "django_session" in queries[0]["sql"]
    assert compiled == []


def test_the_backend_reads_the_active_user_as_djangos_does():
    users = get_user_model()
    active = users.objects.create_user("active-one", password="a long passphrase 1")
    inactive = users.objects.create_user("inactive-one", password="a long passphrase 2", is_active=False)
    ours, django = ModelBackend(), django_backends.ModelBackend()
    found = ours.get_user(active.pk)
    assert found == django.get_user(active.pk) == active
    assert {k: v for k, v in vars(found).items() if k != "_state"} == {
        k: v for k, v in vars(django.get_user(active.pk)).items() if k != "_state"
    }
    assert (found._state.adding, found._state.db) == (False, "default")
    assert found.check_password("a long passphrase 1")
    assert ours.get_user(inactive.pk) is None and django.get_user(inactive.pk) is None
    assert ours.get_user(inactive.pk + 1000) is None
    assert ours.get_user(2**70) is None
    assert ours.get_user("1") is None


def test_signing_in_stores_this_backend_and_a_page_then_knows_the_user(client):
    users = get_user_model()
    users.objects.create_user("reader", password="a long passphrase 3")
    response = client.post("/accounts/login/", {"username": "reader", "password": "a long passphrase 3"})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "plans.backends.ModelBackend"
    cache.clear()  # the session and the user from the database
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["user"].username == "reader"
