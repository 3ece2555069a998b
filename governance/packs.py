"""Frozen board packs: the board's papers for a meeting, as they stood at the update cut-off.

`board_pack_freeze` builds the dashboard for the meeting's period as at the end of its cut-off day
(Europe/London) from the updates' history, stores it as a JSON snapshot and as the PDF rendered
from that snapshot, each with its SHA-256, and locks the period. A pack is never changed: a
correction is a new version with a reason. Pages and exports of a pack read only its snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from plans.models import Action

from .dashboard import DIRECTION_WORDS, STATUS_KEYS, Dashboard, _segments, build_dashboard, direction
from .exports import (
    EXCEPTION_SECTIONS,
    _person,
    challenge_data,
    decision_data,
    evidence_data,
    pdf_from_snapshot,
    snapshot_from_dashboard,
    update_data,
)
from .flags import action_flags
from .models import ActionUpdate, BoardPack, Challenge, Decision, Evidence, Meeting, Rag
from .services import period_lock

LONDON = ZoneInfo("Europe/London")
EXCEPTION_KEYS = [key for key, _title, _hint in EXCEPTION_SECTIONS]


def canonical_json(snapshot: dict) -> bytes:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cutoff_moment(meeting: Meeting) -> dt.datetime:
    """The end of the cut-off day in Europe/London: updates saved before it are in the papers."""
    return dt.datetime.combine(meeting.cutoff + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)


# The dashboard as at a moment -----------------------------------------------------------------


def updates_as_at(plan, periods: list[dt.date], moment: dt.datetime) -> dict[tuple[int, dt.date], object]:
    """Each action's update for each period as it stood at `moment`: the latest revision in its
    history saved before then. An update first saved after `moment` is absent (no update)."""
    History = ActionUpdate.history.model
    found: dict[tuple[int, dt.date], object] = {}
    with_history: set[int] = set()
    rows = (
        History.objects.filter(action__plan=plan, period__in=periods)
        .select_related("submitted_by")
        .order_by("history_date", "history_id")
    )
    for row in rows:
        with_history.add(row.id)
        if row.history_date < moment:
            key = (row.action_id, row.period)
            if row.history_type == "-":
                found.pop(key, None)
            else:
                found[key] = row
    # An update written without a history record (e.g. a bulk load) counts from its own timestamp.
    for update in ActionUpdate.objects.filter(action__plan=plan, period__in=periods).select_related("submitted_by"):
        if update.pk not in with_history and update.submitted_at < moment:
            found[(update.action_id, update.period)] = update
    return found


def dashboard_as_at(plan, meeting: Meeting, moment: dt.datetime) -> Dashboard:
    """The dashboard for the meeting's period with every update as it stood at `moment`.

    The actions themselves (wording, leads, due dates, state) are as they are at freezing; their
    updates, evidence and challenges are as at the moment.
    """
    data = build_dashboard(plan, meeting.period)
    period, previous = data.period, data.previous
    revisions = updates_as_at(plan, [period, previous], moment)
    earlier = dict(
        ActionUpdate.objects.filter(action__plan=plan, period__lt=previous)
        .values_list("action_id")
        .annotate(latest=Max("period"))
        .order_by()
    )
    for action in data.actions:
        this, last = revisions.get((action.pk, period)), revisions.get((action.pk, previous))
        action.period_status = this.status if this else None
        action.period_reason = this.reason if this else None
        action.previous_status = last.status if last else None
        action.period_update_id = this.id if this else None
        action.latest_period = period if this else previous if last else earlier.get(action.pk)
        action.latest_status = this.status if this else last.status if last else None
        action.flags = action_flags(action, period)
        action.direction = direction(action.period_status, action.previous_status)
        action.direction_word, action.direction_arrow = DIRECTION_WORDS[action.direction]
        action.snapshot_update = update_data(this) if this else None
    _recount(data)

    evidence: dict[int, list[dict]] = {}
    for item in (
        Evidence.objects.filter(action__plan=plan, period__lte=period, added_at__lt=moment)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=moment))
        .order_by("action", "-evidence_date", "-added_at")
    ):
        evidence.setdefault(item.action_id, []).append(evidence_data(item))
    for action in data.actions:
        action.snapshot_evidence = evidence.get(action.pk, [])

    challenges = (
        Challenge.objects.filter(action__plan=plan, raised_at__lt=moment)
        .filter(~Q(status=Challenge.Status.CLOSED) | Q(closed_at__gte=moment))
        .select_related("action", "raised_by")
        .order_by("raised_at")
    )
    data.challenges = list(challenges)
    data.challenge_data = []
    for challenge in data.challenges:
        responded = challenge.responded_at is not None and challenge.responded_at < moment
        data.challenge_data.append(
            challenge_data(
                challenge,
                status=Challenge.Status.RESPONDED if responded else Challenge.Status.OPEN,
                response=challenge.response if responded else "",
            )
        )
    decisions = (
        Decision.objects.filter(
            meeting__board=meeting.board, meeting__date__lt=meeting.date, status=Decision.Status.OPEN
        )
        .select_related("owner_role", "meeting__board")
        .order_by("due", "id")
    )
    data.decisions_overdue = [d for d in decisions if d.due and d.due <= meeting.cutoff]
    data.decision_data = [decision_data(d, overdue_before=meeting.cutoff + dt.timedelta(days=1)) for d in decisions]
    data.details_loaded = True
    return data


def _recount(data: Dashboard) -> None:
    """Counts, chart segments and exceptions again from the actions' (as-at) statuses, the same way
    `build_dashboard` makes them."""
    totals = dict.fromkeys(STATUS_KEYS, 0)
    exceptions: dict[str, list] = {key: [] for key in EXCEPTION_KEYS}
    for rec in data.recommendations:
        rec["counts"], rec["actions"] = dict.fromkeys(STATUS_KEYS, 0), 0
    recommendations = {rec["recommendation"].pk: rec for rec in data.recommendations}
    for action in data.actions:
        if not action.is_working and action.state != Action.State.CLOSED:
            continue
        rec = recommendations[action.recommendation_id]
        key = action.period_status or "none"
        rec["counts"][key] += 1
        rec["actions"] += 1
        totals[key] += 1
        flag_keys = {flag.key for flag in action.flags}
        if action.period_status == Rag.RED and action.previous_status != Rag.RED:
            exceptions["new_red"].append(action)
        for flag in ("overdue", "stale", "no_update", "slipped"):
            if flag in flag_keys:
                exceptions[flag].append(action)
        if action.period_status and action.previous_status and action.period_status != action.previous_status:
            exceptions["changed"].append(action)
    for rec in data.recommendations:
        rec["segments"] = _segments(rec["counts"], rec["actions"])
    data.totals = totals | {"all": sum(totals.values())}
    data.exceptions = exceptions


# Since the last board ---------------------------------------------------------------------------


def previous_pack(meeting: Meeting) -> BoardPack | None:
    """The latest version of the papers of the same board's last meeting before this one."""
    return (
        BoardPack.objects.filter(meeting__board_id=meeting.board_id, meeting__date__lt=meeting.date)
        .select_related("meeting")
        .order_by("-meeting__date", "-version")
        .first()
    )


def _brief(action: dict) -> dict:
    return {
        "id": action["id"],
        "reference": action["reference"],
        "description": action["description"],
        "state_label": action["state_label"],
        "reason": action["state_reason"],
    }


def diff_snapshots(before: dict, after: dict, *, previous: BoardPack | None = None) -> dict:
    """What moved between two packs: status changes with reasons, actions closed, withdrawn, added
    or removed, and deadlines moved."""
    old = {a["id"]: a for a in before["actions"]}
    new = {a["id"]: a for a in after["actions"]}
    result: dict = {
        "previous": {
            "pack_id": previous.pk if previous else None,
            "version": previous.version if previous else None,
            "meeting_date": (before.get("meeting") or {}).get("date"),
            "period": before["period"],
        },
        "status_changes": [],
        "closed": [],
        "withdrawn": [],
        "added": [_brief(a) for pk, a in new.items() if pk not in old],
        "removed": [_brief(a) for pk, a in old.items() if pk not in new],
        "deadlines_moved": [],
    }
    for pk, a in new.items():
        b = old.get(pk)
        if b is None:
            continue
        if a["status"] != b["status"]:
            result["status_changes"].append(
                {
                    "id": pk,
                    "reference": a["reference"],
                    "description": a["description"],
                    "before": b["status"],
                    "after": a["status"],
                    "reason": (a["update"] or {}).get("reason", ""),
                }
            )
        if a["state"] != b["state"]:
            if a["state"] == Action.State.CLOSED:
                result["closed"].append(_brief(a))
            elif a["state"] in (Action.State.WITHDRAWN, Action.State.SUPERSEDED):
                result["withdrawn"].append(_brief(a))
        if (a["due_text"], a["due_date"]) != (b["due_text"], b["due_date"]):
            later = a["due_date"] and b["due_date"] and a["due_date"] > b["due_date"]
            earlier = a["due_date"] and b["due_date"] and a["due_date"] < b["due_date"]
            result["deadlines_moved"].append(
                {
                    "id": pk,
                    "reference": a["reference"],
                    "description": a["description"],
                    "before_text": b["due_text"],
                    "after_text": a["due_text"],
                    "before_date": b["due_date"],
                    "after_date": a["due_date"],
                    "direction": "later" if later else "earlier" if earlier else "changed",
                }
            )
    return result


def since_last_board(pack: BoardPack) -> dict | None:
    """What moved between this pack and the previous pack of the same board (None if it is the first)."""
    previous = previous_pack(pack.meeting)
    if previous is None:
        return None
    return diff_snapshots(previous.snapshot, pack.snapshot, previous=previous)


# Freezing and checking -------------------------------------------------------------------------


def build_pack_snapshot(*, meeting: Meeting, by, version: int, at: dt.datetime, correction_reason: str = "") -> dict:
    plan = meeting.board.plan
    moment = cutoff_moment(meeting)
    snapshot = snapshot_from_dashboard(
        dashboard_as_at(plan, meeting, moment), board=meeting.board, meeting=meeting, as_at=moment
    )
    snapshot["issued"] = {
        "version": version,
        "by": _person(by),
        "at": timezone.localtime(at).isoformat(),
        "correction_reason": correction_reason,
    }
    previous = previous_pack(meeting)
    snapshot["since_last_board"] = diff_snapshots(previous.snapshot, snapshot, previous=previous) if previous else None
    # Through JSON and back, so the stored snapshot is exactly what was hashed (tuples become lists).
    return json.loads(canonical_json(snapshot))


@transaction.atomic
def board_pack_freeze(*, meeting: Meeting, by, correction_reason: str = "") -> BoardPack:
    """Issue the papers for a meeting: freeze a new version of its pack and lock its period."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("board__plan", "board__chair_role")
        .get(pk=meeting.pk)
    )
    latest = meeting.packs.order_by("-version").values_list("version", flat=True).first()
    correction_reason = correction_reason.strip()
    if latest is not None and not correction_reason:
        raise ValidationError(
            {"correction_reason": ["Say why the papers are corrected: the reason is kept with the new version."]}
        )
    if latest is None:
        correction_reason = ""  # the first papers correct nothing
    version = (latest or 0) + 1
    now = timezone.now()
    snapshot = build_pack_snapshot(meeting=meeting, by=by, version=version, at=now, correction_reason=correction_reason)
    pdf = pdf_from_snapshot(snapshot)
    pack = BoardPack(
        meeting=meeting,
        version=version,
        snapshot=snapshot,
        snapshot_sha256=sha256(canonical_json(snapshot)),
        pdf=pdf,
        pdf_sha256=sha256(pdf),
        frozen_by=by,
        frozen_at=now,
        correction_reason=correction_reason,
    )
    pack.full_clean()
    pack.save()
    if meeting.status == Meeting.Status.PLANNED:
        meeting.status = Meeting.Status.PAPERS_ISSUED
        meeting._history_user = by
        meeting._change_reason = "Papers issued"
        meeting.save(update_fields=["status"])
    period_lock(
        plan=meeting.board.plan,
        period=meeting.period,
        by=by,
        reason=f"Papers issued for {meeting} (version {version})",
    )
    return pack


class PackCheck(NamedTuple):
    snapshot_ok: bool
    pdf_ok: bool

    @property
    def ok(self) -> bool:
        return self.snapshot_ok and self.pdf_ok


def pack_snapshot_check(pack: BoardPack) -> PackCheck:
    """Do the stored snapshot and PDF still match the SHA-256s taken when the pack was frozen?"""
    return PackCheck(
        snapshot_ok=sha256(canonical_json(pack.snapshot)) == pack.snapshot_sha256,
        pdf_ok=sha256(bytes(pack.pdf)) == pack.pdf_sha256,
    )
