"""`record`: write one audit event (one INSERT) and emit it as one JSON line on "tracker.audit"."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from .kinds import Kind
from .middleware import current_request

# The audit trail itself: one JSON object a line. json.dumps escapes newlines, carriage returns,
# every other control character and (ensure_ascii) U+2028/U+2029, so nothing a person types can
# end a line early or start a forged one.
audit_logger = logging.getLogger("tracker.audit")
# Failures to record go elsewhere, so the trail stays pure JSON lines.
failure_logger = logging.getLogger(__name__)

_LIMITS = {"username": 150, "plan_slug": 200, "object_type": 100, "object_id": 64, "object_repr": 300}
_TEXT_LIMIT = 10_000


def _text(value: Any, limit: int = _TEXT_LIMIT) -> str:
    # PostgreSQL cannot store NUL in text, and a refused INSERT would lose the event.
    return ("" if value is None else str(value)).replace("\x00", "\ufffd")[:limit]


def _plain(value: Any) -> Any:
    """The detail made JSON-safe (and NUL-free) before it reaches the database or the log."""
    if isinstance(value, dict):
        return {_text(key, 200): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _text(value)


def client_ip(request) -> str | None:
    """The address the request came from, if it is one (REMOTE_ADDR, as the server saw it)."""
    value = getattr(request, "META", {}).get("REMOTE_ADDR") if request is not None else None
    return _valid_ip(value)


def _valid_ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip())) if value else None
    except ValueError:
        return None


def _signed_in(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def record(
    *,
    kind: str,
    request=None,
    user=None,
    plan=None,
    obj=None,
    old: Any = "",
    new: Any = "",
    username: str | None = None,
    ip: str | None = None,
    object_type: str = "",
    object_id: Any = "",
    object_repr: str | None = None,
    **detail: Any,
):
    """Record that something happened; returns the saved event, or None if it could not be saved.

    `user` defaults to the request's signed-in user; `username` is for when there is none (a failed
    sign-in). `plan` is any object with `pk` and `slug`; `obj` is the model instance concerned
    (or give `object_type`/`object_id` for one that does not exist). Never raises: a failure is
    logged with its traceback and the caller carries on.
    """
    try:
        from .models import AuditEvent

        if kind not in Kind.values:
            raise ValueError(f"Unknown audit event kind {kind!r}")
        if request is None:
            request = current_request.get()
        user = _signed_in(user) or _signed_in(getattr(request, "user", None))
        if obj is not None:
            object_type = object_type or obj._meta.verbose_name
            object_id = obj.pk if obj.pk is not None else object_id
            object_repr = str(obj) if object_repr is None else object_repr
        event = AuditEvent(
            kind=str(kind),
            user=user,
            username=_text(user.get_username() if user is not None else username, _LIMITS["username"]),
            ip=_valid_ip(ip) or client_ip(request),
            plan_id=getattr(plan, "pk", None),
            plan_slug=_text(getattr(plan, "slug", ""), _LIMITS["plan_slug"]),
            object_type=_text(object_type, _LIMITS["object_type"]),
            object_id=_text(object_id, _LIMITS["object_id"]),
            object_repr=_text(object_repr, _LIMITS["object_repr"]),
            old=_text(old),
            new=_text(new),
            detail=_plain(detail),
        )
    except Exception:
        failure_logger.exception("Could not build the audit event %r", kind)
        return None
    try:
        event.save(force_insert=True)
    except Exception:
        failure_logger.exception("Could not save the audit event %r", kind)
        _emit(event, saved=False)
        return None
    # The line goes out when the change commits: nothing for a change that is rolled back.
    transaction.on_commit(lambda: _emit(event, saved=True), robust=True)
    return event


def event_line(event) -> str:
    """The event as one line of JSON (no raw newline, carriage return or other control character)."""
    at = event.at if event.pk is not None and hasattr(event.at, "isoformat") else timezone.now()
    return json.dumps(
        {
            "at": at.astimezone(dt.UTC).isoformat(),
            "kind": event.kind,
            "user_id": event.user_id,
            "username": event.username,
            "ip": event.ip,
            "plan_id": event.plan_id,
            "plan": event.plan_slug,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "object": event.object_repr,
            "old": event.old,
            "new": event.new,
            "detail": event.detail,
            "id": event.pk,
        },
        ensure_ascii=True,
        separators=(",", ":"),
        default=str,
    )


def _emit(event, *, saved: bool) -> None:
    try:
        audit_logger.info("%s", event_line(event))
    except Exception:
        failure_logger.exception("Could not log the audit event %r (saved: %s)", event.kind, saved)
