"""Permission checks for views: 404 for anyone outside the plan, 403 for what their part forbids."""

import copy

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

import audit

from .compiled import CompiledQuery
from .models import Plan, PlanDataVersion
from .versioning import ProcessMemo, data_token


def _plan_of(obj) -> Plan | None:
    """The plan an object belongs to, from what is loaded already (never a query)."""
    for _ in range(3):
        if isinstance(obj, Plan):
            return obj
        cache = obj._state.fields_cache if isinstance(obj, Model) else {}
        obj = cache.get("plan") or cache.get("action")
        if obj is None:
            return None
    return None


def _refused(kind: str, request, user, perm: str, obj) -> None:
    audit.record(
        kind=kind,
        request=request,
        user=user,
        plan=_plan_of(obj),
        obj=obj,
        permission=perm,
        path=request.path if request is not None else "",
    )


def require(user, perm: str, obj, *, request=None) -> None:
    """Refuse with 404 anyone outside the object's plan, 403 anyone whose part forbids `perm`;
    either is recorded in the audit log (with the address, when `request` is given)."""
    if not user.has_perm("plans.access_plan", obj):
        _refused(audit.Kind.NOT_FOUND, request, user, perm, obj)
        raise Http404("Not found.")  # never reveal that the plan exists
    if perm != "plans.access_plan" and not user.has_perm(perm, obj):
        _refused(audit.Kind.FORBIDDEN, request, user, perm, obj)
        raise PermissionDenied


def get_plan_for(request, slug: str, perm: str = "plans.access_plan") -> Plan:
    plan = _plan_by_slug(slug)
    if plan is None:
        audit.record(kind=audit.Kind.NOT_FOUND, request=request, object_type="plan", object_id=slug, path=request.path)
        raise Http404("Not found.")
    _remembered_access(request.user, plan)
    require(request.user, perm, plan, request=request)
    _remember_access(request.user, plan)
    return plan


# Plans read by slug, kept in this process by their data version (any change to a plan's fields gives it a
# new one). Each request asks the database for the version alone (one small query) and gets a copy of the
# plan made for that version, or reads the plan with its version (one query) when there is none.
_PLANS = ProcessMemo(1_000)


# The plan's id and data version token by its slug, on every plan page: compiled once per process
# (plans/compiled.py), since compiling the join on each request cost the cached dashboard a sixth of its time.
_VERSION_BY_SLUG = CompiledQuery(
    lambda slug: PlanDataVersion.objects.filter(plan__slug=slug).values_list("plan_id", "token")[:1],
    slug=("sample-a", "sample-b"),
)


def _plan_by_slug(slug: str) -> Plan | None:
    row = next(iter(_VERSION_BY_SLUG(slug=slug)), None)
    if row is not None:
        known = _PLANS.get((slug, *row))
        if known is not None:
            return copy.copy(known)  # Django copies the instance's state: nothing cached leaks between requests
    plan = Plan.objects.select_related("data_version").filter(slug=slug).first()
    if plan is None:
        return None
    _PLANS.put((slug, plan.pk, data_token(plan)), copy.copy(plan))
    return plan


# A person's part in a plan (plans/rules.py `plan_access`), kept in this process by person, plan and the
# plan's data version: every change to memberships and role holders gives the plan a new version
# (plans/versioning.py), read with the plan on each request, so an entry is never used after a change.
# Saves the access query on every plan page.
_ACCESS = ProcessMemo(10_000)


def _unwrapped(user):
    """The user itself, not the request's lazy wrapper: the rules keep a request's access on the user."""
    return getattr(user, "_wrapped", user)


def _access_key(user, plan: Plan) -> tuple[int, int, str] | None:
    if not user.is_authenticated or not user.is_active:  # also loads a lazy user
        return None
    return (user.pk, plan.pk, data_token(plan))


def _remembered_access(user, plan: Plan) -> None:
    key = _access_key(user, plan)
    if key is None:
        return
    access = _ACCESS.get(key)
    if access is not None:
        _unwrapped(user).__dict__.setdefault("_plan_access_cache", {}).setdefault(plan.pk, access)


def _remember_access(user, plan: Plan) -> None:
    key = _access_key(user, plan)
    access = _unwrapped(user).__dict__.get("_plan_access_cache", {}).get(plan.pk)
    if key is None or access is None:
        return
    _ACCESS.put(key, access)


def get_in_plan_or_404(request, in_plan: Plan, queryset, /, **lookups):
    """`get_object_or_404` for an object of the plan `in_plan` (the lookups must tie it to the plan);
    a miss is recorded in the audit log, as a refusal by `require` is."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    try:
        return queryset.get(**lookups)
    except queryset.model.DoesNotExist:
        audit.record(
            kind=audit.Kind.NOT_FOUND,
            request=request,
            plan=in_plan,
            object_type=queryset.model._meta.verbose_name,
            object_id=lookups.get("pk", ""),
            path=request.path,
        )
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None


def plans_for(user) -> QuerySet:
    """The plans a user is part of (every plan for a superuser)."""
    if user.is_superuser:
        return Plan.objects.all()
    return Plan.objects.filter(
        Q(memberships__user=user) | Q(roles__holders__user=user, roles__holders__until__isnull=True)
    ).distinct()


def can_import_plans(user, *, check_permission: bool = True) -> bool:
    """Admins, plan managers (who may import a new plan or replace one they manage), and anyone given
    the `plans.add_plan` permission. The navigation skips that last check, which costs two queries."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if "_manages_a_plan" not in user.__dict__:
        from .models import Membership

        user.__dict__["_manages_a_plan"] = Membership.objects.filter(
            user=user, kind=Membership.Kind.PLAN_MANAGER
        ).exists()
    return user.__dict__["_manages_a_plan"] or (check_permission and user.has_perm("plans.add_plan"))
