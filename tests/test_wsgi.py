"""The WSGI module freezes what a worker keeps for its life out of the garbage collector's passes."""

import gc

from django.core.signals import request_finished

from improvement_tracker import wsgi


class Kept:
    """An object in a reference cycle, as much of what a first request loads is (classes, templates)."""

    def __init__(self):
        self.me = self


def test_it_freezes_after_the_1st_10th_100th_and_1000th_request(monkeypatch):
    monkeypatch.setattr(wsgi, "_served", 0)
    frozen_at = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen_at.append(wsgi._served))
    monkeypatch.setattr(gc, "collect", lambda: 0)
    for _ in range(2000):
        wsgi.refreeze()
    assert frozen_at == [1, 10, 100, 1000]


def test_what_a_request_loaded_and_kept_is_frozen(monkeypatch):
    monkeypatch.setattr(wsgi, "_served", 9)
    before = gc.get_freeze_count()
    kept = [Kept() for _ in range(100)]
    wsgi.refreeze()  # the 10th
    try:
        assert gc.get_freeze_count() >= before + len(kept)
        assert not any(gc.is_tracked(k) and k in gc.get_objects(generation=2) for k in kept[:1])
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual


def test_the_refreeze_runs_when_a_request_has_finished():
    uid = "improvement_tracker.wsgi.refreeze"
    assert request_finished.disconnect(dispatch_uid=uid)  # it was connected
    request_finished.connect(wsgi.refreeze, dispatch_uid=uid)
