"""Writes to plans: import (any format) and export, each in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

import audit

from . import formats
from .models import (
    Action,
    ActionLead,
    Finding,
    Invitation,
    Membership,
    Plan,
    PlanImport,
    Recommendation,
    Role,
    RoleHolder,
    Statement,
)


class PlanExists(Exception):
    def __init__(self, slug: str):
        super().__init__(f"A plan with the slug '{slug}' exists already; choose --replace to replace it.")
        self.slug = slug


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def plan_slug_for(data: dict) -> str:
    return data.get("slug") or slugify(data["title"])[:100] or "plan"


@transaction.atomic
def plan_import(*, data: dict, replace: bool = False, by=None) -> Plan:
    """Create a plan from validated plan data (see `formats.validate_plan_data`).

    Atomic: either the whole plan is written or nothing is. A plan whose slug exists is
    refused unless `replace`, which deletes the old plan first.
    """
    slug = plan_slug_for(data)
    existing = Plan.objects.filter(slug=slug).first()
    if existing is not None:
        if not replace:
            raise PlanExists(slug)
        existing.delete()

    inspection = data.get("inspection") or {}
    published = data.get("published") or ""
    plan = Plan(
        slug=slug,
        title=data["title"],
        organisation=data["organisation"],
        summary=data.get("summary", ""),
        governance=data.get("governance", ""),
        source=data.get("source", ""),
        published_text=published,
        inspection_type=inspection.get("type", ""),
        inspection_start=_date(inspection.get("start")),
        inspection_end=_date(inspection.get("end")),
        inspection_judgement=inspection.get("judgement", ""),
        report_published=_date(inspection.get("report_published")),
        extra=data.get("extra", {}),
    )
    plan.full_clean()
    plan.save()

    Finding.objects.bulk_create(
        Finding(plan=plan, kind=item["kind"], text=item["text"], order=position)
        for position, item in enumerate(data.get("findings", []), start=1)
    )

    # Roles: those listed, then any lead named only on an action, in order of appearance.
    roles: dict[str, Role] = {}
    for item in data.get("roles", []):
        roles[item["title"]] = Role(plan=plan, title=item["title"], organisation=item.get("organisation", ""))
    for rec in data["recommendations"]:
        for action in rec.get("actions", []):
            for title in action.get("leads", []):
                roles.setdefault(title, Role(plan=plan, title=title, organisation=""))
    bulk_create_with_history(list(roles.values()), Role, default_user=by, default_change_reason="Imported")

    recommendations = [
        Recommendation(
            plan=plan,
            reference=rec["reference"].strip(),
            text=rec["text"],
            letter_text=rec.get("letter_text", ""),
            order=position,
            extra=rec.get("extra", {}),
        )
        for position, rec in enumerate(data["recommendations"], start=1)
    ]
    for recommendation in recommendations:
        recommendation.clean_fields(exclude=["plan"])
    bulk_create_with_history(recommendations, Recommendation, default_user=by, default_change_reason="Imported")

    actions: list[Action] = []
    action_leads: list[tuple[Action, list[str]]] = []
    for recommendation, rec in zip(recommendations, data["recommendations"], strict=True):
        for item in rec.get("actions", []):
            action = Action(
                plan=plan,
                recommendation=recommendation,
                reference=item["reference"].strip(),
                description=item.get("description", ""),
                description_missing=bool(item.get("description_missing")) or not item.get("description", "").strip(),
                start_text=item.get("start") or "",
                due_text=item.get("due") or "",
                order=len(actions) + 1,
                extra=item.get("extra", {}),
            )
            action.derive_dates()
            action.keep_original_due()
            action.clean_fields(exclude=["plan", "recommendation", "superseded_by", "closed_by"])
            actions.append(action)
            action_leads.append((action, item.get("leads", [])))
    bulk_create_with_history(actions, Action, default_user=by, default_change_reason="Imported")
    bulk_create_with_history(
        [
            ActionLead(action=action, role=roles[title], order=position)
            for action, titles in action_leads
            for position, title in enumerate(dict.fromkeys(titles))
        ],
        ActionLead,
        default_user=by,
        default_change_reason="Imported",
    )

    # Statements: identical text within a recommendation is one statement, linked to every
    # action on whose row it stands. A recommendation's own statement (on no action's row) is
    # kept apart from the same words on an action, or the export would lose it.
    statements: dict[tuple[int, str, str, bool], Statement] = {}
    links: list[tuple[Statement, Action]] = []

    def statement(recommendation: Recommendation, kind: str, text: str, *, own: bool = False) -> Statement:
        key = (recommendation.order, kind, text, own)
        if key not in statements:
            statements[key] = Statement(
                plan=plan, recommendation=recommendation, kind=kind, text=text, order=len(statements) + 1
            )
        return statements[key]

    action_iter = iter(actions)
    for recommendation, rec in zip(recommendations, data["recommendations"], strict=True):
        for kind, key in ((Statement.Kind.OUTCOME, "outcomes"), (Statement.Kind.MEASURE, "measures")):
            for text in rec.get(key, []):
                statement(recommendation, kind, text, own=True)
        for item in rec.get("actions", []):
            action = next(action_iter)
            for kind, key in ((Statement.Kind.OUTCOME, "outcomes"), (Statement.Kind.MEASURE, "measures")):
                for text in item.get(key, []):
                    links.append((statement(recommendation, kind, text), action))
    Statement.objects.bulk_create(statements.values())
    Through = Statement.actions.through
    Through.objects.bulk_create({(s.pk, a.pk): Through(statement_id=s.pk, action_id=a.pk) for s, a in links}.values())
    return plan


def plan_import_file(*, content: bytes, fmt: str, overrides: dict | None = None, replace: bool = False):
    """Read and import a file in one go. Returns (plan or None, ReadResult)."""
    result = formats.read_plan(content, fmt, overrides=overrides)
    if not result.ok:
        return None, result
    return plan_import(data=result.data, replace=replace), result


def plan_import_preview(*, content: bytes, filename: str, fmt: str, replace: bool, by) -> PlanImport:
    """Read an upload and keep it, with its warnings and errors, until someone confirms it."""
    result = formats.read_plan(content, fmt)
    errors = list(result.errors)
    existing = Plan.objects.filter(slug=plan_slug_for(result.data)).first() if result.ok else None
    if existing is not None and not replace:
        errors.append(
            f"A plan with the slug '{existing.slug}' exists already. "
            "Choose to replace it, or give the file another slug."
        )
    elif existing is not None and not by.has_perm("plans.manage_plan", existing):
        errors.append(f"A plan with the slug '{existing.slug}' exists already and you do not manage it.")
    preview = PlanImport(
        uploaded_by=by,
        filename=filename[:255],
        format=fmt,
        replace=replace,
        data=result.data if not errors else None,
        warnings=result.warnings,
        errors=errors,
    )
    preview.full_clean()
    preview.save()
    return preview


@transaction.atomic
def plan_import_confirm(*, preview: PlanImport, by) -> Plan:
    preview = PlanImport.objects.select_for_update().get(pk=preview.pk)
    if preview.status != PlanImport.Status.PREVIEWED or preview.errors or preview.data is None:
        raise ValueError("This upload cannot be imported: it has errors or was imported already.")
    existing = Plan.objects.filter(slug=plan_slug_for(preview.data)).first()
    if existing is not None and not by.has_perm("plans.manage_plan", existing):
        raise ValueError("You do not manage the plan this upload would replace.")
    plan = plan_import(data=preview.data, replace=preview.replace, by=by)
    if not by.is_superuser:
        # Whoever imports a plan manages it (and so can add its people).
        membership, created = Membership.objects.get_or_create(
            user=by, plan=plan, defaults={"kind": Membership.Kind.PLAN_MANAGER}
        )
        if created:
            _audit_membership(membership, by=by, old="", new=membership.get_kind_display(), reason="Imported the plan")
    preview.status = PlanImport.Status.IMPORTED
    preview.plan = plan
    preview.data = None  # the plan itself now holds it
    preview.full_clean()
    preview.save()
    return plan


# Export -----------------------------------------------------------------------------------


def plan_to_data(plan: Plan) -> dict:
    """The plan in the JSON plan format, with nothing dropped."""
    roles = list(plan.roles.order_by("id"))
    recommendations = list(plan.recommendations.order_by("order"))
    actions = list(plan.actions.order_by("order").prefetch_related("action_leads__role"))
    statements = list(plan.statements.order_by("order").prefetch_related("actions"))
    by_action: dict[int, dict[str, list[str]]] = {a.pk: {"outcome": [], "measure": []} for a in actions}
    rec_level: dict[int, dict[str, list[str]]] = {r.pk: {"outcome": [], "measure": []} for r in recommendations}
    for item in statements:
        linked = list(item.actions.all())
        if not linked:
            rec_level[item.recommendation_id][item.kind].append(item.text)
        for action in linked:
            by_action[action.pk][item.kind].append(item.text)
    actions_by_rec: dict[int, list[Action]] = {r.pk: [] for r in recommendations}
    for action in actions:
        actions_by_rec[action.recommendation_id].append(action)

    def action_data(action: Action) -> dict:
        item = {"reference": action.reference, "description": action.description}
        if action.description_missing:
            item["description_missing"] = True
        item |= {
            "leads": [link.role.title for link in sorted(action.action_leads.all(), key=lambda link: link.order)],
            "start": action.start_text or None,
            "due": action.due_text or None,
            "outcomes": by_action[action.pk]["outcome"],
            "measures": by_action[action.pk]["measure"],
        }
        if action.extra:
            item["extra"] = action.extra
        return item

    def recommendation_data(rec: Recommendation) -> dict:
        item = {"reference": rec.reference, "text": rec.text}
        if rec.letter_text:
            item["letter_text"] = rec.letter_text
        if rec_level[rec.pk]["outcome"]:
            item["outcomes"] = rec_level[rec.pk]["outcome"]
        if rec_level[rec.pk]["measure"]:
            item["measures"] = rec_level[rec.pk]["measure"]
        item["actions"] = [action_data(a) for a in actions_by_rec[rec.pk]]
        if rec.extra:
            item["extra"] = rec.extra
        return item

    data = {
        "format": formats.FORMAT_NAME,
        "slug": plan.slug,
        "title": plan.title,
        "organisation": plan.organisation,
        "published": plan.published_text or None,
        "summary": plan.summary,
        "governance": plan.governance,
        "source": plan.source,
        "inspection": {
            "type": plan.inspection_type,
            "start": plan.inspection_start.isoformat() if plan.inspection_start else None,
            "end": plan.inspection_end.isoformat() if plan.inspection_end else None,
            "judgement": plan.inspection_judgement,
            "report_published": plan.report_published.isoformat() if plan.report_published else None,
        },
        "roles": [{"title": r.title, "organisation": r.organisation} for r in roles],
        "findings": [{"kind": f.kind, "text": f.text} for f in plan.findings.order_by("order")],
        "recommendations": [recommendation_data(r) for r in recommendations],
    }
    if plan.extra:
        data["extra"] = plan.extra
    return data


EXPORTERS = {"json": formats.to_json, "csv": formats.to_csv, "xlsx": formats.to_xlsx}
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def plan_export(*, plan: Plan, fmt: str) -> bytes:
    return EXPORTERS[fmt](plan_to_data(plan))


# People: members, role holders and invitations --------------------------------------------


def _stamp_history(obj, by, reason: str = "") -> None:
    """Tell simple-history who made the change (and why), as governance.services does."""
    obj._history_user = by
    if reason:
        obj._change_reason = reason


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _audit_membership(membership: Membership, *, by, old: str, new: str, object_id=None, **detail) -> None:
    audit.record(
        kind=audit.Kind.MEMBERSHIP_CHANGE,
        user=by,
        plan=membership.plan,
        obj=membership,
        object_id=object_id or "",
        object_repr=_name(membership.user),
        old=old,
        new=new,
        person=membership.user.get_username(),
        **detail,
    )


def _audit_holder(holder: RoleHolder, *, by, old: str, new: str, plan: Plan | None = None, **detail) -> None:
    audit.record(
        kind=audit.Kind.ROLE_CHANGE,
        user=by,
        plan=plan or holder.role.plan,
        obj=holder,
        object_repr=str(holder.role),
        old=old,
        new=new,
        person=holder.user.get_username(),
        **detail,
    )


@transaction.atomic
def membership_remove(*, membership: Membership, by) -> None:
    """Take someone out of a plan. Roles they hold are kept: a lead stays in the plan through them."""
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.kind == Membership.Kind.PLAN_MANAGER:
        managers = Membership.objects.filter(plan_id=membership.plan_id, kind=Membership.Kind.PLAN_MANAGER)
        if not managers.exclude(pk=membership.pk).exists():
            raise ValidationError("A plan needs at least one plan manager: add another before removing this one.")
    _stamp_history(membership, by, "Removed")
    membership_id = membership.pk
    membership.delete()
    _audit_membership(membership, by=by, old=membership.get_kind_display(), new="", object_id=membership_id)


@transaction.atomic
def role_holder_add(*, role: Role, user, by, since: dt.date | None = None) -> RoleHolder:
    if RoleHolder.objects.filter(role=role, user=user, until__isnull=True).exists():
        name = user.get_full_name() or user.get_username()
        raise ValidationError({"user": f"{name} holds this role already."})
    holder = RoleHolder(role=role, user=user, since=since or timezone.localdate())
    holder.full_clean()
    _stamp_history(holder, by, "Added")
    holder.save()
    _audit_holder(holder, by=by, old="", new=_name(user), since=holder.since.isoformat())
    return holder


@transaction.atomic
def role_holder_end(*, holder: RoleHolder, by, until: dt.date | None = None) -> RoleHolder:
    """End a holding. The row is kept, so the history still tells who held the role and when."""
    holder = RoleHolder.objects.select_for_update().get(pk=holder.pk)
    if holder.until is not None:
        raise ValidationError("This person no longer holds the role.")
    holder.until = until or timezone.localdate()
    holder.full_clean()
    _stamp_history(holder, by, "Ended")
    holder.save()
    _audit_holder(holder, by=by, old=_name(holder.user), new="", until=holder.until.isoformat())
    return holder


class InvitationUnusable(Exception):
    """The invitation link is unknown, used or expired."""


def invitation_token_hash(token: str) -> str:
    # Only the hash is stored, so a copy of the database gives no working links.
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_find(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, if it can still be used."""
    return (
        Invitation.objects.select_related("plan", "invited_by")
        .filter(token_hash=invitation_token_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def invitation_existing_user(invitation: Invitation):
    """The account the invited email already has, if any."""
    email = invitation.email.lower()
    return (
        get_user_model()
        .objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        .order_by("-is_active", "pk")
        .first()
    )


@transaction.atomic
def invitation_create(
    *,
    plan: Plan,
    email: str,
    first_name: str,
    last_name: str,
    kind: str,
    roles,
    by,
    site_url: str,
) -> Invitation:
    """Invite someone to a plan and email them a one-time link (built on `site_url`, e.g. "https://host/").

    A new invitation to the same person for the same plan replaces any still waiting.
    """
    email = email.strip().lower()
    roles = list(roles)
    if not kind and not roles:
        raise ValidationError({"kind": "Choose what they will be, or at least one role for them to hold."})
    if any(role.plan_id != plan.pk for role in roles):
        raise ValidationError({"roles": "Choose roles of this plan only."})
    User = get_user_model()
    existing = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if kind and Membership.objects.filter(plan=plan, user__in=existing).exists():
        raise ValidationError(
            {"email": "Someone with this email address is a member of this plan already. Remove them first."}
        )

    now = timezone.now()
    Invitation.objects.filter(plan=plan, email=email, accepted_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        plan=plan,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        kind=kind,
        token_hash=invitation_token_hash(token),
        invited_by=by,
        expires_at=now + dt.timedelta(days=settings.INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    invitation.roles.set(roles)
    audit.record(
        kind=audit.Kind.MEMBERSHIP_CHANGE,
        user=by,
        plan=plan,
        obj=invitation,
        object_repr=email,
        new="Invited as " + (invitation.get_kind_display().lower() if kind else "lead only"),
        roles=[str(role) for role in roles],
    )

    link = site_url.rstrip("/") + reverse("plans:invitation_accept", args=[token])
    context = {
        "invitation": invitation,
        "plan": plan,
        "roles": roles,
        "link": link,
        "inviter": by.get_full_name() or by.get_username(),
        "service_name": settings.SERVICE_NAME,
    }
    # Sent inside the transaction: if the email cannot be sent, no invitation is left behind.
    send_mail(
        subject=f"You are invited to {plan.title}",
        message=render_to_string("plans/invitation_email.html", context),
        from_email=None,
        recipient_list=[email],
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str | None = None) -> tuple:
    """Use an invitation, once: the invited person's account (created with `password` if they have
    none), their membership and roles. Returns (user, whether the account was created here)."""
    invitation = Invitation.objects.select_for_update().select_related("plan", "invited_by").get(pk=invitation.pk)
    now = timezone.now()
    if invitation.accepted_at is not None or invitation.expires_at <= now:
        raise InvitationUnusable
    by = invitation.invited_by  # who decided what they may do
    user = invitation_existing_user(invitation)
    created = user is None
    if created:
        if not password:
            raise ValueError("A new account needs a password.")
        user = get_user_model()(
            username=invitation.email.lower(),
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
        user.set_password(password)
        user.full_clean()
        user.save()

    if invitation.kind and not Membership.objects.filter(plan=invitation.plan, user=user).exists():
        membership = Membership(plan=invitation.plan, user=user, kind=invitation.kind)
        membership.full_clean()
        _stamp_history(membership, by, "Invitation accepted")
        membership.save()
        _audit_membership(
            membership, by=user, old="", new=membership.get_kind_display(), reason="Invitation accepted", invited_by=by
        )
    today = timezone.localdate()
    held = set(RoleHolder.objects.filter(user=user, until__isnull=True).values_list("role_id", flat=True))
    for role in invitation.roles.all():
        if role.pk not in held:
            holder = RoleHolder(role=role, user=user, since=today)
            holder.full_clean()
            _stamp_history(holder, by, "Invitation accepted")
            holder.save()
            _audit_holder(
                holder,
                by=user,
                old="",
                new=_name(user),
                plan=invitation.plan,
                reason="Invitation accepted",
                invited_by=by,
            )

    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.full_clean()
    invitation.save()
    return user, created
