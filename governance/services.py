"""Writes to governance: monthly updates, evidence, the action lifecycle and period locks.

Each is atomic and ends in full_clean() and save(); concurrent edits go through
`plans.concurrency.guarded_save`, so a later save based on stale data is refused, never lost.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

import audit
from plans.concurrency import EditConflict, changes_from, guarded_save
from plans.models import Action

from .models import ActionUpdate, Evidence, PeriodLock, Rag, month_start
from .uploads import check_upload


def current_period(today: dt.date | None = None) -> dt.date:
    return month_start(today or timezone.localdate())


def period_is_locked(*, plan_id: int, period: dt.date) -> bool:
    return PeriodLock.objects.filter(plan_id=plan_id, period=period).exists()


def previous_status(*, action: Action, period: dt.date) -> str | None:
    """The status of the latest update before this period, if any."""
    return (
        ActionUpdate.objects.filter(action=action, period__lt=period)
        .order_by("-period")
        .values_list("status", flat=True)
        .first()
    )


def _stamp_history(obj, by, reason: str = "") -> None:
    obj._history_user = by
    if reason:
        obj._change_reason = reason


def _action_of(obj) -> Action:
    return obj if isinstance(obj, Action) else obj.action


def _audit_status(obj, *, by, old: str, new: str, **detail) -> None:
    action = _action_of(obj)
    audit.record(
        kind=audit.Kind.STATUS_CHANGE,
        user=by,
        plan=action.plan,
        obj=obj,
        object_repr=f"Action {action.reference}" + (f", {obj.period:%B %Y}" if obj is not action else ""),
        old=old,
        new=new,
        **detail,
    )


def action_update_submit(*, new_evidence: list[Evidence] | None = None, **kwargs) -> ActionUpdate:
    """Submit this period's update for an action, or revise it (every revision stays in the history).

    `new_evidence` is evidence added with the update (already validated, not yet saved); it counts
    towards Blue's need for evidence and is saved in the same transaction. Its files are written
    to storage before the commit, so if anything fails, the commit included, they are removed.
    """
    try:
        return _action_update_submit(new_evidence=new_evidence or [], **kwargs)
    except BaseException:
        evidence_discard_files(new_evidence or [])
        raise


@transaction.atomic
def _action_update_submit(
    *,
    action: Action,
    period: dt.date,
    status: str,
    narrative: str,
    by,
    next_steps: str = "",
    risks: str = "",
    reason: str = "",
    expected_version: int | None = None,
    new_evidence: list[Evidence],
) -> ActionUpdate:
    period = month_start(period)
    if period_is_locked(plan_id=action.plan_id, period=period):
        raise ValidationError(f"Updates for {period:%B %Y} are locked: the board's papers are issued.")
    if not action.is_working:
        raise ValidationError(
            f"Action {action.reference} is {action.get_state_display().lower()}: it takes no updates."
        )
    errors: dict[str, list[str]] = {}
    last = previous_status(action=action, period=period)
    if last is not None and last != status and not reason.strip():
        errors["reason"] = [
            f"Say why the status changed from {Rag(last).label} to {Rag(status).label} since the last update."
        ]
    if status == Rag.BLUE and not new_evidence and not action.evidence.current().exists():
        errors["status"] = ["Blue means complete and evidenced: add at least one piece of evidence."]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    update = ActionUpdate.objects.filter(action=action, period=period).first()
    status_before = last if update is None else update.status
    fields = {
        "status": status,
        "narrative": narrative,
        "next_steps": next_steps,
        "risks": risks,
        "reason": reason,
        "submitted_by": by,
        "submitted_at": now,
    }
    if update is None:
        update = ActionUpdate(action=action, period=period, **fields)
        # One update per period is left to the database, so that two first submissions at once
        # end in a conflict (below) rather than a validation error or a failure.
        update.full_clean(validate_constraints=False)
        _stamp_history(update, by)
        try:
            with transaction.atomic():
                update.save()
        except IntegrityError:
            current = ActionUpdate.objects.filter(action=action, period=period).first()
            if current is None:
                raise
            raise EditConflict(current, changes_from(current, update, list(fields)))
    else:
        if expected_version is None:
            expected_version = update.version
        for name, value in fields.items():
            setattr(update, name, value)
        update.full_clean()
        _stamp_history(update, by, "Revised")
        guarded_save(update, expected_version=expected_version, fields=list(fields))

    if status_before != status:
        _audit_status(update, by=by, old=Rag(status_before).label if status_before else "", new=Rag(status).label)

    # The lifecycle follows the lead's rating: Blue proposes completion; anything else reopens.
    target = Action.State.PROPOSED_COMPLETE if status == Rag.BLUE else Action.State.OPEN
    if action.state != target:
        state_before = action.get_state_display()
        action.state = target
        _stamp_history(action, by, "Blue update: proposed complete" if status == Rag.BLUE else "Reopened by update")
        guarded_save(action, expected_version=action.version, fields=["state"])
        _audit_status(action, by=by, old=state_before, new=action.get_state_display(), because="update")

    # Evidence last: its files are written to storage (action_update_submit removes them on failure).
    for item in new_evidence:
        item.update = update
        evidence_save(evidence=item)
    return update


def evidence_build_file(*, action: Action, period: dt.date, title: str, evidence_date: dt.date, upload, by) -> Evidence:
    """Check an uploaded file (size, and type from its content) and make, unsaved, its evidence."""
    content_type, suffix = check_upload(upload)
    # Read the name the person gave before the stored one replaces it.
    original_name = upload_original_name(upload)
    upload.name = f"evidence{suffix}"
    return Evidence(
        action=action,
        period=month_start(period),
        kind=Evidence.Kind.FILE,
        title=title,
        evidence_date=evidence_date,
        file=upload,
        original_name=original_name,
        content_type=content_type,
        size=upload.size,
        added_by=by,
        added_at=timezone.now(),
    )


def upload_original_name(upload) -> str:
    return getattr(upload, "original_name", None) or upload.name


def evidence_build_link(
    *, action: Action, period: dt.date, title: str, evidence_date: dt.date, url: str, by
) -> Evidence:
    if not url.lower().startswith(("http://", "https://")):
        raise ValidationError({"url": ["Enter a link that starts with http:// or https://"]})
    return Evidence(
        action=action,
        period=month_start(period),
        kind=Evidence.Kind.LINK,
        title=title,
        evidence_date=evidence_date,
        url=url,
        added_by=by,
        added_at=timezone.now(),
    )


def evidence_save(*, evidence: Evidence) -> Evidence:
    """Save new evidence; if the database write fails, the stored file is removed (no orphans)."""
    if period_is_locked(plan_id=evidence.action.plan_id, period=evidence.period):
        raise ValidationError(f"{evidence.period:%B %Y} is locked: evidence can no longer be added to it.")
    evidence.full_clean(exclude=["file"] if evidence.kind == Evidence.Kind.FILE else None)
    _stamp_history(evidence, evidence.added_by)
    stored = False
    try:
        with transaction.atomic():
            if evidence.kind == Evidence.Kind.FILE:
                evidence.file.save(evidence.file.name, evidence.file.file, save=False)
                stored = True
            evidence.save()
    except Exception:
        if stored:
            evidence.file.storage.delete(evidence.file.name)
        raise
    audit.record(
        kind=audit.Kind.EVIDENCE_UPLOAD,
        user=evidence.added_by,
        plan=evidence.action.plan,
        obj=evidence,
        new=evidence.original_name or evidence.url,
        action=evidence.action.reference,
        period=f"{evidence.period:%Y-%m}",
        evidence_kind=evidence.kind,
        size=evidence.size,
    )
    return evidence


def evidence_discard_files(items: list[Evidence]) -> None:
    """Remove the stored files of evidence whose transaction did not commit.

    Only files written to storage (committed, in FieldFile's sense): an upload not yet stored
    still carries a plain name such as "evidence.pdf", which must not touch any stored file.
    """
    for item in items:
        stored = item.kind == Evidence.Kind.FILE and item.file and getattr(item.file, "_committed", False)
        if stored and item.file.storage.exists(item.file.name):
            item.file.storage.delete(item.file.name)


@transaction.atomic
def evidence_withdraw(*, evidence: Evidence, by, reason: str, expected_version: int) -> Evidence:
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the evidence is withdrawn."]})
    if evidence.withdrawn_at:
        raise ValidationError("This evidence was withdrawn already.")
    if period_is_locked(plan_id=evidence.action.plan_id, period=evidence.period):
        raise ValidationError(f"{evidence.period:%B %Y} is locked: its evidence can no longer be withdrawn.")
    evidence.withdrawn_at = timezone.now()
    evidence.withdrawn_by = by
    evidence.withdrawn_reason = reason
    _stamp_history(evidence, by, "Withdrawn")
    guarded_save(
        evidence, expected_version=expected_version, fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"]
    )
    audit.record(
        kind=audit.Kind.EVIDENCE_WITHDRAW,
        user=by,
        plan=evidence.action.plan,
        obj=evidence,
        old="Current",
        new="Withdrawn",
        action=evidence.action.reference,
        reason=reason,
    )
    return evidence


# The action lifecycle ---------------------------------------------------------------------


def _lifecycle_save(
    action: Action, *, by, expected_version: int, fields: list[str], reason: str, state_before: str | None = None
) -> Action:
    action.full_clean(exclude=["plan", "recommendation"])
    _stamp_history(action, by, reason)
    guarded_save(action, expected_version=expected_version, fields=fields)
    if state_before is not None and state_before != action.state:
        old = Action.State(state_before).label
        _audit_status(action, by=by, old=old, new=action.get_state_display(), reason=reason)
    return action


@transaction.atomic
def action_close(*, action: Action, by, authority: str, expected_version: int) -> Action:
    if action.state != Action.State.PROPOSED_COMPLETE:
        raise ValidationError("Only an action proposed complete (by a Blue update) can be signed off.")
    if not authority.strip():
        raise ValidationError({"closure_authority": ["Say on whose authority it is closed."]})
    state_before = action.state
    action.state = Action.State.CLOSED
    action.closed_by, action.closed_at, action.closure_authority = by, timezone.now(), authority
    return _lifecycle_save(
        action,
        by=by,
        expected_version=expected_version,
        fields=["state", "closed_by", "closed_at", "closure_authority"],
        reason=f"Closed: {authority}",
        state_before=state_before,
    )


@transaction.atomic
def action_withdraw(
    *, action: Action, by, reason: str, expected_version: int, superseded_by: Action | None = None
) -> Action:
    if not action.is_working:
        raise ValidationError(f"Action {action.reference} is {action.get_state_display().lower()} already.")
    if not reason.strip():
        raise ValidationError({"state_reason": ["Say why."]})
    if superseded_by is not None and (superseded_by.pk == action.pk or superseded_by.plan_id != action.plan_id):
        raise ValidationError({"superseded_by": ["Choose another action of this plan."]})
    state_before = action.state
    action.state = Action.State.SUPERSEDED if superseded_by else Action.State.WITHDRAWN
    action.state_reason, action.superseded_by = reason, superseded_by
    return _lifecycle_save(
        action,
        by=by,
        expected_version=expected_version,
        fields=["state", "state_reason", "superseded_by"],
        reason=f"{action.get_state_display()}: {reason}",
        state_before=state_before,
    )


@transaction.atomic
def action_edit(*, action: Action, by, expected_version: int, **changes) -> Action:
    """A plan manager changes an action's wording or dates; history keeps who, when and from what."""
    allowed = {"description", "description_missing", "due_text", "start_text"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Cannot edit {', '.join(sorted(unknown))} here.")
    for name, value in changes.items():
        setattr(action, name, value)
    action.derive_dates()
    return _lifecycle_save(
        action,
        by=by,
        expected_version=expected_version,
        fields=[*changes, "due_date", "due_recurrence", "start_date", "description_missing"],
        reason="Edited",
    )


@transaction.atomic
def period_lock(*, plan, period: dt.date, by, reason: str = "") -> PeriodLock:
    lock, _ = PeriodLock.objects.get_or_create(
        plan=plan, period=month_start(period), defaults={"locked_by": by, "reason": reason}
    )
    return lock


__all__ = [
    "EditConflict",
    "action_close",
    "action_edit",
    "action_update_submit",
    "action_withdraw",
    "current_period",
    "evidence_build_file",
    "evidence_build_link",
    "evidence_save",
    "evidence_withdraw",
    "period_lock",
]
