"""One timeline for an action: its updates (every revision), evidence, and changes to the action."""

import datetime as dt
from dataclasses import dataclass, field

from plans.compiled import CompiledQuery
from plans.models import Action

from .models import ActionUpdate, Evidence, Rag

# Fields derived from others, or bookkeeping: their change is told by the field they follow.
QUIET_FIELDS = {"due_date", "due_recurrence", "start_date", "original_due_date", "closed_at", "order", "extra"}


@dataclass
class Event:
    when: dt.datetime
    kind: str  # "update", "change", "evidence_added", "evidence_withdrawn"
    who: object
    heading: str
    status: Rag | None = None
    period: dt.date | None = None
    narrative: str = ""
    next_steps: str = ""
    risks: str = ""
    reason: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    note: str = ""


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def _shown(model, name: str, value) -> str:
    if value in (None, ""):
        return "(empty)"
    choices = dict(model._meta.get_field(name).flatchoices)
    return str(choices.get(value, value))


# The action page's queries, compiled once (plans/compiled.py): compiling them cost more than running them.
_ACTION_IDS = (-201, -202)
_EVIDENCE = CompiledQuery(
    lambda action_id: (
        Evidence.objects.filter(action_id=action_id)
        .select_related("added_by", "withdrawn_by")
        .order_by("-evidence_date", "-added_at")
    ),
    action_id=_ACTION_IDS,
)
# An update's author is who submitted it (not who wrote the history row): no need for history_user.
_UPDATE_HISTORY = CompiledQuery(
    lambda action_id: (
        ActionUpdate.history.filter(action_id=action_id).select_related("submitted_by").order_by("history_date")
    ),
    action_id=_ACTION_IDS,
)
_ACTION_HISTORY = CompiledQuery(
    lambda action_id: (
        Action.history.filter(id=action_id).select_related("history_user").order_by("history_date", "history_id")
    ),
    action_id=_ACTION_IDS,
)


def action_evidence(action: Action) -> list[Evidence]:
    """All the action's evidence, withdrawn too (one query; the page and the timeline share it)."""
    items = _EVIDENCE(action_id=action.pk)
    for item in items:
        item.action = action  # its permissions read the action's prefetched leads
    return items


def action_timeline(action: Action, evidence: list[Evidence]) -> list[Event]:
    """Newest first. A fixed number of queries, however long the history."""
    events: list[Event] = []
    by_update: dict[int, list[Evidence]] = {}
    for item in evidence:
        if item.update_id:
            by_update.setdefault(item.update_id, []).append(item)

    for record in _UPDATE_HISTORY(action_id=action.pk):
        if record.history_type == "-":
            continue
        verb = "submitted" if record.history_type == "+" else "revised"
        events.append(
            Event(
                when=record.history_date,
                kind="update",
                who=record.submitted_by,
                heading=f"{record.period:%B %Y} update {verb}",
                status=Rag(record.status),
                period=record.period,
                narrative=record.narrative,
                next_steps=record.next_steps,
                risks=record.risks,
                reason=record.reason,
                evidence=[e for e in by_update.get(record.id, []) if record.history_type == "+"],
            )
        )

    for item in evidence:
        if not item.update_id:
            events.append(
                Event(when=item.added_at, kind="evidence_added", who=item.added_by, heading="Evidence added",
                      evidence=[item])
            )  # fmt: skip
        if item.withdrawn_at:
            events.append(
                Event(when=item.withdrawn_at, kind="evidence_withdrawn", who=item.withdrawn_by,
                      heading="Evidence withdrawn", evidence=[item], note=item.withdrawn_reason)
            )  # fmt: skip

    history = _ACTION_HISTORY(action_id=action.pk)
    for previous, record in zip(history, history[1:], strict=False):
        delta = record.diff_against(previous)
        changes = [
            (
                _label(Action, change.field),
                _shown(Action, change.field, change.old),
                _shown(Action, change.field, change.new),
            )
            for change in delta.changes
            if change.field not in QUIET_FIELDS
        ]
        if changes:
            events.append(
                Event(when=record.history_date, kind="change", who=record.history_user,
                      heading="Action changed", changes=changes, note=record.history_change_reason or "")
            )  # fmt: skip
    events.sort(key=lambda event: event.when, reverse=True)
    return events
