"""Permission checks for views: 404 for anyone outside the plan, 403 for what their part forbids."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Plan


def require(user, perm: str, obj) -> None:
    if not user.has_perm("plans.access_plan", obj):
        raise Http404("Not found.")  # never reveal that the plan exists
    if perm != "plans.access_plan" and not user.has_perm(perm, obj):
        raise PermissionDenied


def get_plan_for(request, slug: str, perm: str = "plans.access_plan") -> Plan:
    plan = get_object_or_404(Plan, slug=slug)
    require(request.user, perm, plan)
    return plan


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
