"""No lost edits: version-guarded saves under real concurrency, and history writes that fail.

The threaded tests need a database that runs transactions side by side: SQLite serialises every
writer, so they run on PostgreSQL only (CI runs the suite on both).
"""

import random
import threading
import time
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from governance import services
from governance.models import ActionUpdate, Evidence, Rag
from plans.concurrency import EditConflict
from plans.models import Action
from tests.factories import ActionFactory, UserFactory
from tests.governance import LAST_PERIOD, PDF, PERIOD, TODAY, action_of, add_link, submit, upload

THREADS = 8
ROUNDS = 10

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs concurrent transactions and row locks: SQLite serialises writers. CI runs this on PostgreSQL.",
)


def fail(*args, **kwargs):
    raise RuntimeError("the history table is unavailable")


def race(work, threads: int = THREADS) -> list[tuple[str, object]]:
    """Run `work(i, start)` in threads, each on its own connection; `start()` releases them together."""
    barrier = threading.Barrier(threads)
    results: list[tuple[str, object]] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            outcome = work(i, barrier.wait)
        except EditConflict as conflict:
            outcome = ("conflict", conflict.current.version)
        except Exception as error:  # any other outcome is a failure the test reports
            outcome = ("error", repr(error))
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers), "a thread hung"
    return results


# Real concurrency (PostgreSQL) ------------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_revisions_of_one_update_lose_no_write(transactional_db):
    action = ActionFactory(due_text="December 2019")
    leads = [UserFactory(username=f"lead{i}") for i in range(THREADS)]
    update = submit(action, leads[0], narrative="Start.")
    history_before = update.history.count()

    successes: list[str] = []
    conflicts = errors = 0
    for round_number in range(ROUNDS):
        expected = ActionUpdate.objects.get(pk=update.pk).version

        def revise(i, start, round_number=round_number, expected=expected):
            mine = Action.objects.get(pk=action.pk)
            user = type(leads[i]).objects.get(pk=leads[i].pk)
            narrative = f"round {round_number} thread {i}"
            start()
            services.action_update_submit(
                action=mine, period=PERIOD, status=Rag.GREEN, narrative=narrative, by=user, expected_version=expected
            )
            return ("ok", narrative)

        results = race(revise)
        outcomes = Counter(kind for kind, _ in results)
        assert outcomes["error"] == 0, results
        assert outcomes["ok"] == 1, results  # exactly one of the writers based on `expected` wins
        assert outcomes["conflict"] == THREADS - 1
        assert {version for kind, version in results if kind == "conflict"} == {expected + 1}
        successes += [narrative for kind, narrative in results if kind == "ok"]
        conflicts += outcomes["conflict"]
        errors += outcomes["error"]

    final = ActionUpdate.objects.get(pk=update.pk)
    revisions = list(final.history.order_by("history_date", "history_id"))[history_before:]
    lost = len(successes) - len(revisions)
    print(
        f"\nconcurrent revisions of one update: attempts={THREADS * ROUNDS} succeeded={len(successes)} "
        f"conflicts={conflicts} errors={errors} history revisions added={len(revisions)} lost={lost}"
    )
    assert conflicts >= 1
    assert lost == 0
    assert [r.narrative for r in revisions] == successes  # every winning write is in the history, in order
    assert final.narrative == successes[-1]
    assert final.version == 1 + ROUNDS
    assert ActionUpdate.objects.filter(action=action).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_action_lose_no_write(transactional_db):
    action = ActionFactory(due_text="December 2019")
    manager = UserFactory(username="manager")
    history_before = action.history.count()
    months = ["January", "February", "March", "April", "May", "June", "July", "August"]

    successes: list[str] = []
    conflicts = 0
    for round_number in range(ROUNDS):
        expected = Action.objects.get(pk=action.pk).version

        def edit(i, start, round_number=round_number, expected=expected):
            mine = Action.objects.get(pk=action.pk)
            due_text = f"{months[i]} {2020 + round_number}"
            start()
            services.action_edit(action=mine, by=manager, expected_version=expected, due_text=due_text)
            return ("ok", due_text)

        results = race(edit)
        outcomes = Counter(kind for kind, _ in results)
        assert (outcomes["ok"], outcomes["conflict"], outcomes["error"]) == (1, THREADS - 1, 0), results
        successes += [due for kind, due in results if kind == "ok"]
        conflicts += outcomes["conflict"]

    final = Action.objects.get(pk=action.pk)
    revisions = list(final.history.order_by("history_date", "history_id"))[history_before:]
    lost = len(successes) - len(revisions)
    print(
        f"\nconcurrent edits of one action: attempts={THREADS * ROUNDS} succeeded={len(successes)} "
        f"conflicts={conflicts} history revisions added={len(revisions)} lost={lost}"
    )
    assert conflicts >= 1
    assert lost == 0
    assert [r.due_text for r in revisions] == successes
    assert (final.due_text, final.version) == (successes[-1], 1 + ROUNDS)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_updates_make_one_update_and_refuse_the_rest(transactional_db):
    """Several people submit the first update of a period at once: one is saved, the others are
    told someone else saved first (or revise it, if they began after it was saved); none fails."""
    action = ActionFactory(due_text="December 2019")
    leads = [UserFactory(username=f"first{i}") for i in range(THREADS)]

    def first(i, start):
        mine = Action.objects.get(pk=action.pk)
        user = type(leads[i]).objects.get(pk=leads[i].pk)
        start()
        services.action_update_submit(
            action=mine, period=PERIOD, status=Rag.AMBER, narrative=f"thread {i}", by=user, expected_version=None
        )
        return ("ok", f"thread {i}")

    results = race(first)
    outcomes = Counter(kind for kind, _ in results)
    update = ActionUpdate.objects.get(action=action, period=PERIOD)
    records = list(update.history.order_by("history_date", "history_id"))
    print(
        f"\nsimultaneous first updates: attempts={THREADS} succeeded={outcomes['ok']} "
        f"conflicts={outcomes['conflict']} errors={outcomes['error']} history records={len(records)} "
        f"lost={outcomes['ok'] - len(records)}"
    )
    assert outcomes["error"] == 0, results
    assert outcomes["ok"] >= 1
    assert outcomes["ok"] + outcomes["conflict"] == THREADS
    assert len(records) == outcomes["ok"]
    assert sorted(r.narrative for r in records) == sorted(n for kind, n in results if kind == "ok")
    assert update.version == outcomes["ok"]


# A history write that fails leaves nothing saved (both databases) -------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_revision_whose_history_write_fails_changes_nothing(seed_plan, lead, monkeypatch):
    action = action_of(seed_plan, "3.6")
    update = submit(action, lead, status=Rag.AMBER, narrative="As first submitted.")
    monkeypatch.setattr(ActionUpdate.history.model, "save", fail)

    with pytest.raises(RuntimeError, match="history table is unavailable"):
        submit(action, lead, status=Rag.RED, narrative="Revised.", reason="Worse.", expected_version=1)

    monkeypatch.undo()
    saved = ActionUpdate.objects.get(pk=update.pk)
    assert (saved.version, saved.status, saved.narrative, saved.reason) == (1, "amber", "As first submitted.", "")
    assert saved.history.count() == 1
    # And the guard still works: a revision based on version 1 goes through once history is back.
    assert submit(action, lead, status=Rag.RED, narrative="Revised.", reason="Worse.", expected_version=1).version == 2


def test_a_first_update_whose_history_write_fails_is_not_saved(seed_plan, lead, monkeypatch):
    action = action_of(seed_plan, "3.6")
    monkeypatch.setattr(ActionUpdate.history.model, "save", fail)
    with pytest.raises(RuntimeError):
        submit(action, lead)
    assert not ActionUpdate.objects.exists()
    assert not ActionUpdate.history.exists()


def test_a_blue_update_whose_action_history_fails_saves_neither_update_evidence_nor_file(
    seed_plan, lead, monkeypatch, media_root
):
    action = action_of(seed_plan, "3.6")
    item = services.evidence_build_file(
        action=action, period=PERIOD, title="Audit", evidence_date=TODAY, upload=upload("audit.pdf", PDF), by=lead
    )
    monkeypatch.setattr(Action.history.model, "save", fail)
    with pytest.raises(RuntimeError):
        submit(action, lead, status=Rag.BLUE, new_evidence=[item])
    monkeypatch.undo()

    action = Action.objects.get(pk=action.pk)
    assert (action.state, action.version) == (Action.State.OPEN, 1)
    assert not ActionUpdate.objects.exists()
    assert not Evidence.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_an_action_edit_whose_history_write_fails_changes_nothing(seed_plan, plan_manager, monkeypatch):
    action = action_of(seed_plan, "3.6")
    monkeypatch.setattr(Action.history.model, "save", fail)
    with pytest.raises(RuntimeError):
        services.action_edit(action=action, by=plan_manager, expected_version=1, due_text="March 2020")
    monkeypatch.undo()
    action = Action.objects.get(pk=action.pk)
    assert (action.due_text, action.version, action.history.count()) == ("April 2019", 1, 1)


def test_an_evidence_withdrawal_whose_history_write_fails_changes_nothing(seed_plan, lead, monkeypatch):
    item = add_link(action_of(seed_plan, "3.6"), lead)
    monkeypatch.setattr(Evidence.history.model, "save", fail)
    with pytest.raises(RuntimeError):
        services.evidence_withdraw(evidence=item, by=lead, reason="Wrong.", expected_version=1)
    monkeypatch.undo()
    item = Evidence.objects.get(pk=item.pk)
    assert (item.withdrawn_at, item.withdrawn_reason, item.version) == (None, "", 1)


def test_a_refused_update_leaves_the_version_where_it_was(seed_plan, lead):
    """A validation error after the guard (here: Blue without evidence on a revision) must not bump it."""
    action = action_of(seed_plan, "3.6")
    submit(action, lead, status=Rag.GREEN)
    with pytest.raises(ValidationError):
        submit(action, lead, status=Rag.BLUE, expected_version=1)
    assert ActionUpdate.objects.get(action=action).version == 1


# At volume: 1,000 attempts from 20 workers (PostgreSQL) ------------------------------------------

VOLUME_WORKERS = 20
VOLUME_ATTEMPTS = 1000


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_thousand_attempts_from_twenty_workers_lose_nothing(transactional_db):
    """Submissions and revisions of 4 actions × 2 months, each based on the version the worker read.

    Each attempt either succeeds or gets an EditConflict; the successes of each update have versions
    1, 2, 3 … with none missing or repeated, each is one history revision, and the row holds the last.
    """
    actions = [ActionFactory(due_text="December 2019") for _ in range(4)]
    targets = [(action.pk, period) for action in actions for period in (LAST_PERIOD, PERIOD)]
    leads = [UserFactory(username=f"volume{i}") for i in range(VOLUME_WORKERS)]
    per_worker = VOLUME_ATTEMPTS // VOLUME_WORKERS

    def attempts(i, start):
        rng = random.Random(i)
        user = type(leads[i]).objects.get(pk=leads[i].pk)
        mine = {pk: Action.objects.get(pk=pk) for pk, _ in targets}
        outcomes = []
        start()
        for n in range(per_worker):
            action_pk, period = targets[rng.randrange(len(targets))]
            read = (
                ActionUpdate.objects.filter(action_id=action_pk, period=period)
                .values_list("version", flat=True)
                .first()
            )
            narrative = f"worker {i} attempt {n}"
            try:
                update = services.action_update_submit(
                    action=mine[action_pk],
                    period=period,
                    status=rng.choice([Rag.GREEN, Rag.AMBER, Rag.RED]),
                    reason="Changed.",
                    narrative=narrative,
                    by=user,
                    expected_version=read,
                )
            except EditConflict:
                outcomes.append(("conflict", (action_pk, period), None, None))
            except Exception as error:  # reported, and fails the test
                outcomes.append(("error", (action_pk, period), repr(error), None))
            else:
                outcomes.append(("ok", (action_pk, period), narrative, update.version))
        return ("done", outcomes)

    started = time.perf_counter()
    results = race(attempts, threads=VOLUME_WORKERS)
    seconds = time.perf_counter() - started
    outcomes = [outcome for kind, batch in results if kind == "done" for outcome in batch]
    assert [r for r in results if r[0] != "done"] == []
    assert [o for o in outcomes if o[0] == "error"] == []
    succeeded = [o for o in outcomes if o[0] == "ok"]
    conflicts = sum(1 for o in outcomes if o[0] == "conflict")

    lost = 0
    for action_pk, period in targets:
        mine = sorted(
            (version, narrative) for kind, target, narrative, version in succeeded if target == (action_pk, period)
        )
        if not mine:
            continue
        update = ActionUpdate.objects.get(action_id=action_pk, period=period)
        revisions = [r.narrative for r in update.history.order_by("history_id")]
        assert [version for version, _ in mine] == list(range(1, len(mine) + 1))  # none missing, none twice
        assert revisions == [narrative for _, narrative in mine]  # each success is one revision, in order
        assert (update.version, update.narrative) == mine[-1]  # the row holds the last successful write
        lost += len(mine) - len(revisions)
    history = ActionUpdate.history.filter(action_id__in=[a.pk for a in actions]).count()
    print(
        f"\n{VOLUME_WORKERS} workers, {len(targets)} updates: attempts={len(outcomes)} succeeded={len(succeeded)} "
        f"conflicts={conflicts} history revisions={history} lost={lost + len(succeeded) - history} in {seconds:.1f} s"
    )
    assert len(outcomes) == VOLUME_ATTEMPTS
    assert len(succeeded) + conflicts == VOLUME_ATTEMPTS
    assert history == len(succeeded) and lost == 0
    assert conflicts >= 1
