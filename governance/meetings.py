"""Writes for the board: meetings, decisions, challenges, update reminders and data-feed tokens.

Each is keyword-only and atomic and ends in full_clean() and save(); challenges carry a version, so
a response or a closure based on a stale page is refused (`plans.concurrency.guarded_save`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from plans.compiled import CompiledQuery
from plans.concurrency import guarded_save
from plans.models import Action, Plan, Role, RoleHolder

from .models import ActionUpdate, Board, Challenge, Decision, FeedToken, Meeting, ReminderLog, month_start
from .services import _stamp_history, current_period

# Meetings ----------------------------------------------------------------------------------


def plan_people(plan: Plan):
    """Who can attend a plan's meetings: its members and the current holders of its roles."""
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__plan=plan) | Q(held_roles__role__plan=plan, held_roles__until__isnull=True),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


@transaction.atomic
def meeting_create(
    *, board: Board, date: dt.date, by, period: dt.date | None = None, cutoff: dt.date | None = None
) -> Meeting:
    """Plan a meeting. By default it reviews the month before its own, with updates due a week before it."""
    period = month_start(period) if period else month_start(month_start(date) - dt.timedelta(days=1))
    cutoff = cutoff or date - dt.timedelta(days=7)
    errors = {}
    if cutoff > date:
        errors["cutoff"] = ["The cut-off must be on or before the meeting's date."]
    if period > month_start(date):
        errors["period"] = ["A meeting cannot review a month after its own."]
    if Meeting.objects.filter(board=board, date=date).exists():
        errors["date"] = [f"{board.name} has a meeting on {date.day} {date:%B %Y} already."]
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(board=board, date=date, period=period, cutoff=cutoff)
    meeting.full_clean()
    _stamp_history(meeting, by)
    meeting.save()
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, by, status: str | None = None, minutes: str | None = None, attendees=None):
    """Change a meeting's status, minutes or attendees (attendees must be people of the plan)."""
    if status is not None:
        meeting.status = status
    if minutes is not None:
        meeting.minutes = minutes
    meeting.full_clean()
    if attendees is not None:
        attendees = list(attendees)
        allowed = set(
            plan_people(meeting.board.plan).filter(pk__in=[u.pk for u in attendees]).values_list("pk", flat=True)
        )
        if any(user.pk not in allowed for user in attendees):
            raise ValidationError({"attendees": ["Choose people of this plan only."]})
    _stamp_history(meeting, by, "Updated")
    meeting.save()
    if attendees is not None:
        meeting.attendees.set(attendees)
    return meeting


# Decisions ---------------------------------------------------------------------------------


@transaction.atomic
def decision_add(
    *,
    meeting: Meeting,
    text: str,
    by,
    owner_role: Role | None = None,
    due: dt.date | None = None,
    actions=(),
    recommendations=(),
) -> Decision:
    plan_id = meeting.board.plan_id
    actions, recommendations = list(actions), list(recommendations)
    errors = {}
    if not text.strip():
        errors["text"] = ["Write the decision."]
    if owner_role is not None and owner_role.plan_id != plan_id:
        errors["owner_role"] = ["Choose a role of this plan."]
    if any(a.plan_id != plan_id for a in actions):
        errors["actions"] = ["Choose actions of this plan only."]
    if any(r.plan_id != plan_id for r in recommendations):
        errors["recommendations"] = ["Choose recommendations of this plan only."]
    if errors:
        raise ValidationError(errors)
    decision = Decision(meeting=meeting, text=text.strip(), owner_role=owner_role, due=due)
    decision.full_clean()
    _stamp_history(decision, by)
    decision.save()
    decision.actions.set(actions)
    decision.recommendations.set(recommendations)
    return decision


@transaction.atomic
def decision_set_status(*, decision: Decision, status: str, by) -> Decision:
    if decision.status == status:
        return decision
    decision.status = status
    decision.full_clean()
    _stamp_history(decision, by, "Done" if status == Decision.Status.DONE else "Reopened")
    decision.save(update_fields=["status"])
    return decision


# Challenges --------------------------------------------------------------------------------


@transaction.atomic
def challenge_raise(*, action: Action, text: str, by, meeting: Meeting | None = None) -> Challenge:
    if not text.strip():
        raise ValidationError({"text": ["Say what the challenge is."]})
    if meeting is not None and meeting.board.plan_id != action.plan_id:
        raise ValidationError({"meeting": ["Choose a meeting of this plan's board."]})
    challenge = Challenge(action=action, meeting=meeting, text=text.strip(), raised_by=by, raised_at=timezone.now())
    challenge.full_clean()
    _stamp_history(challenge, by)
    challenge.save()
    return challenge


@transaction.atomic
def challenge_respond(*, challenge: Challenge, response: str, by, expected_version: int) -> Challenge:
    """The lead's answer; answering again revises it (the history keeps each)."""
    if challenge.status == Challenge.Status.CLOSED:
        raise ValidationError("This challenge is closed: it takes no more responses.")
    if not response.strip():
        raise ValidationError({"response": ["Write your response."]})
    challenge.response = response.strip()
    challenge.responded_by, challenge.responded_at = by, timezone.now()
    challenge.status = Challenge.Status.RESPONDED
    challenge.full_clean()
    _stamp_history(challenge, by, "Responded")
    guarded_save(
        challenge,
        expected_version=expected_version,
        fields=["response", "responded_by", "responded_at", "status"],
    )
    return challenge


@transaction.atomic
def challenge_close(*, challenge: Challenge, by, expected_version: int) -> Challenge:
    if challenge.status == Challenge.Status.CLOSED:
        raise ValidationError("This challenge is closed already.")
    challenge.status = Challenge.Status.CLOSED
    challenge.closed_by, challenge.closed_at = by, timezone.now()
    challenge.full_clean()
    _stamp_history(challenge, by, "Closed")
    guarded_save(challenge, expected_version=expected_version, fields=["status", "closed_by", "closed_at"])
    return challenge


# Compiled once (plans/compiled.py): its four joins cost more to compile than to run, on every action page.
_CHALLENGES = CompiledQuery(
    lambda action_id: (
        Challenge.objects.filter(action_id=action_id)
        .select_related("raised_by", "responded_by", "closed_by", "meeting")
        .order_by("-raised_at")
    ),
    action_id=(-301, -302),
)


def action_challenges(action: Action) -> list[Challenge]:
    """An action's challenges, open ones first, for `governance/includes/challenges.html` (one query)."""
    challenges = _CHALLENGES(action_id=action.pk)
    challenges.sort(key=lambda c: not c.is_open)  # stable: newest first within open, then closed
    for challenge in challenges:
        challenge.action = action  # the caller's instance, with its prefetched leads
    return challenges


# Reminders ---------------------------------------------------------------------------------


def next_meeting(plan: Plan, today: dt.date) -> Meeting | None:
    """The meeting whose papers are being prepared: the next planned one, today or later."""
    return (
        Meeting.objects.filter(board__plan=plan, status=Meeting.Status.PLANNED, date__gte=today)
        .select_related("board")
        .order_by("date", "pk")
        .first()
    )


def period_under_review(plan: Plan, today: dt.date) -> tuple[dt.date, Meeting | None]:
    """The next planned meeting's period, or this month's when no meeting is planned."""
    meeting = next_meeting(plan, today)
    return (meeting.period if meeting else current_period(today)), meeting


def _current_leads(actions: list[Action]) -> dict[int, list[Action]]:
    """user id -> the given actions whose roles they hold now."""
    by_role: dict[int, list[Action]] = {}
    for action in actions:
        for link in action.action_leads.all():
            by_role.setdefault(link.role_id, []).append(action)
    result: dict[int, list[Action]] = {}
    holders = RoleHolder.objects.filter(role_id__in=by_role, until__isnull=True).values_list("user_id", "role_id")
    for user_id, role_id in holders:
        listed = result.setdefault(user_id, [])
        listed.extend(a for a in by_role[role_id] if a not in listed)
    for listed in result.values():
        listed.sort(key=lambda a: a.order)
    return result


def _send_reminder(*, user, plan: Plan, period: dt.date, actions: list[Action], meeting, site_url: str, by) -> None:
    context = {
        "user": user,
        "plan": plan,
        "period": period,
        "meeting": meeting,
        "actions": actions,
        "site_url": site_url.rstrip("/"),
        "my_actions": reverse("governance:my_actions"),
        "sender": (by.get_full_name() or by.get_username()) if by else None,
        "service_name": settings.SERVICE_NAME,
    }
    count = f"{len(actions)} action{'s' if len(actions) != 1 else ''}"
    deadline = f" by {meeting.cutoff.day} {meeting.cutoff:%B %Y}" if meeting else ""
    send_mail(
        subject=f"{plan.title}: {period:%B %Y} update needed{deadline} for {count}",
        message=render_to_string("governance/email/reminder.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@dataclass
class ReminderRun:
    """What a reminder run did for one plan."""

    plan: Plan
    meeting: Meeting | None = None
    period: dt.date | None = None
    sent: list = field(default_factory=list)  # (user, actions)
    already: list = field(default_factory=list)  # users reminded today already
    no_email: list = field(default_factory=list)  # users with no email address
    failed: list = field(default_factory=list)  # (user, error): the email could not be sent
    skipped: str = ""  # why nothing was due, if so


def _remind(run: ReminderRun, *, user, actions: list[Action], action: Action | None, today, by, site_url) -> None:
    """Log a reminder and send it, unless this user had it today already; note the outcome in `run`."""
    if not user.is_active:
        return
    if not user.email:
        run.no_email.append(user)
        return
    lookup = {"user": user, "period": run.period, "sent_on": today, "action": action}
    if action is None:
        lookup["plan"] = run.plan
    try:
        with transaction.atomic():
            _, created = ReminderLog.objects.get_or_create(
                **lookup,
                defaults={
                    "plan": run.plan,
                    "sent_at": timezone.now(),
                    "sent_by": by,
                    "actions_listed": [a.reference for a in actions],
                },
            )
            if created:
                # Inside the transaction: if the email cannot be sent, no log says it was.
                _send_reminder(
                    user=user,
                    plan=run.plan,
                    period=run.period,
                    actions=actions,
                    meeting=run.meeting,
                    site_url=site_url,
                    by=by,
                )
    except IntegrityError:  # another run logged it between our read and our write
        created = False
    except (SMTPException, OSError) as error:
        run.failed.append((user, error))
        return
    if created:
        run.sent.append((user, actions))
    else:
        run.already.append(user)


def reminders_send(
    *, plan: Plan | None = None, days_before: int, today: dt.date, by=None, site_url: str = ""
) -> list[ReminderRun]:
    """Email each lead whose actions lack an update for the period under review, when today is within
    `days_before` days before the next planned meeting's cut-off (and not after it). One email per
    lead per plan per day, however often it runs."""
    if plan is not None:
        plans = [plan]
    else:
        upcoming = Meeting.objects.filter(status=Meeting.Status.PLANNED, date__gte=today).values("board__plan_id")
        plans = list(Plan.objects.filter(pk__in=upcoming).order_by("title", "pk"))
    runs = []
    for each in plans:
        meeting = next_meeting(each, today)
        run = ReminderRun(plan=each, meeting=meeting, period=meeting.period if meeting else None)
        runs.append(run)
        if meeting is None:
            run.skipped = "no meeting is planned"
            continue
        if not (meeting.cutoff - dt.timedelta(days=days_before) <= today <= meeting.cutoff):
            run.skipped = (
                f"the update cut-off for the meeting of {meeting.date.day} {meeting.date:%B %Y} is "
                f"{meeting.cutoff.day} {meeting.cutoff:%B %Y}, not within the {days_before} days from today"
            )
            continue
        updated = ActionUpdate.objects.filter(period=meeting.period).values("action_id")
        lacking = list(each.actions.working().exclude(pk__in=updated).with_leads().order_by("order"))
        leads = _current_leads(lacking)
        users = get_user_model().objects.in_bulk(list(leads))
        for user_id, actions in sorted(leads.items(), key=lambda item: _name_key(users[item[0]])):
            _remind(run, user=users[user_id], actions=actions, action=None, today=today, by=by, site_url=site_url)
    return runs


def _name_key(user) -> tuple:
    return (user.first_name, user.last_name, user.pk)


def reminder_send_for_action(*, action: Action, by, today: dt.date | None = None, site_url: str = "") -> ReminderRun:
    """A plan manager's 'remind' on one action: email its current leads, once a day each."""
    today = today or timezone.localdate()
    period, meeting = period_under_review(action.plan, today)
    if not action.is_working:
        raise ValidationError(
            f"Action {action.reference} is {action.get_state_display().lower()}: it takes no updates."
        )
    if ActionUpdate.objects.filter(action=action, period=period).exists():
        raise ValidationError(f"Action {action.reference} has its {period:%B %Y} update already.")
    leads = _current_leads([action])
    if not leads:
        raise ValidationError(f"Nobody holds the roles that lead action {action.reference}: there is no one to remind.")
    run = ReminderRun(plan=action.plan, meeting=meeting, period=period)
    for user in sorted(get_user_model().objects.filter(pk__in=list(leads)), key=_name_key):
        _remind(run, user=user, actions=[action], action=action, today=today, by=by, site_url=site_url)
    return run


# Data-feed tokens --------------------------------------------------------------------------


def feed_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def feed_token_create(*, plan: Plan, name: str, by) -> tuple[FeedToken, str]:
    """A new token for the plan's feed. The raw token is returned here only; the database keeps its hash."""
    if not name.strip():
        raise ValidationError({"name": ["Say who will use the token."]})
    raw = secrets.token_urlsafe(32)
    token = FeedToken(plan=plan, name=name.strip(), token_hash=feed_token_hash(raw), prefix=raw[:8], created_by=by)
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def feed_token_revoke(*, token: FeedToken, by) -> FeedToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def feed_token_find(raw: str, *, slug: str) -> FeedToken | None:
    """The live token of the plan `slug` that a raw value is, noting its use; None if unknown, revoked
    or another plan's (which the caller must not tell apart)."""
    token = (
        FeedToken.objects.select_related("plan")
        .filter(token_hash=feed_token_hash(raw), revoked_at__isnull=True, plan__slug=slug)
        .first()
    )
    if token is not None:
        token.last_used_at = timezone.now()
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
    return token


__all__ = [
    "action_challenges",
    "challenge_close",
    "challenge_raise",
    "challenge_respond",
    "decision_add",
    "decision_set_status",
    "feed_token_create",
    "feed_token_find",
    "feed_token_revoke",
    "meeting_create",
    "meeting_update",
    "period_under_review",
    "reminder_send_for_action",
    "reminders_send",
]
