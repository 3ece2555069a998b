"""A per-plan data version that every write changes, so cached pages can never be stale.

Computed pages (the dashboard) are cached under a key holding the plan's `PlanDataVersion.token`.
Any write to anything the plan shows sets a new random token in the same transaction, so the old
cache entries become unreachable the moment the write commits; nothing has to be deleted.

Writes are caught by Django's model signals, not by calls in each service: a cache key is
infrastructure, and a signal also catches the admin, `loaddata`, and services written later.
Signals miss `bulk_create` and `QuerySet.update()`: code that writes that way (the plan import,
the synthetic data generator, the demo loader) calls `bump_plan_version` itself.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict

from django.db import IntegrityError, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Plan, PlanDataVersion, new_data_token

WATCHED_APPS = {"plans", "measures", "governance"}
# Rows that change nothing a plan's pages show.
IGNORED_MODELS = {"plandataversion", "planimport", "invitation", "reminderlog", "feedtoken", "valueimport"}
# How to reach the plan from rows without a `plan_id` of their own, one step at a time.
PARENTS = ("action", "role", "measure", "comparator", "meeting", "board", "recommendation")


def bump_plan_version(plan_id: int | None) -> None:
    """Give the plan a new data token (one UPDATE; the row is made if it is missing)."""
    if plan_id is None:
        return
    if PlanDataVersion.objects.filter(plan_id=plan_id).update(token=new_data_token()):
        return
    if Plan.objects.filter(pk=plan_id).exists():
        try:
            with transaction.atomic():
                PlanDataVersion.objects.create(plan_id=plan_id)
        except IntegrityError:  # made by a concurrent request in the meantime: give it a new token
            PlanDataVersion.objects.filter(plan_id=plan_id).update(token=new_data_token())


def bump_all_plans() -> None:
    """For a change shown in every plan (a person's name)."""
    PlanDataVersion.objects.update(token=new_data_token())


def data_token(plan: Plan) -> str:
    """The plan's current token (read with the plan when it was fetched with `select_related`)."""
    try:
        return plan.data_version.token
    except PlanDataVersion.DoesNotExist:
        version, _ = PlanDataVersion.objects.get_or_create(plan=plan)
        plan.data_version = version
        return version.token


class ProcessMemo:
    """A bounded, thread-safe store in this process, least recently used out first. Its keys hold a plan's
    data version, so an entry is never used after a change; the bound only limits memory."""

    every: list[ProcessMemo] = []

    def __init__(self, limit: int):
        self.limit = limit
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        ProcessMemo.every.append(self)

    def get(self, key):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
            return self.entries.get(key)

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.limit:
                self.entries.popitem(last=False)


def forget_process_memos() -> None:
    """Empty every `ProcessMemo` (tests start from cold, and count a page's queries from cold)."""
    for memo in ProcessMemo.every:
        with memo.lock:
            memo.entries.clear()


_MEMO = ProcessMemo(2_000)


def plan_memo(plan: Plan, name: str, compute):
    """`compute()` once per plan data version in this process: for small lists a page reads from the plan
    on every request (a filter's choices). A write to the plan gives it a new version, so never stale."""
    key = (plan.pk, data_token(plan), name)
    value = _MEMO.get(key)
    if value is None:
        value = compute()
        _MEMO.put(key, value)
    return value


def plan_id_for(obj) -> int | None:
    """The plan a row belongs to, following its parents (a query per step only when not loaded)."""
    for _ in range(4):
        if obj is None:
            return None
        if isinstance(obj, Plan):
            return obj.pk
        plan_id = getattr(obj, "plan_id", None)
        if plan_id is not None:
            return plan_id
        for name in PARENTS:
            if getattr(obj, f"{name}_id", None) is not None:
                try:
                    obj = getattr(obj, name)
                except Exception:  # noqa: BLE001 - the parent is being deleted too; its own signal bumps
                    return None
                break
        else:
            return None
    return None


def _watched(model) -> bool:
    meta = model._meta
    return (
        meta.app_label in WATCHED_APPS
        and meta.model_name not in IGNORED_MODELS
        and not meta.model_name.startswith("historical")
    )


def _on_save(sender, instance, **kwargs) -> None:
    bump_plan_version(plan_id_for(instance))


def _on_delete(sender, instance, origin=None, **kwargs) -> None:
    # One bump per deletion, however many rows it cascades to; none when the plan itself goes.
    if isinstance(origin, Plan) or getattr(origin, "model", None) is Plan:
        return
    if origin is not None and origin is not instance:
        if getattr(origin, "_data_version_bumped", False):
            return
        with contextlib.suppress(AttributeError):
            origin._data_version_bumped = True
    bump_plan_version(plan_id_for(instance))


def _on_user_save(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # signing in changes nothing shown
    bump_all_plans()  # a name shown in any plan may have changed


def _on_m2m(sender, instance, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear") and _watched(type(instance)):
        bump_plan_version(plan_id_for(instance))


def connect() -> None:
    """Listen to the watched models only, so other models keep Django's fast deletes."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    for model in apps.get_models():
        if _watched(model):
            uid = f"plans.versioning.{model._meta.label_lower}"
            post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}.delete")
    post_save.connect(_on_user_save, sender=get_user_model(), dispatch_uid="plans.versioning.user")
    m2m_changed.connect(_on_m2m, dispatch_uid="plans.versioning.m2m")
